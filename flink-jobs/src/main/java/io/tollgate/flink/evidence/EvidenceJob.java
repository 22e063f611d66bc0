package io.tollgate.flink.evidence;

import io.tollgate.enforcement.Topics;
import io.tollgate.flink.Out;
import io.tollgate.flink.kafka.OutSerializer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The evidence job (docs/evidence.md): every contract publication and revocation on {@code
 * tollgate.policies}, every feedback event on {@code tollgate.feedback} and every closed usage
 * period on {@code tollgate.usage} becomes an entry of one Merkle log, in the order read, exactly
 * once; signed checkpoints go to {@code tollgate.evidence} in Kafka transactions. The log is
 * sequential by nature: one reader and one sealer, at parallelism 1. The log's logic is {@code
 * evidence}'s {@link io.tollgate.evidence.Sealer}.
 */
public final class EvidenceJob {
  private EvidenceJob() {}

  /** What the job needs to know. */
  public static final class Settings implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    public String bootstrapServers = "127.0.0.1:19092";
    public String groupId = "tollgate-evidence";
    public String transactionalIdPrefix = "tollgate-evidence";
    public long checkpointIntervalMs = 1000;

    /** The log's name: the first line of its checkpoints. */
    public String origin = "tollgate.local/evidence";

    /** Where the tiles, contract texts and published checkpoints go: a durable volume. */
    public String logDir;

    /** The operator's keys (generated at first start): signing keys and the salt key. */
    public String keysDir;

    /** A checkpoint every this many entries, or every {@link #sealMs}, whichever first. */
    public int sealEvery = 10_000;

    public long sealMs = 1000;

    /** Where contracts' {@code opa.wasm} paths resolve, as for the enforcement job. */
    public String opaDir;

    /** Where Flink's checkpoints go (a URI); null keeps them in the JobManager's memory. */
    public String checkpointDir;

    /** Read to the end offsets at start and stop there (tests, backfills). */
    public boolean bounded;

    /** Tests: {@code id:size} fails the task once after the tiles of a size are written. */
    public String drill;
  }

  /** Failure drills for tests: each fires once per JVM. */
  static final class Drill {
    private static final Set<String> FIRED = ConcurrentHashMap.newKeySet();

    static void afterTiles(String drill, long sealedSize) {
      if (drill == null) {
        return;
      }
      int colon = drill.lastIndexOf(':');
      long at = Long.parseLong(drill.substring(colon + 1));
      if (sealedSize >= at && FIRED.add(drill)) {
        throw new IllegalStateException(
            "drill "
                + drill
                + ": the task fails after writing the tiles of "
                + sealedSize
                + " entries, before their checkpoint goes out");
      }
    }
  }

  /** The cluster configuration the job wants. */
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
    if (s.logDir == null || s.keysDir == null) {
      throw new IllegalArgumentException("the evidence job needs a log directory and a keys one");
    }
    env.enableCheckpointing(s.checkpointIntervalMs, CheckpointingMode.EXACTLY_ONCE);
    KafkaSourceBuilder<Sourced> b =
        KafkaSource.<Sourced>builder()
            .setBootstrapServers(s.bootstrapServers)
            .setTopics(List.of(Topics.POLICIES, Topics.FEEDBACK, Topics.USAGE))
            .setGroupId(s.groupId)
            // the log is the job's state: a start without it seals everything the topics retain
            .setStartingOffsets(OffsetsInitializer.earliest())
            .setProperty("isolation.level", "read_committed")
            .setProperty("allow.auto.create.topics", "false")
            .setDeserializer(new SourcedDeserializer());
    if (s.bounded) {
      b.setBounded(OffsetsInitializer.latest());
    }
    DataStream<Sourced> in =
        env.fromSource(b.build(), WatermarkStrategy.noWatermarks(), "evidence-sources")
            .uid("evidence-source")
            .setParallelism(1);
    in.transform("seal", TypeInformation.of(Out.class), new SealOperator(s))
        .uid("seal")
        .setParallelism(1)
        .setMaxParallelism(1)
        .sinkTo(
            KafkaSink.<Out>builder()
                .setBootstrapServers(s.bootstrapServers)
                .setRecordSerializer(new OutSerializer(Topics.EVIDENCE))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(s.transactionalIdPrefix)
                .setProperty("transaction.timeout.ms", "600000")
                .build())
        .setParallelism(1)
        .uid("evidence-sink")
        .name(Topics.EVIDENCE);
  }
}
