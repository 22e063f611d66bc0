package io.tollgate.gateway.http;

import io.netty.channel.Channel;
import io.tollgate.enforcement.records.CallRecord;
import io.tollgate.enforcement.records.EventWriter;
import io.tollgate.enforcement.records.Pseudonyms;
import io.tollgate.enforcement.records.StreamingPayloadFilter;
import io.tollgate.policy.DataCall;
import io.tollgate.policy.Decision;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * What one event loop reuses for every request it serves: the decision objects, the record writer,
 * the response filter and its pool of idle keep-alive connections per upstream. Touched only by its
 * loop's thread, so nothing here is shared or locked.
 */
final class LoopState {
  final DataCall call = new DataCall();
  final Decision decision = new Decision();
  final CallRecord record = new CallRecord();
  final EventWriter writer;
  final Pseudonyms pseudonyms;
  final int maxDepth;
  final int maxValueBytes;
  final Map<String, ArrayDeque<Channel>> idle = new HashMap<>();

  LoopState(byte[] maskKey, String point, int maxDepth, int maxValueBytes) {
    writer = new EventWriter(maskKey, point);
    pseudonyms = new Pseudonyms(maskKey);
    this.maxDepth = maxDepth;
    this.maxValueBytes = maxValueBytes;
  }

  /** A response filter for one exchange (they interleave on a loop; the pseudonyms are shared). */
  StreamingPayloadFilter filter() {
    return new StreamingPayloadFilter(pseudonyms, maxDepth, maxValueBytes);
  }

  /** An idle, open connection to {@code upstream}, or null. */
  Channel take(String upstream) {
    ArrayDeque<Channel> q = idle.get(upstream);
    while (q != null && !q.isEmpty()) {
      Channel c = q.pollLast();
      if (c.isActive()) {
        return c;
      }
    }
    return null;
  }

  void give(String upstream, Channel c) {
    ArrayDeque<Channel> q = idle.computeIfAbsent(upstream, k -> new ArrayDeque<>());
    if (q.size() >= 256) {
      c.close();
      return;
    }
    q.addLast(c); // a pooled connection that closes is skipped by take() (isActive)
  }
}
