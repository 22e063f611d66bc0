package io.tollgate.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.dev.ContractPublisher;
import io.tollgate.dev.StandaloneFlink;
import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.records.CallRecord;
import io.tollgate.enforcement.records.EventReader;
import io.tollgate.enforcement.records.EventWriter;
import io.tollgate.enforcement.records.FeedbackEvent;
import io.tollgate.metering.UsageRecords;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The job jar on a real Flink cluster: a standalone session cluster of separate processes (a
 * JobManager, two TaskManagers of two slots; {@link StandaloneFlink}) on the Flink jars of {@code
 * target/flink/lib}, the shaded {@code target/tollgate-flink-jobs.jar} uploaded and run through
 * Flink's REST API with command-line arguments, as {@code tollgate cluster submit} does.
 *
 * <ul>
 *   <li>a TaskManager running the enforcement job is killed with SIGKILL mid-stream: every call
 *       still has exactly one committed feedback event, with the decision an uninterrupted run
 *       makes, and every permit exactly one committed delivered record;
 *   <li>the enforcement job is stopped with a savepoint at parallelism 1 and started from it at
 *       parallelism 2: every rate, quota and total counter continues where it stopped (each
 *       decision equals a sequential reference run over both batches; the quotas and totals run out
 *       only after the restore, at exactly their limit);
 *   <li>the metering job likewise: the usage totals after the restore at parallelism 2 count each
 *       permit once, including replays of events the first run had counted.
 * </ul>
 */
class ClusterIT {
  static final String ENFORCEMENT = "io.tollgate.flink.EnforcementJob";
  static final String METERING = "io.tollgate.flink.metering.MeteringJobCommand";

  static StandaloneFlink flink;
  static String jarId;
  static Path root;

  KafkaFixture kafka;
  String job;

  @BeforeAll
  static void startCluster() throws Exception {
    Path lib = Path.of("target", "flink", "lib");
    Path jar = Path.of("target", "tollgate-flink-jobs.jar");
    assertThat(lib).as("Flink's lib (the package phase)").isDirectory();
    assertThat(jar).as("the shaded job jar (the package phase)").isRegularFile();
    root = Path.of("target", "cluster-it", UUID.randomUUID().toString().substring(0, 8));
    Files.createDirectories(root);
    StandaloneFlink.Options o = new StandaloneFlink.Options();
    flink = StandaloneFlink.start(lib, root.resolve("flink"), o);
    jarId = flink.upload(jar);
  }

  @AfterAll
  static void stopCluster() {
    if (flink != null) {
      flink.close();
    }
  }

  @AfterEach
  void endJob() throws Exception {
    try {
      if (job != null && !isTerminal(flink.state(job))) {
        flink.cancel(job);
      }
    } finally {
      if (kafka != null) {
        kafka.close();
      }
    }
  }

  static boolean isTerminal(String state) {
    return List.of("FINISHED", "CANCELED", "FAILED").contains(state);
  }

  // ---------------------------------------------------------------------------------------------
  // SIGKILL

  @Test
  void aTaskManagerKilledMidStreamLosesAndDuplicatesNothing() throws Exception {
    int calls = 300_000;
    int consumers = 20;
    Map<String, String> contracts = new LinkedHashMap<>();
    for (int i = 0; i < consumers; i++) {
      contracts.put("k-" + i, contract("k-" + i, "c" + i, "{rate: \"40/s\"}"));
    }
    Workload w = new Workload(contracts, calls, consumers, 11);
    kafka = new KafkaFixture();
    w.publish(kafka, 0, calls);

    String group = "kill-" + UUID.randomUUID().toString().substring(0, 8);
    job = submitEnforcement(group, 2, null);
    flink.awaitRunning(job, Duration.ofMinutes(2));
    // mid-stream: a fifth of the calls committed, most of them still to come
    awaitCommitted(group, calls / 5, calls);
    List<String> running = flink.taskManagersOf(job);
    assertThat(running).as("TaskManagers running the job").isNotEmpty();
    flink.kill(running.get(0));
    // the job restarts on the slots left (the survivor has two); a replacement joins the cluster
    flink.startTaskManager();

    kafka.facts.awaitDrained(
        group,
        Topics.CALLS,
        List.of(Topics.FEEDBACK, Topics.DELIVERED, Topics.DLQ),
        Duration.ofMinutes(6),
        () -> flink.check(job));

    Facts f = Facts.read(kafka, calls);
    f.assertExactlyOnce(w.expected);
    assertThat(f.throttles).as("the rate limits were exercised").isGreaterThan(1000);
    long uncommitted =
        kafka.facts.readAll(Topics.FEEDBACK, IsolationLevel.READ_UNCOMMITTED, r -> {});
    // the killed TaskManager's open transactions were aborted and their calls decided again
    assertThat(uncommitted).as("feedback events incl. aborted transactions").isGreaterThan(calls);
    assertThat(flink.taskManagersOf(job)).doesNotContain(running.get(0));
  }

  // ---------------------------------------------------------------------------------------------
  // enforcement: stop with savepoint at parallelism 1, restore at 2

  @Test
  void enforcementCountersContinueExactlyAcrossARescaleFrom1To2() throws Exception {
    int consumers = 12;
    // 150 s of event time at ~83 calls/s per consumer: ~6,000 permits each at 40/s without the
    // quotas and totals; before the savepoint (24 s) ~960 each, below every limit
    int batchA = 24_000;
    int calls = 150_000;
    Map<String, String> contracts = new LinkedHashMap<>();
    Map<String, Long> limitOf = new HashMap<>(); // consumer -> its quota or total
    for (int i = 0; i < consumers; i++) {
      String limits;
      long limit = 2_500 + 150L * i;
      if (i % 3 == 0) {
        limits = "{rate: \"40/s\", quota: \"" + limit + "/day\"}";
      } else if (i % 3 == 1) {
        limits = "{rate: \"40/s\", total: " + limit + "}";
      } else {
        limits = "{rate: \"40/s\", quota: \"" + limit + "/month\", total: " + (limit + 400) + "}";
      }
      limitOf.put("c" + i, limit);
      contracts.put("r-" + i, contract("r-" + i, "c" + i, limits));
    }
    Workload w = new Workload(contracts, calls, consumers, 13);
    kafka = new KafkaFixture();
    w.publish(kafka, 0, batchA);

    String group = "rescale-" + UUID.randomUUID().toString().substring(0, 8);
    job = submitEnforcement(group, 1, null);
    flink.awaitRunning(job, Duration.ofMinutes(2));
    awaitDrained(group);
    String savepoint =
        flink.stopWithSavepoint(job, root.resolve("savepoints"), Duration.ofMinutes(2));
    Map<String, Long> permitsAtSavepoint = Facts.read(kafka, batchA).permitsByConsumer(w);
    for (Map.Entry<String, Long> e : permitsAtSavepoint.entrySet()) {
      assertThat(e.getValue())
          .as("permits of %s before the savepoint: below its limit", e.getKey())
          .isLessThan(limitOf.get(e.getKey()));
    }

    w.publish(kafka, batchA, calls);
    job = submitEnforcement(group, 2, savepoint);
    flink.awaitRunning(job, Duration.ofMinutes(2));
    assertThat(parallelismOf(job, "enforce")).isEqualTo(2);
    awaitDrained(group);

    Facts f = Facts.read(kafka, calls);
    f.assertExactlyOnce(w.expected);
    Map<String, Long> permits = f.permitsByConsumer(w);
    for (int i = 0; i < consumers; i++) {
      // every consumer made more calls than its limit: its permits stop exactly at it (a counter
      // restored empty would permit more, one restored twice fewer)
      assertThat(permits.get("c" + i)).as("permits of c%d", i).isEqualTo(limitOf.get("c" + i));
    }
    assertThat(f.throttles).as("the rate limits were exercised").isGreaterThan(1000);
  }

  // ---------------------------------------------------------------------------------------------
  // metering: stop with savepoint at parallelism 1, restore at 2

  @Test
  void meteringUsageTotalsContinueExactlyAcrossARescaleFrom1To2() throws Exception {
    kafka = new KafkaFixture();
    String[] consumers = {"bank-a", "bank-b", "bank-c", "bank-d", "bank-e"};
    Map<String, String> versions = new HashMap<>();
    try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
      for (String c : consumers) {
        String text = MeteringIT.contract(c, "{amount: \"0.0028\", currency: CNY, per: call}");
        versions.put(c, MeteringIT.version(text));
        p.send(
            new ProducerRecord<>(
                Topics.POLICIES,
                ("ct-" + c).getBytes(StandardCharsets.UTF_8),
                text.getBytes(StandardCharsets.UTF_8)));
      }
      p.flush();
    }
    Random r = new Random(17);
    EventWriter writer = new EventWriter(new byte[] {1});
    List<byte[]> events = new ArrayList<>();
    Map<String, Long> permits = new HashMap<>(); // consumer -> distinct permits
    int n = 6_000;
    long now = System.currentTimeMillis();
    for (int i = 0; i < n; i++) {
      CallRecord c = new CallRecord();
      c.id = "m-" + i;
      c.consumer = consumers[r.nextInt(consumers.length)];
      c.dataset = "credit-report";
      c.action = "read";
      c.purpose = "credit-assessment";
      c.records = 1;
      c.ts = now - 60_000 + i; // this month (or, just after midnight of the 1st, the last)
      c.ingestTs = c.ts;
      c.partition = i % 2;
      c.offset = i;
      boolean permit = r.nextInt(5) != 0;
      events.add(
          writer.feedback(
              c,
              permit ? "PERMIT" : "DENY",
              permit ? 0 : io.tollgate.policy.Reason.PURPOSE.bit(),
              "ct-" + c.consumer,
              versions.get(c.consumer),
              "sh-credit-bureau",
              c.ts + 1));
      if (permit) {
        permits.merge(c.consumer, 1L, Long::sum);
      }
    }
    Map<String, Long> permitsA = new HashMap<>();
    int half = n / 2;
    for (int i = 0; i < half; i++) {
      FeedbackEvent e = EventReader.feedback(events.get(i));
      if (e.decision() == Outcome.PERMIT) {
        permitsA.merge(e.consumer(), 1L, Long::sum);
      }
    }
    sendFeedback(events.subList(0, half));

    String group = "meter-" + UUID.randomUUID().toString().substring(0, 8);
    job = submitMetering(group, 1, null);
    flink.awaitRunning(job, Duration.ofMinutes(2));
    awaitUsage(permitsA);
    kafka.facts.awaitDrained(
        group,
        Topics.FEEDBACK,
        List.of(Topics.USAGE),
        Duration.ofMinutes(2),
        () -> flink.check(job));
    String savepoint =
        flink.stopWithSavepoint(job, root.resolve("savepoints"), Duration.ofMinutes(2));

    // the second half, and replays of a tenth of the first half (counted before the savepoint:
    // the restored ledgers must know their ids)
    List<byte[]> second = new ArrayList<>(events.subList(half, n));
    for (int i = 0; i < half; i += 10) {
      second.add(r.nextInt(second.size()), events.get(i));
    }
    sendFeedback(second);
    job = submitMetering(group, 2, savepoint);
    flink.awaitRunning(job, Duration.ofMinutes(2));
    assertThat(parallelismOf(job, "meter")).isEqualTo(2);
    awaitUsage(permits);
    kafka.facts.awaitDrained(
        group,
        Topics.FEEDBACK,
        List.of(Topics.USAGE),
        Duration.ofMinutes(2),
        () -> flink.check(job));
    assertThat(latestUsage()).as("usage totals once every event is read").isEqualTo(permits);
  }

  // ---------------------------------------------------------------------------------------------

  String submitEnforcement(String group, int parallelism, String savepoint) throws Exception {
    return flink.run(
        jarId,
        ENFORCEMENT,
        List.of(
            "--bootstrap-servers=" + kafka.bootstrap(),
            "--group-id=" + group,
            "--transactional-id-prefix=" + group,
            "--parallelism=" + parallelism,
            "--checkpoint-interval-ms=500",
            "--state-backend=rocksdb",
            "--checkpoint-dir=" + root.resolve("checkpoints").toAbsolutePath().toUri()),
        savepoint);
  }

  String submitMetering(String group, int parallelism, String savepoint) throws Exception {
    return flink.run(
        jarId,
        METERING,
        List.of(
            "--bootstrap-servers=" + kafka.bootstrap(),
            "--group-id=" + group,
            "--transactional-id-prefix=" + group,
            "--parallelism=" + parallelism,
            "--checkpoint-interval-ms=500",
            "--idle-flush-ms=300",
            "--checkpoint-dir=" + root.resolve("checkpoints").toAbsolutePath().toUri()),
        savepoint);
  }

  /** The parallelism the running job gives the vertex whose name contains {@code name}. */
  int parallelismOf(String job, String name) throws Exception {
    for (JsonNode v : flink.details(job).path("vertices")) {
      if (v.path("name").asText().contains(name)) {
        return v.path("parallelism").asInt();
      }
    }
    throw new AssertionError("no vertex " + name + " in " + flink.details(job));
  }

  void awaitDrained(String group) throws Exception {
    kafka.facts.awaitDrained(
        group,
        Topics.CALLS,
        List.of(Topics.FEEDBACK, Topics.DELIVERED, Topics.DLQ),
        Duration.ofMinutes(5),
        () -> flink.check(job));
  }

  void awaitCommitted(String group, long atLeast, long of) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    long done;
    while ((done = kafka.facts.committedTotal(group, Topics.CALLS)) < atLeast) {
      flink.check(job);
      assertThat(System.nanoTime()).as("%d of %d calls committed", done, of).isLessThan(deadline);
      Thread.sleep(50); // polls the group's committed offsets: there is no event to wait on
    }
    assertThat(done).as("the kill must come mid-stream").isLessThan(of);
  }

  void sendFeedback(List<byte[]> events) {
    try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
      for (byte[] e : events) {
        p.send(new ProducerRecord<>(Topics.FEEDBACK, e));
      }
      p.flush();
    }
  }

  /** Consumer -> billable calls of the latest committed usage record of its key and month. */
  Map<String, Long> latestUsage() {
    Map<String, JsonNode> latest = new HashMap<>();
    kafka.facts.readAll(
        Topics.USAGE,
        IsolationLevel.READ_COMMITTED,
        rec ->
            latest.put(
                new String(rec.key(), StandardCharsets.UTF_8), UsageRecords.data(rec.value())));
    Map<String, Long> out = new HashMap<>();
    latest
        .values()
        .forEach(
            d -> {
              long calls = 0;
              for (JsonNode b : d.get("billable")) {
                calls += b.get("calls").asLong();
              }
              for (JsonNode c : d.get("corrections")) {
                calls += c.get("calls").asLong();
              }
              out.merge(d.get("consumer").asText(), calls, Long::sum);
            });
    return out;
  }

  /** Waits until the latest usage totals are {@code expected}; fails at once on an overshoot. */
  void awaitUsage(Map<String, Long> expected) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    Map<String, Long> now;
    while (!(now = latestUsage()).equals(expected)) {
      for (Map.Entry<String, Long> e : now.entrySet()) {
        assertThat(e.getValue())
            .as("usage of %s (expected %s)", e.getKey(), expected)
            .isLessThanOrEqualTo(expected.getOrDefault(e.getKey(), 0L));
      }
      flink.check(job);
      assertThat(System.nanoTime()).as("usage %s, expected %s", now, expected).isLessThan(deadline);
      Thread.sleep(200); // polls committed records: there is no event to wait on
    }
  }

  static String contract(String id, String consumer, String limits) {
    return String.join(
        "\n",
        "contract: " + id,
        "provider: sh-cv-platform",
        "consumer: " + consumer,
        "dataset: telemetry",
        "actions: [read, stream]",
        "purposes: [navigation]",
        "fields: {allow: [vehicle_id, speed], mask: {vehicle_id: hash}}",
        "limits: " + limits,
        "");
  }

  /** Calls, keyed by consumer, and the decisions a sequential run over all of them makes. */
  static final class Workload {
    final Map<String, String> contracts;
    final List<String> lines;
    final String[] keys;
    final byte[] expected;

    Workload(Map<String, String> contracts, int calls, int consumers, long seed) throws Exception {
      this.contracts = contracts;
      PolicyCompiler compiler = new PolicyCompiler();
      List<CompiledPolicy> compiled = new ArrayList<>();
      for (String text : contracts.values()) {
        compiled.add(
            compiler.compile(new YamlContractSource().read("it", null, text).policies().get(0)));
      }
      PolicyEngine engine = PolicyEngine.of(compiled);
      InMemoryCounterStore counters = new InMemoryCounterStore();
      DataCallCodec codec = new DataCallCodec();
      DataCall dc = new DataCall();
      Decision d = new Decision();
      Random rnd = new Random(seed);
      // calls span calls / 1000 s in the recent past: within the job's late and future bounds
      long t0 = System.currentTimeMillis() - 600_000L;
      // and within one UTC day, so that a daily or monthly quota never starts again mid-run
      long day = 86_400_000L;
      long nextDay = (t0 + calls) / day * day;
      if (nextDay > t0) {
        t0 = nextDay - calls - 1000;
      }
      lines = new ArrayList<>(calls);
      keys = new String[calls];
      expected = new byte[calls];
      for (int i = 0; i < calls; i++) {
        String line =
            "{\"v\":1,\"id\":\""
                + i
                + "\",\"ts\":"
                + (t0 + i)
                + ",\"consumer\":\"c"
                + rnd.nextInt(consumers)
                + "\",\"dataset\":\"telemetry\",\"action\":\"stream\",\"purpose\":\""
                + (rnd.nextInt(10) == 0 ? "advertising" : "navigation")
                + "\",\"payload\":{\"vehicle_id\":\"V"
                + rnd.nextInt(1000)
                + "\",\"speed\":"
                + rnd.nextInt(130)
                + ",\"vin\":\"x\"}}";
        lines.add(line);
        codec.parse(line, dc);
        engine.decide(dc, counters, d);
        keys[i] = dc.consumer();
        expected[i] = (byte) d.outcome().ordinal();
      }
    }

    /** Publishes the contracts (on the first batch) and calls {@code from} to {@code to}. */
    void publish(KafkaFixture kafka, int from, int to) throws Exception {
      try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
        if (from == 0) {
          ContractPublisher.publish(p, contracts);
        }
        for (int i = from; i < to; i++) {
          p.send(
              new ProducerRecord<>(
                  Topics.CALLS,
                  keys[i].getBytes(StandardCharsets.UTF_8),
                  lines.get(i).getBytes(StandardCharsets.UTF_8)));
        }
        p.flush();
      }
    }
  }

  /** What the committed output says of calls 0 to n. */
  static final class Facts {
    final int[] feedback;
    final byte[] decided;
    final int[] delivered;
    long feedbackTotal;
    long deliveredTotal;
    int permits;
    int throttles;

    private Facts(int n) {
      feedback = new int[n];
      decided = new byte[n];
      delivered = new int[n];
    }

    static Facts read(KafkaFixture kafka, int n) {
      Facts f = new Facts(n);
      f.feedbackTotal =
          kafka.facts.readAll(
              Topics.FEEDBACK,
              IsolationLevel.READ_COMMITTED,
              r -> {
                FeedbackEvent e = EventReader.feedback(r.value());
                int id = Integer.parseInt(e.callId());
                f.feedback[id]++;
                f.decided[id] = (byte) e.decision().ordinal();
              });
      f.deliveredTotal =
          kafka.facts.readAll(
              Topics.DELIVERED,
              IsolationLevel.READ_COMMITTED,
              r -> f.delivered[Integer.parseInt(EventReader.delivered(r.value()).callId())]++);
      for (int i = 0; i < n; i++) {
        f.permits += f.decided[i] == (byte) Outcome.PERMIT.ordinal() ? 1 : 0;
        f.throttles += f.decided[i] == (byte) Outcome.THROTTLE.ordinal() ? 1 : 0;
      }
      return f;
    }

    void assertExactlyOnce(byte[] expected) {
      int n = feedback.length;
      assertThat(feedbackTotal).as("committed feedback events").isEqualTo(n);
      for (int i = 0; i < n; i++) {
        assertThat(feedback[i]).as("feedback events of call %d", i).isEqualTo(1);
        assertThat(decided[i]).as("decision of call %d", i).isEqualTo(expected[i]);
        boolean permit = expected[i] == (byte) Outcome.PERMIT.ordinal();
        assertThat(delivered[i]).as("delivered records of call %d", i).isEqualTo(permit ? 1 : 0);
      }
      assertThat(deliveredTotal).as("committed delivered records").isEqualTo(permits);
    }

    Map<String, Long> permitsByConsumer(Workload w) {
      Map<String, Long> out = new HashMap<>();
      for (int i = 0; i < decided.length; i++) {
        if (decided[i] == (byte) Outcome.PERMIT.ordinal()) {
          out.merge(w.keys[i], 1L, Long::sum);
        }
      }
      return out;
    }
  }
}
