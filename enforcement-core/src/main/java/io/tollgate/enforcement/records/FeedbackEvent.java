package io.tollgate.enforcement.records;

import io.tollgate.policy.Outcome;
import java.util.List;

/**
 * A {@code tollgate.feedback} event as read back ({@link EventReader#feedback}); docs/events.md
 * gives each field's meaning. Times are epoch milliseconds but {@code eventTime}, kept as written
 * (ISO-8601 UTC).
 */
public record FeedbackEvent(
    String callId,
    Outcome decision,
    List<String> reasons,
    String contract,
    String policyVersion,
    String consumer,
    String dataset,
    String action,
    String purpose,
    long records,
    long bytes,
    String eventTime,
    long ingestTime,
    long decisionTime,
    String channel,
    int status,
    String id,
    String provider,
    String point) {

  /**
   * True for a call decided by an HTTP gateway ({@code point: gateway/<id>}; events written before
   * {@code point} existed: {@code channel: http}).
   */
  public boolean http() {
    return point != null ? point.startsWith("gateway/") : "http".equals(channel);
  }

  /** Decision latency: from the call entering Tollgate to its decision. */
  public long decisionLatencyMillis() {
    return decisionTime - ingestTime;
  }
}
