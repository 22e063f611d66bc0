package io.tollgate.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.dev.ContractPublisher;
import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.records.CallRecord;
import io.tollgate.enforcement.records.CallRecordCodec;
import io.tollgate.policy.CompiledPolicy;
import io.tollgate.policy.DataCall;
import io.tollgate.policy.Decision;
import io.tollgate.policy.InMemoryCounterStore;
import io.tollgate.policy.Outcome;
import io.tollgate.policy.PolicyCompiler;
import io.tollgate.policy.PolicyEngine;
import io.tollgate.policy.json.DataCallCodec;
import io.tollgate.policy.source.YamlContractSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What the checked-in savepoint {@code src/test/resources/savepoints/enforcement-v1} holds, shared
 * by its generator ({@link SavepointFixtureGenerator}) and the test that restores it ({@link
 * EnforcementSavepointIT}): two contracts, the calls decided before the savepoint (on explicit
 * partitions of {@code tollgate.calls}, so that the offsets the savepoint's source state holds are
 * known) and the calls the restored job decides.
 *
 * <ul>
 *   <li>{@code sp-total} ({@code limits: {total: 10}}): 7 calls of consumer {@code savepoint-total}
 *       on partition 0 before the savepoint, all permitted; of the 5 after it, 3 are permitted and
 *       2 denied ({@code total}).
 *   <li>{@code sp-rate} ({@code limits: {rate: "3/h"}}, one token per 20 min): 3 calls of consumer
 *       {@code savepoint-rate} on partition 1 before, 1 s apart, which empty the bucket; after it,
 *       a call 8 s later is throttled, one 20 min after the last permit is permitted (one token
 *       refilled), and one a second after that is throttled again.
 * </ul>
 *
 * The two (consumer, dataset) keys fall to different subtasks at parallelism 2, so the keyed state
 * of both subtasks is in the savepoint. Calls carry fixed event times (March 2026) so that the rate
 * decisions do not depend on when the fixture was made or restored; the job accepts such late calls
 * because {@link #settings} lifts the late bound.
 *
 * <p>Changing anything here changes what the savepoint must hold: regenerate it (see {@link
 * SavepointFixtureGenerator}).
 */
final class SavepointFixture {
  /** The fixture in the source tree, relative to the module (where Maven runs the tests). */
  static final Path SOURCE_DIR =
      Path.of("src", "test", "resources", "savepoints", "enforcement-v1");

  /** The same on the test classpath. */
  static final String RESOURCE = "savepoints/enforcement-v1";

  static final String PROPERTIES = "fixture.properties";
  static final String FLINK_VERSION = "2.2.1";
  static final int PARALLELISM = 2;
  static final int MAX_PARALLELISM = 128;

  static final String DATASET = "savepoint-data";
  static final String TOTAL_CONSUMER = "savepoint-total";
  static final String RATE_CONSUMER = "savepoint-rate";
  static final int TOTAL_PARTITION = 0;
  static final int RATE_PARTITION = 1;
  static final long T0 = Instant.parse("2026-03-02T10:00:00Z").toEpochMilli();
  static final long MINUTE = 60_000;

  /** A call of the fixture: its id, event time, consumer and the partition it is written to. */
  record Call(String id, long ts, String consumer, int partition) {
    String json() {
      return "{\"v\":1,\"id\":\""
          + id
          + "\",\"ts\":"
          + ts
          + ",\"consumer\":\""
          + consumer
          + "\",\"dataset\":\""
          + DATASET
          + "\",\"action\":\"read\",\"purpose\":\"navigation\",\"payload\":{\"speed\":42}}";
    }
  }

  private SavepointFixture() {}

  /**
   * The contracts, in publishing order: each is one record of tollgate.policies (offsets 0 and 1).
   */
  /**
   * Every committed feedback event by call id, as "DECISION[reasons]"; fails on a second event for
   * one call.
   */
  static Map<String, String> decided(KafkaFixture kafka) {
    Map<String, String> decided = new java.util.LinkedHashMap<>();
    for (org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> r :
        kafka.committed(io.tollgate.enforcement.Topics.FEEDBACK)) {
      io.tollgate.enforcement.records.FeedbackEvent e =
          io.tollgate.enforcement.records.EventReader.feedback(r.value());
      assertThat(decided.put(e.callId(), decision(e.decision(), e.reasons())))
          .as("one feedback event per call")
          .isNull();
    }
    return decided;
  }

  static Map<String, String> contracts() {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("sp-total", contract("sp-total", TOTAL_CONSUMER, "{total: 10}"));
    c.put("sp-rate", contract("sp-rate", RATE_CONSUMER, "{rate: \"3/h\"}"));
    return c;
  }

  private static String contract(String id, String consumer, String limits) {
    return String.join(
        "\n",
        "contract: " + id,
        "provider: savepoint-provider",
        "consumer: " + consumer,
        "dataset: " + DATASET,
        "actions: [read]",
        "purposes: [navigation]",
        "limits: " + limits,
        "");
  }

  /** The calls decided before the savepoint: what its source offsets and counters reflect. */
  static List<Call> before() {
    List<Call> calls = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      calls.add(new Call("sp-total-" + i, T0 + i * 1000L, TOTAL_CONSUMER, TOTAL_PARTITION));
    }
    for (int i = 0; i < 3; i++) {
      calls.add(new Call("sp-rate-" + i, T0 + i * 1000L, RATE_CONSUMER, RATE_PARTITION));
    }
    return calls;
  }

  /** The calls after the savepoint, which the restored job decides. */
  static List<Call> after() {
    List<Call> calls = new ArrayList<>();
    for (int i = 7; i < 12; i++) {
      calls.add(
          new Call("sp-total-" + i, T0 + 10_000L + i * 1000L, TOTAL_CONSUMER, TOTAL_PARTITION));
    }
    calls.add(new Call("sp-rate-3", T0 + 10_000L, RATE_CONSUMER, RATE_PARTITION));
    calls.add(new Call("sp-rate-4", T0 + 2000L + 20 * MINUTE, RATE_CONSUMER, RATE_PARTITION));
    calls.add(new Call("sp-rate-5", T0 + 3000L + 20 * MINUTE, RATE_CONSUMER, RATE_PARTITION));
    return calls;
  }

  /** The decisions of {@link #after()} when the counters go on from the savepoint, by call id. */
  static Map<String, String> expectedAfter() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("sp-total-7", "PERMIT[]");
    d.put("sp-total-8", "PERMIT[]");
    d.put("sp-total-9", "PERMIT[]");
    d.put("sp-total-10", "DENY[total]");
    d.put("sp-total-11", "DENY[total]");
    d.put("sp-rate-3", "THROTTLE[rate]");
    d.put("sp-rate-4", "PERMIT[]");
    d.put("sp-rate-5", "THROTTLE[rate]");
    return d;
  }

  /** How many calls of {@link #before()} each partition holds: the offsets in the savepoint. */
  static Map<Integer, Long> beforePerPartition() {
    Map<Integer, Long> n = new LinkedHashMap<>();
    n.put(TOTAL_PARTITION, 0L);
    n.put(RATE_PARTITION, 0L);
    for (Call c : before()) {
      n.merge(c.partition(), 1L, Long::sum);
    }
    return n;
  }

  /**
   * The decisions the reference engine makes over {@code calls} in order on fresh counters, as
   * {@code decision[reasons]} by call id: the job must agree with it.
   */
  static Map<String, String> reference(List<Call> calls) throws Exception {
    PolicyCompiler compiler = new PolicyCompiler();
    List<CompiledPolicy> compiled = new ArrayList<>();
    for (Map.Entry<String, String> e : contracts().entrySet()) {
      compiled.add(
          compiler.compile(
              new YamlContractSource().read(e.getKey(), null, e.getValue()).policies().get(0)));
    }
    PolicyEngine engine = PolicyEngine.of(compiled);
    InMemoryCounterStore counters = new InMemoryCounterStore();
    DataCallCodec codec = new DataCallCodec();
    DataCall dc = new DataCall();
    Decision d = new Decision();
    Map<String, String> out = new LinkedHashMap<>();
    for (Call c : calls) {
      engine.decide(codec.parse(c.json(), dc), counters, d);
      out.put(c.id(), decision(d.outcome(), d.reasons()));
    }
    return out;
  }

  /** A decision as the fixture writes it: {@code THROTTLE[rate]}, {@code PERMIT[]}. */
  static String decision(Outcome outcome, List<String> reasons) {
    return outcome + "[" + String.join(",", reasons) + "]";
  }

  /**
   * The job's settings for the fixture: parallelism 2, and no bound on late calls (their times are
   * fixed).
   */
  static EnforcementJob.Settings settings(String bootstrap) {
    EnforcementJob.Settings s = JobFixture.settings(bootstrap);
    s.parallelism = PARALLELISM;
    s.maxLateMs = Long.MAX_VALUE;
    return s;
  }

  /** The two keys land on different subtasks, so the savepoint holds keyed counters of both. */
  static void assertKeysOnBothSubtasks() {
    assertThat(subtask(TOTAL_CONSUMER)).isNotEqualTo(subtask(RATE_CONSUMER));
  }

  private static int subtask(String consumer) {
    String json = new Call("x", T0, consumer, 0).json();
    CallRecord r =
        new CallRecordCodec(Long.MAX_VALUE)
            .parse(null, json.getBytes(StandardCharsets.UTF_8), T0, new CallRecord());
    return KeyGroupRangeAssignment.assignKeyToParallelOperator(
        r.key(), MAX_PARALLELISM, PARALLELISM);
  }

  /** Publishes the contracts. */
  static void publishContracts(KafkaProducer<byte[], byte[]> p) throws Exception {
    ContractPublisher.publish(p, contracts());
  }

  /**
   * Writes {@code calls} to their partitions of tollgate.calls, in order, and waits until the
   * broker has them.
   */
  static void write(KafkaProducer<byte[], byte[]> p, List<Call> calls) throws Exception {
    List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
    for (Call c : calls) {
      byte[] key = (c.consumer() + "|" + DATASET).getBytes(StandardCharsets.UTF_8);
      sent.add(
          p.send(
              new ProducerRecord<>(
                  Topics.CALLS, c.partition(), key, c.json().getBytes(StandardCharsets.UTF_8))));
    }
    p.flush();
    for (var f : sent) {
      f.get();
    }
  }
}
