package io.tollgate.flink;

import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.records.CallRecord;
import io.tollgate.enforcement.records.PolicyRecord;
import io.tollgate.flink.kafka.CallRecordDeserializer;
import io.tollgate.flink.kafka.OutSerializer;
import io.tollgate.flink.kafka.PolicyOffsets;
import io.tollgate.flink.kafka.PolicyRecordDeserializer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The streaming enforcement job: {@code tollgate.calls} and {@code tollgate.policies} in; {@code
 * tollgate.feedback}, {@code tollgate.delivered} and {@code tollgate.dlq} out, exactly once.
 *
 * <p>Run on a Flink cluster with the shaded jar ({@code flink run tollgate-flink-jobs.jar
 * --bootstrap-servers ...}), or embedded through {@link #build} (tests, {@code ./tollgate up}). The
 * topics must exist: creating them is an admin step of its own ({@code tollgate topics create}).
 */
@Command(
    name = "enforcement-job",
    mixinStandardHelpOptions = true,
    description = "Tollgate's streaming enforcement job (Kafka to Kafka, exactly once).")
public final class EnforcementJob implements Callable<Integer> {

  /** What the job is built with. Defaults suit a single node. */
  public static final class Settings {
    @Option(
        names = "--bootstrap-servers",
        required = true,
        description = "Kafka bootstrap servers.")
    public String bootstrapServers;

    @Option(
        names = "--group-id",
        defaultValue = "tollgate-enforcement",
        description = "Consumer group of tollgate.calls (default: ${DEFAULT-VALUE}).")
    public String groupId = "tollgate-enforcement";

    @Option(
        names = "--transactional-id-prefix",
        defaultValue = "tollgate",
        description = "Prefix of the sinks' Kafka transactional ids (default: ${DEFAULT-VALUE}).")
    public String transactionalIdPrefix = "tollgate";

    @Option(
        names = "--parallelism",
        defaultValue = "2",
        description = "Parallelism (default: ${DEFAULT-VALUE}).")
    public int parallelism = 2;

    @Option(
        names = "--checkpoint-interval-ms",
        defaultValue = "1000",
        description =
            "Checkpoint interval; output becomes visible to read_committed consumers at each checkpoint (default: ${DEFAULT-VALUE}).")
    public long checkpointIntervalMs = 1000;

    @Option(
        names = "--state-backend",
        defaultValue = "hashmap",
        description = "hashmap or rocksdb (default: ${DEFAULT-VALUE}).")
    public String stateBackend = "hashmap";

    @Option(
        names = "--checkpoint-dir",
        description = "Checkpoint storage URI (default: the job manager's memory).")
    public String checkpointDir;

    @Option(
        names = "--mask-key",
        defaultValue = "tollgate-demo-mask-key",
        description = "Key of the 'hash' mask (HMAC-SHA256). Set your own in production.")
    public String maskKey = "tollgate-demo-mask-key";

    @Option(
        names = "--max-future-ms",
        defaultValue = "300000",
        description =
            "How far a call's ts may lead its record's broker time (default: ${DEFAULT-VALUE}).")
    public long maxFutureMs = 300_000;

    @Option(
        names = "--max-late-ms",
        defaultValue = "3600000",
        description =
            "How far a call's ts may lag its record's broker time (default: ${DEFAULT-VALUE}).")
    public long maxLateMs = 3_600_000;

    @Option(
        names = "--out-of-orderness-ms",
        defaultValue = "5000",
        description = "Bound of event-time disorder for watermarks (default: ${DEFAULT-VALUE}).")
    public long outOfOrdernessMs = 5000;

    @Option(
        names = "--policies-ready-timeout-ms",
        defaultValue = "30000",
        description =
            "Longest wait at start for tollgate.policies to be read (default: ${DEFAULT-VALUE}).")
    public long policiesReadyTimeoutMs = 30_000;

    @Option(
        names = "--opa-dir",
        description = "Directory OPA modules named by contracts are read from (default: none).")
    public String opaDir;

    @Option(
        names = "--transaction-timeout-ms",
        defaultValue = "300000",
        description =
            "Kafka transaction timeout of the sinks: longer than the longest checkpoint plus the longest recovery, at most the broker's transaction.max.timeout.ms (15 min by default) (default: ${DEFAULT-VALUE}).")
    public long transactionTimeoutMs = 300_000;

    @Option(
        names = "--sink-compression",
        defaultValue = "lz4",
        description = "Compression of the output topics' batches (default: ${DEFAULT-VALUE}).")
    public String sinkCompression = "lz4";

    @Option(
        names = "--buffer-timeout-ms",
        defaultValue = "5",
        description =
            "Longest a record waits in a network buffer before it is sent on; Flink's 100 ms default would dominate latency at low rates (default: ${DEFAULT-VALUE}).")
    public long bufferTimeoutMs = 5;

    @Option(
        names = "--hot-consumer",
        paramLabel = "CONSUMER=SHARDS",
        description = {
          "A consumer whose calls of one dataset are more than one subtask can enforce: its calls"
              + " are spread by call id over SHARDS subtasks, each enforcing 1/SHARDS of every rate,"
              + " quota and total of its contracts (the parts sum to the limits: never more is"
              + " permitted, but for a version that lowers a total or quota: see ADR 0011; a shard"
              + " may refuse while another has room). Repeatable. Part of the state's shape: a"
              + " restore with other settings is refused."
        })
    public Map<String, Integer> hotConsumers = new java.util.LinkedHashMap<>();

    @Option(
        names = "--max-parallelism",
        defaultValue = "128",
        description =
            "With --hot-consumer: key groups of the keyed state, the most subtasks a rescale can"
                + " reach, fixed for the life of the state; without, Flink's default applies"
                + " (default: ${DEFAULT-VALUE}).")
    public int maxParallelism = 128;

    public Settings bootstrapServers(String s) {
      bootstrapServers = s;
      return this;
    }
  }

  @CommandLine.Mixin Settings settings = new Settings();

  @Option(names = "--job-name", defaultValue = "tollgate-enforcement")
  String jobName;

  /** Runs the job: from {@code flink run}, a REST submission, or {@code java -cp}. */
  public static void main(String[] args) throws Exception {
    JobMain.run(new EnforcementJob(), args);
  }

  @Override
  public Integer call() throws Exception {
    org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(EnforcementJob.class);
    String envKey = System.getenv("TOLLGATE_MASK_KEY");
    if (envKey != null && !envKey.isEmpty()) {
      settings.maskKey = envKey;
    } else if (settings.maskKey.equals(new Settings().maskKey)) {
      log.warn(
          "the 'hash' mask uses the public demo key: pseudonyms of low-entropy values can be reversed."
              + " Set TOLLGATE_MASK_KEY (or --mask-key) to a secret.");
    }
    if (settings.checkpointDir == null) {
      log.warn(
          "no --checkpoint-dir: unless the cluster configures durable checkpoints, rate, quota and total"
              + " counters do not survive a cancel or a JobManager loss");
    }
    // The topics exist (an admin step creates them: tollgate topics create); read where the
    // contracts end now, before the graph is built, so that no call is decided before them.
    Map<Integer, Long> policiesEnd = PolicyOffsets.end(settings.bootstrapServers);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(configuration(settings));
    build(env, settings, policiesEnd);
    env.execute(jobName);
    return 0;
  }

  /** The Flink configuration the settings imply (state backend, no Kryo fallback). */
  public static Configuration configuration(Settings s) {
    Configuration conf = new Configuration();
    conf.set(StateBackendOptions.STATE_BACKEND, s.stateBackend);
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(PipelineOptions.OBJECT_REUSE, true);
    if (s.checkpointDir != null) {
      conf.setString("execution.checkpointing.storage", "filesystem");
      conf.setString("execution.checkpointing.dir", s.checkpointDir);
      // counters (total, quota) live in checkpoints: keep the last one when the job is cancelled
      conf.setString(
          "execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
    }
    return conf;
  }

  /**
   * The job's streams before their sinks: one feedback event per call, one delivered record per
   * permitted call, and the dead letters. {@link #build} connects them to Kafka; a baseline or a
   * test may put an operator of its own in between.
   */
  public record Streams(
      DataStream<Out> feedback, DataStream<Out> delivered, DataStream<Out> deadLetters) {}

  /**
   * Adds the enforcement job to {@code env}.
   *
   * @param policiesEnd where {@code tollgate.policies} ended when the job was submitted, by
   *     partition ({@link PolicyOffsets#end}): calls wait until the contracts up to there are read
   */
  public static void build(
      StreamExecutionEnvironment env, Settings s, Map<Integer, Long> policiesEnd) {
    sinks(streams(env, s, enforcement(s, policiesEnd), "enforce"), s);
  }

  /** The enforcement function the settings imply. */
  public static EnforcementFunction enforcement(Settings s, Map<Integer, Long> policiesEnd) {
    return new EnforcementFunction(
            policiesEnd,
            s.policiesReadyTimeoutMs,
            s.maskKey.getBytes(StandardCharsets.UTF_8),
            s.opaDir)
        .sharded(shards(s));
  }

  /** How the settings spread hot consumers' calls. */
  public static CounterShards shards(Settings s) {
    return new CounterShards(s.hotConsumers, s.maxParallelism);
  }

  /**
   * Configures {@code env} (parallelism, checkpoints) and adds the sources, triage and {@code
   * decide}, keyed by (consumer, dataset) and connected to the broadcast contracts, under the uid
   * {@code enforce} and the name {@code name}.
   */
  public static Streams streams(
      StreamExecutionEnvironment env,
      Settings s,
      KeyedBroadcastProcessFunction<Long, CallRecord, PolicyRecord, Out> decide,
      String name) {
    env.setParallelism(s.parallelism);
    if (!shards(s).describe().isEmpty()) {
      // shard keys are placed by key group: their number must not change under them (a rescale
      // past Flink's default would keep the state's, and rename every shard)
      if (s.parallelism > s.maxParallelism) {
        throw new IllegalArgumentException(
            "--parallelism "
                + s.parallelism
                + " exceeds --max-parallelism "
                + s.maxParallelism
                + ", the key groups hot consumers are spread over");
      }
      env.setMaxParallelism(s.maxParallelism);
    }
    env.setBufferTimeout(s.bufferTimeoutMs);
    env.enableCheckpointing(s.checkpointIntervalMs, CheckpointingMode.EXACTLY_ONCE);
    env.getCheckpointConfig()
        .setMinPauseBetweenCheckpoints(Math.min(500, s.checkpointIntervalMs / 2));

    KafkaSource<CallRecord> callSource =
        KafkaSource.<CallRecord>builder()
            .setBootstrapServers(s.bootstrapServers)
            .setTopics(Topics.CALLS)
            .setGroupId(s.groupId)
            .setStartingOffsets(
                OffsetsInitializer.committedOffsets(
                    org.apache.kafka.clients.consumer.OffsetResetStrategy.EARLIEST))
            .setProperty("isolation.level", "read_committed")
            .setProperty("partition.discovery.interval.ms", "60000")
            .setProperty("allow.auto.create.topics", "false") // topics are made by an admin step
            .setDeserializer(new CallRecordDeserializer(s.maxFutureMs, s.maxLateMs))
            .build();
    KafkaSource<PolicyRecord> policySource =
        KafkaSource.<PolicyRecord>builder()
            .setBootstrapServers(s.bootstrapServers)
            .setTopics(Topics.POLICIES)
            .setGroupId(s.groupId + "-policies")
            .setStartingOffsets(OffsetsInitializer.earliest())
            .setProperty("isolation.level", "read_committed")
            .setProperty("commit.offsets.on.checkpoint", "false")
            .setProperty("allow.auto.create.topics", "false")
            .setDeserializer(new PolicyRecordDeserializer())
            .build();

    WatermarkStrategy<CallRecord> watermarks =
        WatermarkStrategy.<CallRecord>forBoundedOutOfOrderness(
                Duration.ofMillis(s.outOfOrdernessMs))
            .withTimestampAssigner((r, previous) -> r.ts)
            .withIdleness(Duration.ofSeconds(5));

    SingleOutputStreamOperator<CallRecord> calls =
        env.fromSource(callSource, watermarks, "tollgate.calls")
            .uid("calls-source")
            .process(new Triage())
            .uid("triage")
            .name("triage");
    BroadcastStream<PolicyRecord> policies =
        env.fromSource(policySource, WatermarkStrategy.noWatermarks(), "tollgate.policies")
            .uid("policies-source")
            .setParallelism(1)
            .broadcast(EnforcementFunction.CONTRACTS, EnforcementFunction.POLICY_OFFSETS);

    SingleOutputStreamOperator<Out> feedback =
        calls
            .keyBy(shards(s), Types.LONG)
            .connect(policies)
            .process(decide)
            .uid("enforce")
            .name(name);
    DataStream<Out> deadLetters =
        calls
            .getSideOutput(EnforcementFunction.DLQ)
            .union(feedback.getSideOutput(EnforcementFunction.DLQ));
    return new Streams(
        feedback, feedback.getSideOutput(EnforcementFunction.DELIVERED), deadLetters);
  }

  /**
   * Writes the streams to their topics, each in Kafka transactions committed with the checkpoints.
   */
  public static void sinks(Streams st, Settings s) {
    st.feedback()
        .sinkTo(sink(s, Topics.FEEDBACK, "feedback"))
        .uid("feedback-sink")
        .name("tollgate.feedback");
    st.delivered()
        .sinkTo(sink(s, Topics.DELIVERED, "delivered"))
        .uid("delivered-sink")
        .name("tollgate.delivered");
    st.deadLetters().sinkTo(sink(s, Topics.DLQ, "dlq")).uid("dlq-sink").name("tollgate.dlq");
  }

  private static KafkaSink<Out> sink(Settings s, String topic, String name) {
    return KafkaSink.<Out>builder()
        .setBootstrapServers(s.bootstrapServers)
        .setRecordSerializer(new OutSerializer(topic))
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(s.transactionalIdPrefix + "-" + name)
        .setProperty("transaction.timeout.ms", Long.toString(s.transactionTimeoutMs))
        .setProperty("linger.ms", "5")
        .setProperty("batch.size", "131072")
        .setProperty("compression.type", s.sinkCompression)
        .setProperty("max.request.size", Integer.toString(Topics.MAX_OUTPUT_RECORD_BYTES + 65536))
        .build();
  }
}
