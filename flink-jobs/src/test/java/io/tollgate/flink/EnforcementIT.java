package io.tollgate.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.dev.ContractPublisher;
import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.cli.PolicyCommand;
import io.tollgate.enforcement.records.DeadLetterEvent;
import io.tollgate.enforcement.records.DeliveredEvent;
import io.tollgate.enforcement.records.EventReader;
import io.tollgate.enforcement.records.FeedbackEvent;
import io.tollgate.policy.Outcome;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The enforcement job end to end on a real broker and a MiniCluster: the same calls decided by the
 * stream and by {@code tollgate policy eval}, a revocation mid-stream, and dead letters.
 */
class EnforcementIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();
  static final String RV_CONTRACT =
      String.join(
          "\n",
          "contract: rv-contract",
          "provider: p",
          "consumer: rv-consumer",
          "dataset: rv-data",
          "actions: [read]",
          "purposes: [navigation]",
          "");

  static final String EDC_AGREEMENT = "urn:uuid:6f1c2b0e-3a52-4d7e-9c1a-2f5b8e4d7a10";

  static KafkaFixture kafka;
  static JobFixture job;
  static Path callsFile;
  static Map<String, JsonNode> evalDecisions;

  @BeforeAll
  static void start() throws Exception {
    callsFile = Files.createTempDirectory(Path.of("target"), "calls-").resolve("calls.jsonl");
    Files.write(callsFile, calls());
    // the YAML examples and an ODRL Agreement as an EDC connector writes it, side by side
    Path contractsDir = callsFile.resolveSibling("contracts");
    Files.createDirectories(contractsDir);
    try (var files = Files.list(EXAMPLES.resolve("contracts"))) {
      for (Path f : files.toList()) {
        Files.copy(f, contractsDir.resolve(f.getFileName()));
      }
    }
    Files.copy(
        EXAMPLES.resolve("odrl/edc-agreement.jsonld"),
        contractsDir.resolve("edc-agreement.jsonld"));
    evalDecisions = policyEval(contractsDir, callsFile);

    kafka = new KafkaFixture();
    Map<String, String> contracts =
        new LinkedHashMap<>(ContractPublisher.load(List.of(contractsDir)));
    assertThat(contracts).containsKey(EDC_AGREEMENT);
    contracts.put("rv-contract", RV_CONTRACT);
    try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
      ContractPublisher.publish(p, contracts);
    }
    EnforcementJob.Settings settings = JobFixture.settings(kafka.bootstrap());
    settings.maxLateMs =
        400L
            * 86_400_000L; // the example calls are stamped in 2026; the late bound has its own test
    job = new JobFixture(settings);
  }

  @AfterAll
  static void stop() throws Exception {
    if (job != null) {
      job.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  /** The example call files plus seeded random calls that reach every outcome and limit. */
  static List<String> calls() throws Exception {
    List<String> lines = new ArrayList<>();
    for (Path f :
        List.of(
            EXAMPLES.resolve("calls/vehicle-telemetry.jsonl"),
            EXAMPLES.resolve("calls/credit-report.jsonl"),
            EXAMPLES.resolve("odrl/edc-calls.jsonl"))) {
      Files.readAllLines(f).stream().filter(l -> !l.isBlank()).forEach(lines::add);
    }
    Random rnd = new Random(42);
    String[][] who = {
      {"fleet-analytics", "vehicle-telemetry", "stream", "traffic-optimisation", "kafka"},
      {"fleet-analytics", "vehicle-telemetry", "read", "advertising", "mqtt"},
      {"ubi-insurer", "vehicle-telemetry", "read", "usage-based-insurance", "kafka"},
      {"bank-of-pudong", "credit-report", "query", "credit-assessment", "http"},
      {"bank-of-pudong", "credit-report", "query", "supply-chain-finance", "http"},
      {"stranger", "vehicle-telemetry", "read", "navigation", "kafka"},
    };
    long t = java.time.Instant.parse("2026-07-01T02:00:00Z").toEpochMilli();
    for (int i = 0; i < 3000; i++) {
      String[] w = who[rnd.nextInt(who.length)];
      t += rnd.nextInt(400); // bursts over the 2/s rate limits
      ObjectNode c = JSON.createObjectNode();
      c.put("id", String.format("g-%05d", i));
      c.put("ts", t);
      c.put("consumer", w[0]);
      c.put("dataset", w[1]);
      c.put("action", w[2]);
      c.put("purpose", w[3]);
      c.put("region", rnd.nextInt(10) == 0 ? "CN-BJ" : "CN-SH");
      c.putObject("location")
          .put("lat", 31.0 + rnd.nextDouble() * 0.5)
          .put("lon", 121.0 + rnd.nextDouble() * 0.8);
      c.put("channel", w[4]);
      ObjectNode payload = c.putObject("payload");
      payload.put("vehicle_id", "V" + rnd.nextInt(50));
      payload.put("speed", rnd.nextInt(120));
      payload.put("credit_code", "91310000" + rnd.nextInt(1000));
      payload.put("legal_rep_id", "3101" + rnd.nextInt(100000));
      payload.put("internal_note", "not for consumers");
      lines.add(JSON.writeValueAsString(c));
    }
    return lines;
  }

  /** Runs `tollgate policy eval` in process and returns its decisions by call id. */
  static Map<String, JsonNode> policyEval(Path contracts, Path calls) throws Exception {
    StringWriter stdout = new StringWriter();
    CommandLine cl = new CommandLine(new PolicyCommand());
    cl.setOut(new PrintWriter(stdout));
    cl.setErr(new PrintWriter(new StringWriter()));
    int exit = cl.execute("eval", "--contracts", contracts.toString(), "--calls", calls.toString());
    assertThat(exit).isZero();
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (String line : stdout.toString().split("\n")) {
      if (line.startsWith("{")) {
        JsonNode d = JSON.readTree(line);
        out.put(d.get("id").asText(), d);
      }
    }
    return out;
  }

  static void send(List<String> lines) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
      for (String line : lines) {
        byte[] key = null;
        try {
          JsonNode c = JSON.readTree(line);
          key =
              (c.path("consumer").asText() + "|" + c.path("dataset").asText())
                  .getBytes(StandardCharsets.UTF_8);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          // malformed lines travel too: the job sends them to the DLQ, policy eval skips them
        }
        p.send(new ProducerRecord<>(Topics.CALLS, key, line.getBytes(StandardCharsets.UTF_8)));
      }
      p.flush();
    }
  }

  /**
   * The committed feedback events, once the job has drained what was sent, of the calls whose id
   * starts with {@code prefix}.
   */
  static Map<String, FeedbackEvent> feedback(String prefix) throws Exception {
    job.awaitDrained(kafka.facts, Duration.ofMinutes(2));
    Map<String, FeedbackEvent> out = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : kafka.committed(Topics.FEEDBACK)) {
      FeedbackEvent e = EventReader.feedback(r.value());
      if (e.callId().startsWith(prefix)) {
        assertThat(out.put(e.callId(), e)).as("one feedback event per call").isNull();
      }
    }
    return out;
  }

  static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void decidesEveryCallExactlyAsPolicyEvalDoes() throws Exception {
    List<String> lines = Files.readAllLines(callsFile);
    send(lines);
    Set<String> ids = evalDecisions.keySet();
    assertThat(ids).hasSizeGreaterThan(3000);
    Map<String, FeedbackEvent> feedback = feedback("");
    feedback.keySet().retainAll(ids);
    assertThat(feedback.keySet()).isEqualTo(ids);

    Map<String, Integer> outcomes = new HashMap<>();
    for (String id : ids) {
      JsonNode eval = evalDecisions.get(id);
      FeedbackEvent stream = feedback.get(id);
      assertThat(stream.decision().name()).as(id).isEqualTo(eval.get("outcome").asText());
      assertThat(stream.reasons()).as(id).isEqualTo(texts(eval.get("reasons")));
      assertThat(stream.contract())
          .as(id)
          .isEqualTo(eval.get("contract").isNull() ? null : eval.get("contract").asText());
      assertThat(stream.policyVersion())
          .as(id)
          .isEqualTo(eval.get("policy").isNull() ? null : eval.get("policy").asText());
      outcomes.merge(eval.get("outcome").asText(), 1, Integer::sum);
    }
    assertThat(outcomes).containsKeys("PERMIT", "DENY", "THROTTLE");
    // the EDC Agreement (ODRL JSON-LD): odrl:use with a purpose and a dateTime constraint
    assertThat(feedback.get("e-1").decision().name()).isEqualTo("PERMIT");
    assertThat(feedback.get("e-1").contract()).isEqualTo(EDC_AGREEMENT);
    assertThat(feedback.get("e-2").reasons()).containsExactly("purpose");
    assertThat(feedback.get("e-3").reasons()).containsExactly("period");
    assertThat(feedback.get("e-4").reasons()).containsExactly("no-contract");

    Set<String> permitted =
        ids.stream()
            .filter(id -> evalDecisions.get(id).get("outcome").asText().equals("PERMIT"))
            .collect(Collectors.toSet());
    Map<String, JsonNode> delivered = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : kafka.committed(Topics.DELIVERED)) {
      DeliveredEvent d = EventReader.delivered(r.value());
      if (ids.contains(d.callId())) {
        assertThat(delivered.put(d.callId(), JSON.readTree(d.payload())))
            .as("one delivered record per permit")
            .isNull();
      }
    }
    assertThat(delivered.keySet()).isEqualTo(permitted);
    for (Map.Entry<String, JsonNode> e : delivered.entrySet()) {
      JsonNode payload = e.getValue();
      JsonNode project = evalDecisions.get(e.getKey()).get("obligations").get("project");
      if (project != null) {
        Set<String> allowed = new HashSet<>();
        project.forEach(f -> allowed.add(f.asText()));
        payload.fieldNames().forEachRemaining(f -> assertThat(allowed).as(e.getKey()).contains(f));
        assertThat(payload.has("internal_note")).isFalse();
      }
      if (payload.has("vehicle_id")) {
        assertThat(payload.get("vehicle_id").asText()).hasSize(32).doesNotStartWith("V");
      }
      if (payload.has("legal_rep_id")) {
        assertThat(payload.get("legal_rep_id").asText()).isEqualTo("[redacted]");
      }
    }
  }

  @Test
  void aRevocationMidStreamTakesEffectForLaterCalls() throws Exception {
    List<String> before = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      before.add(rvCall("rv-a-" + i));
    }
    send(before);
    Map<String, FeedbackEvent> first = feedback("rv-a-");
    assertThat(first.values())
        .extracting(e -> e.decision().name())
        .containsOnly("PERMIT")
        .hasSize(50);

    long revokedAt = System.currentTimeMillis();
    try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
      Map<String, String> revoke = new HashMap<>();
      revoke.put("rv-contract", null);
      ContractPublisher.publish(p, revoke);
    }
    // keep calling, a batch at a time, until the revocation shows; then one batch more
    int sent = 0;
    boolean shown = false;
    for (int round = 0; round < 200 && !shown; round++) {
      List<String> batch = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        batch.add(rvCall(String.format("rv-b-%03d-%d", round, i)));
      }
      send(batch);
      sent += batch.size();
      String prefix = String.format("rv-b-%03d-", round);
      shown = feedback(prefix).values().stream().anyMatch(e -> e.decision() == Outcome.DENY);
    }
    assertThat(shown).as("the revocation took effect").isTrue();
    List<String> last = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      last.add(rvCall("rv-b-999-" + i));
    }
    send(last);
    sent += last.size();
    List<FeedbackEvent> seq = new ArrayList<>(feedback("rv-b-").values());
    assertThat(seq).hasSize(sent);
    seq.sort((a, b) -> Long.compare(a.decisionTime(), b.decisionTime()));
    int firstDeny = -1;
    for (int i = 0; i < seq.size(); i++) {
      if (seq.get(i).decision() == Outcome.DENY) {
        firstDeny = i;
        break;
      }
    }
    for (FeedbackEvent e : seq.subList(firstDeny, seq.size())) {
      assertThat(e.decision() + "" + e.reasons()).as(e.callId()).isEqualTo("DENY[no-contract]");
    }
    assertThat(seq.subList(seq.size() - last.size(), seq.size()))
        .extracting(FeedbackEvent::decision)
        .containsOnly(Outcome.DENY);
    assertThat(seq.get(firstDeny).decisionTime())
        .as("first denial after the revocation")
        .isGreaterThanOrEqualTo(revokedAt);
  }

  static String rvCall(String id) {
    return "{\"v\":1,\"id\":\""
        + id
        + "\",\"ts\":"
        + System.currentTimeMillis()
        + ",\"consumer\":\"rv-consumer\",\"dataset\":\"rv-data\",\"action\":\"read\",\"purpose\":\"navigation\"}";
  }

  @Test
  void malformedRecordsGoToTheDeadLetterTopicAndTheJobGoesOn() throws Exception {
    long now = System.currentTimeMillis();
    Map<String, byte[]> bad = new LinkedHashMap<>();
    bad.put("dlq-json", "{\"id\":\"x\",".getBytes(StandardCharsets.UTF_8));
    bad.put("dlq-missing", "{\"id\":\"dlq-missing\",\"ts\":1}".getBytes(StandardCharsets.UTF_8));
    bad.put(
        "dlq-action",
        rvCall("dlq-action").replace("\"read\"", "\"reed\"").getBytes(StandardCharsets.UTF_8));
    bad.put(
        "dlq-version",
        rvCall("dlq-version").replace("\"v\":1", "\"v\":2").getBytes(StandardCharsets.UTF_8));
    bad.put(
        "dlq-payload",
        rvCall("dlq-payload").replace("}", ",\"payload\":[1,2]}").getBytes(StandardCharsets.UTF_8));
    bad.put(
        "dlq-future",
        rvCall("dlq-future")
            .replace("\"ts\":" + "", "\"ts\":" + (now + 86_400_000L) + ",\"x\":")
            .getBytes(StandardCharsets.UTF_8));
    bad.put("dlq-binary", new byte[] {(byte) 0xff, 0, (byte) 0xfe, 0x7b});
    bad.put("dlq-null", null);
    try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
      for (Map.Entry<String, byte[]> e : bad.entrySet()) {
        p.send(
            new ProducerRecord<>(
                Topics.CALLS, e.getKey().getBytes(StandardCharsets.UTF_8), e.getValue()));
      }
    }
    send(List.of(rvCall("dlq-after")));

    Map<String, FeedbackEvent> after = feedback("dlq-"); // drains, then reads
    Map<String, DeadLetterEvent> byKey = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : kafka.committed(Topics.DLQ)) {
      if (r.key() != null && new String(r.key(), StandardCharsets.UTF_8).startsWith("dlq-")) {
        byKey.put(new String(r.key(), StandardCharsets.UTF_8), EventReader.deadLetter(r.value()));
      }
    }
    assertThat(byKey.keySet()).isEqualTo(bad.keySet());
    for (Map.Entry<String, byte[]> e : bad.entrySet()) {
      DeadLetterEvent d = byKey.get(e.getKey());
      assertThat(d.topic()).isEqualTo(Topics.CALLS);
      assertThat(d.value()).as(e.getKey()).isEqualTo(e.getValue());
    }
    assertThat(byKey.get("dlq-json").error()).startsWith("expected valid JSON");
    assertThat(byKey.get("dlq-missing").error()).isEqualTo("consumer: required, missing");
    assertThat(byKey.get("dlq-action").error()).startsWith("action: expected one of");
    assertThat(byKey.get("dlq-version").error()).isEqualTo("v: expected schema version 1, found 2");
    assertThat(byKey.get("dlq-payload").error())
        .isEqualTo("payload: expected an object, found an array");
    assertThat(byKey.get("dlq-future").error()).startsWith("ts: expected at most 300000 ms after");
    assertThat(byKey.get("dlq-null").error())
        .isEqualTo("expected a call record, found a null value");

    assertThat(after.keySet()).containsExactly("dlq-after");
  }
}
