package io.tollgate.enforcement;

import java.util.List;
import java.util.Map;

/**
 * Tollgate's topics (docs/events.md): their names, and the settings an admin step creates them with
 * ({@link #specs()}). Nothing here talks to a broker: creating topics is an explicit step of its
 * own ({@code tollgate topics create}, {@code tollgate up}, the tests), never a side effect of
 * building a job.
 */
public final class Topics {
  public static final String POLICIES = "tollgate.policies";
  public static final String CALLS = "tollgate.calls";
  public static final String DELIVERED = "tollgate.delivered";
  public static final String FEEDBACK = "tollgate.feedback";
  public static final String DLQ = "tollgate.dlq";
  public static final String USAGE = "tollgate.usage";

  /** The evidence log's signed checkpoints (docs/evidence.md): one partition, kept for ever. */
  public static final String EVIDENCE = "tollgate.evidence";

  /** Largest output record: a 1 MiB call's delivered record or dead letter, with room to spare. */
  public static final int MAX_OUTPUT_RECORD_BYTES = 4 << 20;

  /** Largest contract a policies record may carry, as for contract files. */
  public static final int MAX_CONTRACT_BYTES = 4 << 20;

  private Topics() {}

  /**
   * Every topic with its settings: {@code tollgate.policies} compacted with one partition (every
   * enforcement task reads all of it); {@code tollgate.calls} with broker (log-append) timestamps,
   * on which the bounds of a call's {@code ts} rest; the outputs accepting records of up to {@link
   * #MAX_OUTPUT_RECORD_BYTES}.
   */
  public static List<TopicSpec> specs() {
    String outputBytes = Integer.toString(MAX_OUTPUT_RECORD_BYTES);
    return List.of(
        new TopicSpec(
            POLICIES,
            true,
            Map.of(
                "cleanup.policy", "compact",
                "min.compaction.lag.ms", "0",
                "max.message.bytes", Integer.toString(MAX_CONTRACT_BYTES + 65536))),
        new TopicSpec(CALLS, false, Map.of("message.timestamp.type", "LogAppendTime")),
        new TopicSpec(DELIVERED, false, Map.of("max.message.bytes", outputBytes)),
        new TopicSpec(FEEDBACK, false, Map.of("max.message.bytes", outputBytes)),
        new TopicSpec(DLQ, false, Map.of("max.message.bytes", outputBytes)),
        new TopicSpec(USAGE, false, Map.of("max.message.bytes", outputBytes)),
        new TopicSpec(EVIDENCE, true, Map.of("retention.ms", "-1", "retention.bytes", "-1")));
  }
}
