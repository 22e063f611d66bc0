package io.tollgate.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.flink.dev.ContractRecords;
import io.tollgate.flink.kafka.Topics;
import io.tollgate.gateway.cli.TollgateCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
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
 * The enforcement job end to end on a real broker and a MiniCluster: the same calls decided by
 * the stream and by {@code tollgate policy eval}, a revocation mid-stream, and dead letters.
 */
class EnforcementIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();
  static final String RV_CONTRACT = String.join("\n",
      "contract: rv-contract",
      "provider: p",
      "consumer: rv-consumer",
      "dataset: rv-data",
      "actions: [read]",
      "purposes: [navigation]",
      "");

  static KafkaFixture kafka;
  static JobFixture job;
  static Path callsFile;
  static Map<String, JsonNode> evalDecisions;

  @BeforeAll
  static void start() throws Exception {
    callsFile = Files.createTempDirectory(Path.of("target"), "calls-").resolve("calls.jsonl");
    Files.write(callsFile, calls());
    evalDecisions = policyEval(EXAMPLES.resolve("contracts"), callsFile);

    kafka = new KafkaFixture();
    Topics.create(kafka.bootstrap(), 2);
    Map<String, String> contracts = new LinkedHashMap<>(ContractRecords.read(List.of(EXAMPLES.resolve("contracts"))));
    contracts.put("rv-contract", RV_CONTRACT);
    try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
      ContractRecords.publish(p, contracts);
    }
    EnforcementJob.Settings settings = JobFixture.settings(kafka.bootstrap());
    settings.maxLateMs = 400L * 86_400_000L; // the example calls are stamped in 2026; the late bound has its own test
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
    for (String f : List.of("vehicle-telemetry.jsonl", "credit-report.jsonl")) {
      Files.readAllLines(EXAMPLES.resolve("calls").resolve(f)).stream().filter(l -> !l.isBlank()).forEach(lines::add);
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
      c.putObject("location").put("lat", 31.0 + rnd.nextDouble() * 0.5).put("lon", 121.0 + rnd.nextDouble() * 0.8);
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
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    PrintStream original = System.out;
    int exit;
    try {
      System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
      CommandLine cl = new CommandLine(new TollgateCommand());
      cl.setOut(new PrintWriter(new StringWriter()));
      cl.setErr(new PrintWriter(new StringWriter()));
      exit = cl.execute("policy", "eval", "--contracts", contracts.toString(), "--calls", calls.toString());
    } finally {
      System.setOut(original);
    }
    assertThat(exit).isZero();
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (String line : stdout.toString(StandardCharsets.UTF_8).split("\n")) {
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
          key = (c.path("consumer").asText() + "|" + c.path("dataset").asText()).getBytes(StandardCharsets.UTF_8);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          // malformed lines travel too: the job sends them to the DLQ, policy eval skips them
        }
        p.send(new ProducerRecord<>(Topics.CALLS, key, line.getBytes(StandardCharsets.UTF_8)));
      }
      p.flush();
    }
  }

  static Map<String, JsonNode> byCallId(List<ConsumerRecord<byte[], byte[]>> records, String prefix) throws Exception {
    Map<String, JsonNode> out = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      JsonNode n = JSON.readTree(r.value());
      if (n.get("callId").asText().startsWith(prefix)) {
        assertThat(out.put(n.get("callId").asText(), n)).as("one event per call").isNull();
      }
    }
    return out;
  }

  @Test
  void decidesEveryCallExactlyAsPolicyEvalDoes() throws Exception {
    List<String> lines = Files.readAllLines(callsFile);
    send(lines);
    Set<String> ids = evalDecisions.keySet();
    assertThat(ids).hasSizeGreaterThan(3000);
    List<ConsumerRecord<byte[], byte[]>> fb = kafka.readUntil(Topics.FEEDBACK,
        rs -> rs.size() >= ids.size(), Duration.ofSeconds(120));
    Map<String, JsonNode> feedback = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : fb) {
      JsonNode n = JSON.readTree(r.value());
      if (ids.contains(n.get("callId").asText())) {
        assertThat(feedback.put(n.get("callId").asText(), n)).as("one feedback event per call").isNull();
      }
    }
    assertThat(feedback.keySet()).isEqualTo(ids);

    Map<String, Integer> outcomes = new HashMap<>();
    for (String id : ids) {
      JsonNode eval = evalDecisions.get(id);
      JsonNode stream = feedback.get(id);
      assertThat(stream.get("decision").asText()).as(id).isEqualTo(eval.get("outcome").asText());
      assertThat(stream.get("reasons")).as(id).isEqualTo(eval.get("reasons"));
      assertThat(stream.get("contract").isNull() ? null : stream.get("contract").asText()).as(id)
          .isEqualTo(eval.get("contract").isNull() ? null : eval.get("contract").asText());
      assertThat(stream.get("policyVersion").isNull() ? null : stream.get("policyVersion").asText()).as(id)
          .isEqualTo(eval.get("policy").isNull() ? null : eval.get("policy").asText());
      outcomes.merge(eval.get("outcome").asText(), 1, Integer::sum);
    }
    assertThat(outcomes).containsKeys("PERMIT", "DENY", "THROTTLE");

    Set<String> permitted = ids.stream().filter(id -> evalDecisions.get(id).get("outcome").asText().equals("PERMIT"))
        .collect(Collectors.toSet());
    List<ConsumerRecord<byte[], byte[]>> dl = kafka.readUntil(Topics.DELIVERED,
        rs -> rs.size() >= permitted.size() && rs.stream().filter(r -> permitted.contains(callId(r))).count() >= permitted.size(),
        Duration.ofSeconds(60));
    Map<String, JsonNode> delivered = byCallId(dl, "");
    delivered.keySet().retainAll(ids);
    assertThat(delivered.keySet()).isEqualTo(permitted);
    for (Map.Entry<String, JsonNode> e : delivered.entrySet()) {
      JsonNode payload = e.getValue().get("payload");
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
    Map<String, JsonNode> first = byCallId(kafka.readUntil(Topics.FEEDBACK,
        rs -> countPrefix(rs, "rv-a-") >= 50, Duration.ofSeconds(60)), "rv-a-");
    assertThat(first.values()).extracting(n -> n.get("decision").asText()).containsOnly("PERMIT").hasSize(50);

    long revokedAt = System.currentTimeMillis();
    try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
      Map<String, String> revoke = new HashMap<>();
      revoke.put("rv-contract", null);
      ContractRecords.publish(p, revoke);
    }
    // keep calling until the revocation shows; from then on nothing may be permitted
    List<String> after = new ArrayList<>();
    for (int round = 0; round < 100; round++) {
      List<String> batch = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        batch.add(rvCall(String.format("rv-b-%03d-%d", round, i)));
      }
      after.addAll(batch);
      send(batch);
      Thread.sleep(50);
      if (round >= 20) {
        break;
      }
    }
    List<ConsumerRecord<byte[], byte[]>> rs = kafka.readUntil(Topics.FEEDBACK,
        r -> countPrefix(r, "rv-b-") >= after.size(), Duration.ofSeconds(60));
    List<JsonNode> seq = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : rs) {
      JsonNode n = JSON.readTree(r.value());
      if (n.get("callId").asText().startsWith("rv-b-")) {
        seq.add(n);
      }
    }
    assertThat(seq).hasSize(after.size());
    seq.sort((a, b) -> Long.compare(a.get("decisionTime").asLong(), b.get("decisionTime").asLong()));
    int firstDeny = -1;
    for (int i = 0; i < seq.size(); i++) {
      if (seq.get(i).get("decision").asText().equals("DENY")) {
        firstDeny = i;
        break;
      }
    }
    assertThat(firstDeny).as("the revocation took effect").isGreaterThanOrEqualTo(0);
    for (JsonNode n : seq.subList(firstDeny, seq.size())) {
      assertThat(n.get("decision").asText() + n.get("reasons")).isEqualTo("DENY[\"no-contract\"]");
    }
    System.out.printf("revocation: first denial %d ms after publishing%n",
        seq.get(firstDeny).get("decisionTime").asLong() - revokedAt);
  }

  static String callId(ConsumerRecord<byte[], byte[]> r) {
    try {
      return JSON.readTree(r.value()).get("callId").asText();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static long countPrefix(List<ConsumerRecord<byte[], byte[]>> rs, String prefix) {
    byte[] p = ("\"callId\":\"" + prefix).getBytes(StandardCharsets.UTF_8);
    return rs.stream().filter(r -> indexOf(r.value(), p) >= 0).count();
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  static String rvCall(String id) {
    return "{\"v\":1,\"id\":\"" + id + "\",\"ts\":" + System.currentTimeMillis()
        + ",\"consumer\":\"rv-consumer\",\"dataset\":\"rv-data\",\"action\":\"read\",\"purpose\":\"navigation\"}";
  }

  @Test
  void malformedRecordsGoToTheDeadLetterTopicAndTheJobGoesOn() throws Exception {
    long now = System.currentTimeMillis();
    Map<String, byte[]> bad = new LinkedHashMap<>();
    bad.put("dlq-json", "{\"id\":\"x\",".getBytes(StandardCharsets.UTF_8));
    bad.put("dlq-missing", "{\"id\":\"dlq-missing\",\"ts\":1}".getBytes(StandardCharsets.UTF_8));
    bad.put("dlq-action", rvCall("dlq-action").replace("\"read\"", "\"reed\"").getBytes(StandardCharsets.UTF_8));
    bad.put("dlq-version", rvCall("dlq-version").replace("\"v\":1", "\"v\":2").getBytes(StandardCharsets.UTF_8));
    bad.put("dlq-payload", rvCall("dlq-payload").replace("}", ",\"payload\":[1,2]}").getBytes(StandardCharsets.UTF_8));
    bad.put("dlq-future", rvCall("dlq-future").replace("\"ts\":" + "", "\"ts\":" + (now + 86_400_000L) + ",\"x\":")
        .getBytes(StandardCharsets.UTF_8));
    bad.put("dlq-binary", new byte[] {(byte) 0xff, 0, (byte) 0xfe, 0x7b});
    bad.put("dlq-null", null);
    try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
      for (Map.Entry<String, byte[]> e : bad.entrySet()) {
        p.send(new ProducerRecord<>(Topics.CALLS, e.getKey().getBytes(StandardCharsets.UTF_8), e.getValue()));
      }
    }
    send(List.of(rvCall("dlq-after")));

    List<ConsumerRecord<byte[], byte[]>> dlq = kafka.readUntil(Topics.DLQ, rs -> rs.stream()
        .filter(r -> r.key() != null && new String(r.key(), StandardCharsets.UTF_8).startsWith("dlq-")).count() >= bad.size(),
        Duration.ofSeconds(60));
    Map<String, JsonNode> byKey = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : dlq) {
      if (r.key() != null && new String(r.key(), StandardCharsets.UTF_8).startsWith("dlq-")) {
        byKey.put(new String(r.key(), StandardCharsets.UTF_8), JSON.readTree(r.value()));
      }
    }
    assertThat(byKey.keySet()).isEqualTo(bad.keySet());
    for (Map.Entry<String, byte[]> e : bad.entrySet()) {
      JsonNode d = byKey.get(e.getKey());
      assertThat(d.get("topic").asText()).isEqualTo(Topics.CALLS);
      byte[] original = d.get("value").isNull() ? null : Base64.getDecoder().decode(d.get("value").asText());
      assertThat(original).as(e.getKey()).isEqualTo(e.getValue());
    }
    assertThat(byKey.get("dlq-json").get("error").asText()).startsWith("expected valid JSON");
    assertThat(byKey.get("dlq-missing").get("error").asText()).isEqualTo("consumer: required, missing");
    assertThat(byKey.get("dlq-action").get("error").asText()).startsWith("action: expected one of");
    assertThat(byKey.get("dlq-version").get("error").asText()).isEqualTo("v: expected schema version 1, found 2");
    assertThat(byKey.get("dlq-payload").get("error").asText()).isEqualTo("payload: expected an object, found an array");
    assertThat(byKey.get("dlq-future").get("error").asText()).startsWith("ts: expected at most 300000 ms after");
    assertThat(byKey.get("dlq-null").get("error").asText()).isEqualTo("expected a call record, found a null value");

    Map<String, JsonNode> after = byCallId(kafka.readUntil(Topics.FEEDBACK,
        rs -> countPrefix(rs, "dlq-after") >= 1, Duration.ofSeconds(60)), "dlq-");
    assertThat(after.keySet()).containsExactly("dlq-after");
  }
}
