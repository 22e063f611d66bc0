package io.tollgate.flink.metering;

import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.records.PolicyRecord;
import io.tollgate.flink.Out;
import io.tollgate.flink.kafka.OutSerializer;
import io.tollgate.flink.kafka.PolicyRecordDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

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

    /**
     * Running totals are emitted within this long of wall-clock time after a change too (0: only at
     * the event-time flushes), so that they catch up when traffic stops.
     */
    public long idleFlushMs = 60_000;

    /**
     * How long a feedback partition without events may go before it is left out of the watermark (a
     * running job; a bounded one has no idleness).
     */
    public long idlenessMs = 60_000;

    /** How long an event of a contract not known yet waits for it (processing time). */
    public long policiesWaitMs = 30_000;

    /** Where contracts' {@code opa.wasm} paths resolve, as for the enforcement job. */
    public String opaDir;

    /**
     * Where checkpoints go (a URI, {@code file:///...}); null keeps them in the JobManager's
     * memory, which holds at most 5 MB of state: enough for tests, not for millions of ids.
     */
    public String checkpointDir;

    /** Read to the end offsets at start and stop there (tests, backfills). */
    public boolean bounded;
  }

  /**
   * The contracts on {@code tollgate.policies} now: every version the topic still holds, by key,
   * the latest last (revoked ones included: their versions still price the usage they decided),
   * read through once at submission, so that the job knows them before its first feedback event.
   */
  static Map<String, List<String>> initialContracts(String bootstrap) {
    java.util.Properties p = new java.util.Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("isolation.level", "read_committed");
    p.put("enable.auto.commit", "false");
    p.put("allow.auto.create.topics", "false");
    Map<String, List<String>> out = new java.util.TreeMap<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      c.partitionsFor(Topics.POLICIES, Duration.ofSeconds(30))
          .forEach(i -> parts.add(new TopicPartition(Topics.POLICIES, i.partition())));
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "could not read " + Topics.POLICIES + " to its end offsets " + end + " in 60 s");
        }
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          PolicyRecord pr =
              PolicyRecord.read(r.key(), r.value(), r.partition(), r.offset(), r.timestamp());
          if (pr.error == null && pr.contractId != null && pr.text != null) {
            List<String> texts = out.computeIfAbsent(pr.contractId, k -> new ArrayList<>());
            texts.remove(pr.text);
            texts.add(pr.text); // the last is the latest
          }
        }
      }
    }
    return out;
  }

  /**
   * The contracts' side says nothing of event time: it is always idle, so the metering operator's
   * watermark is the feedback's alone.
   */
  static final class NoHoldBack implements WatermarkStrategy<PolicyRecord> {
    private static final long serialVersionUID = 1L;

    @Override
    public org.apache.flink.api.common.eventtime.WatermarkGenerator<PolicyRecord>
        createWatermarkGenerator(
            org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier.Context context) {
      return new org.apache.flink.api.common.eventtime.WatermarkGenerator<>() {
        @Override
        public void onEvent(
            PolicyRecord event,
            long timestamp,
            org.apache.flink.api.common.eventtime.WatermarkOutput output) {}

        @Override
        public void onPeriodicEmit(org.apache.flink.api.common.eventtime.WatermarkOutput output) {
          // idle, never a watermark: an idle input is left out of the operator's watermark, so
          // when the feedback goes idle too, event time stands still (a watermark of its own,
          // however high, would become the operator's then and close every month)
          output.markIdle();
        }
      };
    }
  }

  /** The cluster configuration the job wants: heap state, checkpoints where the settings say. */
  public static org.apache.flink.configuration.Configuration configuration(Settings s) {
    org.apache.flink.configuration.Configuration conf =
        new org.apache.flink.configuration.Configuration();
    conf.setString("state.backend.type", "hashmap");
    if (s.checkpointDir != null) {
      conf.setString("execution.checkpointing.storage", "filesystem");
      conf.setString("execution.checkpointing.dir", s.checkpointDir);
      conf.setString(
          "execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
    }
    return conf;
  }

  /** Builds the job on {@code env}. */
  public static void build(StreamExecutionEnvironment env, Settings s) {
    build(env, s, in -> in);
  }

  /**
   * Builds the job on {@code env}, with {@code input} applied to the feedback it reads before it is
   * keyed (tests put a failure drill there).
   */
  public static void build(
      StreamExecutionEnvironment env,
      Settings s,
      java.util.function.UnaryOperator<
              org.apache.flink.streaming.api.datastream.DataStream<Metered>>
          input) {
    env.setParallelism(s.parallelism);
    env.enableCheckpointing(s.checkpointIntervalMs, CheckpointingMode.EXACTLY_ONCE);
    KafkaSourceBuilder<Metered> b =
        KafkaSource.<Metered>builder()
            .setBootstrapServers(s.bootstrapServers)
            .setTopics(Topics.FEEDBACK)
            .setGroupId(s.groupId)
            // the ledgers are the job's state: a start without it recounts all the feedback the
            // topic retains, never the rest of it from a committed offset onto empty ledgers (a
            // restore reads on from the checkpoint's offsets, whatever this says)
            .setStartingOffsets(OffsetsInitializer.earliest())
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
      watermarks = watermarks.withIdleness(Duration.ofMillis(s.idlenessMs));
    }
    KafkaSource<PolicyRecord> policies =
        KafkaSource.<PolicyRecord>builder()
            .setBootstrapServers(s.bootstrapServers)
            .setTopics(Topics.POLICIES)
            .setGroupId(s.groupId + "-policies")
            .setStartingOffsets(OffsetsInitializer.earliest())
            .setProperty("isolation.level", "read_committed")
            .setProperty("allow.auto.create.topics", "false")
            .setDeserializer(new PolicyRecordDeserializer())
            .build();
    if (s.bounded) {
      // a bounded run stops when the feedback is read: the policies source must end too
      policies =
          KafkaSource.<PolicyRecord>builder()
              .setBootstrapServers(s.bootstrapServers)
              .setTopics(Topics.POLICIES)
              .setGroupId(s.groupId + "-policies")
              .setStartingOffsets(OffsetsInitializer.earliest())
              .setBounded(OffsetsInitializer.latest())
              .setProperty("isolation.level", "read_committed")
              .setProperty("allow.auto.create.topics", "false")
              .setDeserializer(new PolicyRecordDeserializer())
              .build();
    }
    BroadcastStream<PolicyRecord> contracts =
        env.fromSource(policies, new NoHoldBack(), Topics.POLICIES)
            .uid("policies-source")
            .setParallelism(1)
            .broadcast(MeteringFunction.CONTRACTS);
    Map<String, List<String>> initial = initialContracts(s.bootstrapServers);
    SingleOutputStreamOperator<Out> usage =
        input
            .apply(env.fromSource(b.build(), watermarks, Topics.FEEDBACK).uid("feedback-source"))
            .keyBy(m -> m.key)
            .connect(contracts)
            .process(
                new MeteringFunction(
                    s.zone,
                    s.graceMs,
                    s.flushMs,
                    // a bounded run must not wait on processing time: its timers may never fire
                    s.bounded ? 0 : s.policiesWaitMs,
                    s.bounded ? 0 : s.idleFlushMs,
                    initial,
                    s.opaDir,
                    s.bounded))
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
