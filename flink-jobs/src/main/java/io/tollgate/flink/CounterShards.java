package io.tollgate.flink;

import io.tollgate.enforcement.records.CallRecord;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * How the calls of a hot consumer are spread over subtasks: the keys of the enforcement function,
 * and which counter shard a call belongs to.
 *
 * <p>Calls are keyed by (consumer, dataset), so each key's calls, and its counters of rate, quota
 * and total, live in one subtask. A consumer named hot with {@code n} shards has its calls of each
 * dataset spread over {@code n} keys by a hash of the call id: every shard does the whole per-call
 * work (checks, projection, masks, encoding) for its calls and keeps its own counters, which
 * enforce part {@code i} of {@code n} of every limit ({@link
 * io.tollgate.policy.spi.LimitSpec#part}). The parts sum to the limits, so the shards together
 * never permit more than one key would.
 *
 * <p>Shard 0's key is the (consumer, dataset) key itself; shard {@code i}'s is a key whose key
 * group lies {@code i/n} of the way round the ring of key groups from shard 0's. Subtasks own
 * contiguous ranges of key groups, so {@code n} shards at parallelism {@code n} land on {@code n}
 * different subtasks (exactly when the parallelism divides the number of key groups). The keys
 * depend only on {@code n} and the number of key groups, never on the parallelism: a rescale moves
 * shards, with their counters, but never renames them.
 */
public final class CounterShards implements KeySelector<CallRecord, Long> {
  private static final long serialVersionUID = 1L;

  private final HashMap<String, Integer> shards;
  private final int keyGroups;
  private transient HashMap<Long, long[]> keys;

  /**
   * @param shards consumers to their shard counts (consumers not named have one)
   * @param keyGroups the job's maximum parallelism, its number of key groups
   */
  public CounterShards(Map<String, Integer> shards, int keyGroups) {
    this.shards = new HashMap<>(validate(shards, keyGroups));
    this.keyGroups = keyGroups;
  }

  /** The shard counts, checked: each between 1 and the number of key groups. */
  static Map<String, Integer> validate(Map<String, Integer> shards, int keyGroups) {
    for (Map.Entry<String, Integer> e : shards.entrySet()) {
      if (e.getKey() == null || e.getKey().isEmpty()) {
        throw new IllegalArgumentException("--hot-consumer: a consumer id is empty");
      }
      Integer n = e.getValue();
      if (n == null || n < 1 || n > keyGroups) {
        throw new IllegalArgumentException(
            "--hot-consumer "
                + e.getKey()
                + "="
                + n
                + ": the shards must be between 1 and the maximum parallelism ("
                + keyGroups
                + ")");
      }
    }
    return shards;
  }

  /** The shard count of a consumer (1 when it is not hot). */
  public int shardsOf(String consumer) {
    Integer n = shards.get(consumer);
    return n == null ? 1 : n;
  }

  /** The consumers and shard counts, as one canonical text ({@code a=2,b=4}, sorted). */
  public String describe() {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, Integer> e : new TreeMap<>(shards).entrySet()) {
      if (e.getValue() > 1) {
        b.append(b.length() == 0 ? "" : ",").append(e.getKey()).append('=').append(e.getValue());
      }
    }
    return b.toString();
  }

  /** The shard of a call among {@code n}: a hash of its id, the same on every replay. */
  public static int shardOf(String callId, int n) {
    if (n <= 1 || callId == null) {
      return 0;
    }
    int h = callId.hashCode();
    h ^= h >>> 16; // murmur3's finaliser: String.hashCode's low bits follow the id's last character
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return Integer.remainderUnsigned(h, n);
  }

  @Override
  public Long getKey(CallRecord r) {
    long base = r.key();
    int n = shardsOf(r.consumer);
    return n == 1 ? base : keyOf(base, shardOf(r.id, n), n);
  }

  /** The key of shard {@code shard} of {@code n} of the (consumer, dataset) key {@code base}. */
  long keyOf(long base, int shard, int n) {
    if (shard == 0) {
      return base;
    }
    if (keys == null) {
      keys = new HashMap<>();
    }
    long[] k = keys.get(base);
    if (k == null || k.length != n) {
      if (keys.size() >= 65_536) {
        keys.clear();
      }
      k = new long[n];
      keys.put(base, k);
    }
    if (k[shard] == 0) {
      k[shard] = shardKey(base, shard, n, keyGroups);
    }
    return k[shard];
  }

  /**
   * The first of a fixed sequence of candidate keys whose key group is shard {@code shard}'s: about
   * {@code keyGroups} candidates are hashed, once per key and shard.
   */
  static long shardKey(long base, int shard, int n, int keyGroups) {
    int home = KeyGroupRangeAssignment.assignToKeyGroup(base, keyGroups);
    int target = (int) ((home + (long) shard * keyGroups / n) % keyGroups);
    long x = base ^ (shard * 0x9E3779B97F4A7C15L);
    for (long j = 1; ; j++) {
      long c = mix(x + j * 0xC2B2AE3D27D4EB4FL);
      if (c != 0 && c != base && KeyGroupRangeAssignment.assignToKeyGroup(c, keyGroups) == target) {
        return c;
      }
    }
  }

  private static long mix(long z) { // SplitMix64's finaliser
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
