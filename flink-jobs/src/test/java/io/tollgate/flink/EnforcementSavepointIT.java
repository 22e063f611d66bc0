package io.tollgate.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.records.EventReader;
import io.tollgate.flink.SavepointFixture.Call;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.Reader;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.runtime.OperatorIDPair;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.state.KeyGroupsStateHandle;
import org.apache.flink.runtime.state.KeyedBackendSerializationProxy;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.runtime.state.metainfo.StateMetaInfoSnapshot;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Restores the checked-in savepoint of the enforcement job ({@code
 * src/test/resources/savepoints/enforcement-v1}, written by {@link SavepointFixtureGenerator}; its
 * contents: {@link SavepointFixture}) into the job as it is now, so that renaming keyed or
 * broadcast state, changing the state's POJO classes incompatibly, or changing an operator uid
 * breaks this test instead of every deployed job's next restore.
 *
 * <p>The restore is strict: {@link io.tollgate.dev.LocalFlink#submit} never allows non-restored
 * state, so every operator state of the savepoint must map to an operator of the job. A fresh
 * broker gets the same contracts and, on the same partitions, as many calls as the savepoint's
 * source offsets point past; then new calls. The restored job must decide exactly the new calls,
 * with the counters where the savepoint left them.
 */
class EnforcementSavepointIT {
  /**
   * Operators of the job whose state the fixture must hold (the sinks' writers and committers too).
   */
  static final List<String> STATEFUL_UIDS =
      List.of(
          "calls-source",
          "policies-source",
          "enforce",
          "feedback-sink",
          "delivered-sink",
          "dlq-sink");

  static Path savepoint;
  static Properties fixture;

  /**
   * Copies the fixture off the classpath into a directory of its own under target/: Flink gets a
   * plain absolute path.
   */
  @BeforeAll
  static void copyFixture() throws Exception {
    URL metadata =
        EnforcementSavepointIT.class
            .getClassLoader()
            .getResource(SavepointFixture.RESOURCE + "/_metadata");
    assertThat(metadata).as("the savepoint fixture on the test classpath").isNotNull();
    Path resource = Path.of(metadata.toURI()).getParent();
    savepoint =
        Files.createTempDirectory(Path.of("target").toAbsolutePath(), "savepoint-it-")
            .resolve("enforcement-v1");
    Files.createDirectories(savepoint);
    try (Stream<Path> files = Files.list(resource)) {
      for (Path f : files.toList()) {
        Files.copy(f, savepoint.resolve(f.getFileName()));
      }
    }
    fixture = new Properties();
    try (Reader r = Files.newBufferedReader(savepoint.resolve(SavepointFixture.PROPERTIES))) {
      fixture.load(r);
    }
  }

  static CheckpointMetadata metadata() throws Exception {
    try (InputStream in = Files.newInputStream(savepoint.resolve("_metadata"))) {
      return Checkpoints.loadCheckpointMetadata(
          new DataInputStream(in),
          EnforcementSavepointIT.class.getClassLoader(),
          savepoint.toString());
    }
  }

  /**
   * The fixture is what its record and SavepointFixture say: the offsets the restore test lines the
   * broker up with.
   */
  @Test
  void theFixtureMatchesItsDescription() {
    Map<Integer, Long> recorded = new LinkedHashMap<>();
    SavepointFixture.beforePerPartition()
        .keySet()
        .forEach(p -> recorded.put(p, Long.parseLong(fixture.getProperty("calls.partition." + p))));
    assertThat(recorded)
        .as("calls per partition before the savepoint (fixture.properties vs SavepointFixture)")
        .isEqualTo(SavepointFixture.beforePerPartition());
    assertThat(fixture.getProperty("contracts").split(","))
        .containsExactlyElementsOf(SavepointFixture.contracts().keySet());
    assertThat(fixture.getProperty("policies.partition.0"))
        .isEqualTo(Integer.toString(SavepointFixture.contracts().size()));
    assertThat(fixture.getProperty("parallelism"))
        .isEqualTo(Integer.toString(SavepointFixture.PARALLELISM));
  }

  /**
   * What a restore without {@code allowNonRestoredState} demands, checked on the savepoint's
   * metadata against the job graph the code builds now, with the names of what does not map: every
   * operator state of the savepoint belongs to an operator of the job (matched by the id Flink
   * derives from the uid), and the state the job reads back (source splits, broadcast contracts and
   * policy offsets, keyed counters) is there under the names the code uses.
   */
  @Test
  void everyStateOfTheSavepointMapsToAnOperatorOfTheJob() throws Exception {
    CheckpointMetadata md = metadata();
    EnforcementJob.Settings s =
        SavepointFixture.settings("127.0.0.1:9"); // building the graph talks to no broker
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(EnforcementJob.configuration(s));
    EnforcementJob.build(env, s, Map.of(0, (long) SavepointFixture.contracts().size()));
    Set<OperatorID> operators = new HashSet<>();
    for (JobVertex v : env.getStreamGraph().getJobGraph().getVertices()) {
      for (OperatorIDPair ids : v.getOperatorIDs()) {
        operators.add(ids.getGeneratedOperatorID());
        ids.getUserDefinedOperatorID().ifPresent(operators::add);
      }
    }

    Set<String> unmapped = new TreeSet<>();
    Map<String, OperatorState> byUid = new HashMap<>();
    for (OperatorState op : md.getOperatorStates()) {
      String uid = op.getOperatorUid().orElse(op.getOperatorID().toString());
      byUid.put(uid, op);
      boolean hasState = op.getStateSize() > 0 || op.getCoordinatorState() != null;
      if (hasState && !operators.contains(op.getOperatorID())) {
        unmapped.add(uid);
      }
    }
    assertThat(unmapped)
        .as("savepoint state of operators the job no longer has (a uid renamed?)")
        .isEmpty();
    assertThat(byUid.keySet()).containsAll(STATEFUL_UIDS);
    for (String uid : STATEFUL_UIDS) {
      assertThat(byUid.get(uid).getStateSize())
          .as("state of %s in the savepoint", uid)
          .isPositive();
    }

    OperatorState enforce = byUid.get("enforce");
    assertThat(enforce.getParallelism()).isEqualTo(SavepointFixture.PARALLELISM);
    assertThat(enforce.getMaxParallelism()).isEqualTo(SavepointFixture.MAX_PARALLELISM);
    assertThat(enforce.getSubtaskStates()).hasSize(SavepointFixture.PARALLELISM);
    for (OperatorSubtaskState st : enforce.getStates()) {
      Set<String> broadcast = new TreeSet<>();
      for (OperatorStateHandle h : st.getManagedOperatorState()) {
        broadcast.addAll(h.getStateNameToPartitionOffsets().keySet());
      }
      assertThat(broadcast)
          .as("broadcast state of enforce")
          .contains(
              EnforcementFunction.CONTRACTS.getName(),
              EnforcementFunction.POLICY_OFFSETS.getName());
      Set<String> keyed = new TreeSet<>();
      for (KeyedStateHandle h : st.getManagedKeyedState()) {
        assertThat(h).isInstanceOf(KeyGroupsStateHandle.class);
        try (InputStream in = ((KeyGroupsStateHandle) h).openInputStream()) {
          KeyedBackendSerializationProxy<?> proxy =
              new KeyedBackendSerializationProxy<>(getClass().getClassLoader());
          proxy.read(new DataInputViewStreamWrapper(in));
          proxy.getStateMetaInfoSnapshots().stream()
              .map(StateMetaInfoSnapshot::getName)
              .forEach(keyed::add);
        }
      }
      assertThat(keyed).as("keyed state of enforce").contains("counters", "waiting");
    }
  }

  @Test
  void theRestoredJobDecidesOnlyTheNewCallsWithTheSavepointsCounters() throws Exception {
    SavepointFixture.assertKeysOnBothSubtasks();
    Map<String, String> expected = SavepointFixture.expectedAfter();
    List<Call> all = new ArrayList<>(SavepointFixture.before());
    all.addAll(SavepointFixture.after());
    Map<String, String> uninterrupted = SavepointFixture.reference(all);
    uninterrupted.keySet().retainAll(expected.keySet());
    assertThat(uninterrupted)
        .as("the expectation is what an uninterrupted run decides")
        .isEqualTo(expected);
    assertThat(SavepointFixture.reference(SavepointFixture.after()))
        .as("a job started without the savepoint's counters decides otherwise")
        .isNotEqualTo(expected);

    try (KafkaFixture kafka = new KafkaFixture()) {
      try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
        SavepointFixture.publishContracts(p);
        SavepointFixture.write(
            p,
            SavepointFixture.before()); // decided already: the savepoint's offsets point past them
        Map<TopicPartition, Long> end =
            kafka.facts.endOffsets(Topics.CALLS, IsolationLevel.READ_UNCOMMITTED);
        Map<TopicPartition, Long> offsets = new HashMap<>();
        SavepointFixture.beforePerPartition()
            .forEach((part, n) -> offsets.put(new TopicPartition(Topics.CALLS, part), n));
        assertThat(end)
            .as("tollgate.calls lined up with the savepoint's offsets")
            .isEqualTo(offsets);
        SavepointFixture.write(p, SavepointFixture.after());
      }

      EnforcementJob.Settings s = SavepointFixture.settings(kafka.bootstrap());
      try (JobFixture job = new JobFixture(s, savepoint.toString(), UnaryOperator.identity())) {
        job.awaitDrained(kafka.facts, Duration.ofMinutes(2));
      }

      Map<String, String> decided = SavepointFixture.decided(kafka);
      // the old calls are not decided again, the new ones with the counters the savepoint holds:
      // 3 of sp-total's 10 left, sp-rate's bucket empty at 10:00:02 and one token 20 min later
      assertThat(decided).isEqualTo(expected);

      Set<String> delivered = new TreeSet<>();
      for (ConsumerRecord<byte[], byte[]> r : kafka.committed(Topics.DELIVERED)) {
        delivered.add(EventReader.delivered(r.value()).callId());
      }
      Set<String> permitted = new TreeSet<>();
      expected.forEach(
          (id, d) -> {
            if (d.startsWith("PERMIT")) {
              permitted.add(id);
            }
          });
      assertThat(delivered).isEqualTo(permitted);
      assertThat(kafka.committed(Topics.DLQ)).as("dead letters").isEmpty();
    }
  }
}
