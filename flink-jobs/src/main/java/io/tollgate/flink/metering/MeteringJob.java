package io.tollgate.flink.metering;

import io.tollgate.enforcement.Topics;
import io.tollgate.flink.Out;
import io.tollgate.flink.kafka.OutSerializer;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The metering job: {@code tollgate.feedback} in, billable usage on {@code tollgate.usage} out
 * (CloudEvents, {@code docs/events.md}), exactly once. Pricing and statements read its records; the
 * counting itself is {@code metering}'s {@link io.tollgate.metering.UsageLedger}.
 */
public final class MeteringJob {
  private MeteringJob() {}

  /** What the job needs to know. */
  public static final class Settings {
    public String bootstrapServers = "127.0.0.1:19092";
    public String groupId = "tollgate-metering";
    public String transactionalIdPrefix = "tollgate-metering";
    public long checkpointIntervalMs = 1000;
    public int parallelism = 1;
    public String zone = "Asia/Shanghai";
    public long graceMs = Duration.ofHours(72).toMillis();
    public long flushMs = Duration.ofHours(1).toMillis();
    public long outOfOrdernessMs = 5000;

    /** Read to the end offsets at start and stop there (tests, backfills). */
    public boolean bounded;
  }

  /** Builds the job on {@code env}. */
  public static void build(StreamExecutionEnvironment env, Settings s) {
    env.setParallelism(s.parallelism);
    env.enableCheckpointing(s.checkpointIntervalMs, CheckpointingMode.EXACTLY_ONCE);
    KafkaSourceBuilder<Metered> b =
        KafkaSource.<Metered>builder()
            .setBootstrapServers(s.bootstrapServers)
            .setTopics(Topics.FEEDBACK)
            .setGroupId(s.groupId)
            .setStartingOffsets(
                OffsetsInitializer.committedOffsets(
                    org.apache.kafka.clients.consumer.OffsetResetStrategy.EARLIEST))
            .setProperty("isolation.level", "read_committed")
            .setProperty("allow.auto.create.topics", "false")
            .setDeserializer(new FeedbackDeserializer());
    if (s.bounded) {
      b.setBounded(OffsetsInitializer.latest());
    }
    WatermarkStrategy<Metered> watermarks =
        WatermarkStrategy.<Metered>forBoundedOutOfOrderness(Duration.ofMillis(s.outOfOrdernessMs))
            .withTimestampAssigner((m, previous) -> m.eventTime);
    if (!s.bounded) {
      // a partition without traffic must not hold every month open; but an idle partition is left
      // out of the watermark, and one that is only slow to start would see its events turn into
      // corrections: a minute, not seconds (and none on a bounded run, which reads a backlog)
      watermarks = watermarks.withIdleness(Duration.ofMinutes(1));
    }
    SingleOutputStreamOperator<Out> usage =
        env.fromSource(b.build(), watermarks, Topics.FEEDBACK)
            .uid("feedback-source")
            .keyBy(m -> m.key)
            .process(new MeteringFunction(s.zone, s.graceMs, s.flushMs))
            .uid("meter")
            .name("meter");
    usage
        .sinkTo(
            KafkaSink.<Out>builder()
                .setBootstrapServers(s.bootstrapServers)
                .setRecordSerializer(new OutSerializer(Topics.USAGE))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(s.transactionalIdPrefix)
                .setProperty("transaction.timeout.ms", "600000")
                .build())
        .uid("usage-sink")
        .name(Topics.USAGE);
  }
}
