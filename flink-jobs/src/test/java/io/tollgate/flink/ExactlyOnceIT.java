package io.tollgate.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tollgate.flink.dev.ContractRecords;
import io.tollgate.flink.kafka.Topics;
import io.tollgate.policy.CompiledPolicy;
import io.tollgate.policy.DataCall;
import io.tollgate.policy.Decision;
import io.tollgate.policy.InMemoryCounterStore;
import io.tollgate.policy.PolicyCompiler;
import io.tollgate.policy.PolicyEngine;
import io.tollgate.policy.json.DataCallCodec;
import io.tollgate.policy.source.YamlContractSource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * A task failure in the middle of 500,000 calls: afterwards every call has exactly one committed
 * feedback event, every permitted call exactly one committed delivered record, and every decision
 * (rate limits included) is the one an uninterrupted run makes, because counters come back from
 * the checkpoint and the calls after it are replayed.
 */
class ExactlyOnceIT {
  static final int CALLS = 500_000;
  static final int CONSUMERS = 20;
  static final JsonFactory JSON = new JsonFactory();

  static String contract(int i) {
    return String.join("\n",
        "contract: eo-" + i,
        "provider: sh-cv-platform",
        "consumer: c" + i,
        "dataset: telemetry",
        "actions: [read, stream]",
        "purposes: [navigation]",
        "fields: {allow: [vehicle_id, speed], mask: {vehicle_id: hash}}",
        "limits: {rate: \"40/s\"}",
        "");
  }

  static String call(int i, Random rnd, long t0) {
    return "{\"v\":1,\"id\":\"" + i + "\",\"ts\":" + (t0 + i) + ",\"consumer\":\"c" + rnd.nextInt(CONSUMERS)
        + "\",\"dataset\":\"telemetry\",\"action\":\"stream\",\"purpose\":\""
        + (rnd.nextInt(10) == 0 ? "advertising" : "navigation")
        + "\",\"payload\":{\"vehicle_id\":\"V" + rnd.nextInt(1000) + "\",\"speed\":" + rnd.nextInt(130) + ",\"vin\":\"x\"}}";
  }

  @Test
  void aTaskFailureMidStreamLosesAndDuplicatesNothing() throws Exception {
    long t0 = System.currentTimeMillis() - 600_000L; // calls span 500 s: within the late and future bounds
    Map<String, String> contracts = new LinkedHashMap<>();
    for (int i = 0; i < CONSUMERS; i++) {
      contracts.put("eo-" + i, contract(i));
    }
    // what an uninterrupted run decides
    PolicyCompiler compiler = new PolicyCompiler();
    List<CompiledPolicy> compiled = new ArrayList<>();
    for (String text : contracts.values()) {
      compiled.add(compiler.compile(new YamlContractSource().read("eo", null, text).policies().get(0)));
    }
    PolicyEngine engine = PolicyEngine.of(compiled);
    InMemoryCounterStore counters = new InMemoryCounterStore();
    DataCallCodec codec = new DataCallCodec();
    DataCall dc = new DataCall();
    Decision d = new Decision();
    byte[] expected = new byte[CALLS];
    Random rnd = new Random(7);
    List<String> lines = new ArrayList<>(CALLS);
    for (int i = 0; i < CALLS; i++) {
      String line = call(i, rnd, t0);
      lines.add(line);
      engine.decide(codec.parse(line, dc), counters, d);
      expected[i] = (byte) d.outcome().ordinal();
    }

    try (KafkaFixture kafka = new KafkaFixture()) {
      Topics.create(kafka.bootstrap(), 2);
      try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
        ContractRecords.publish(p, contracts);
        for (String line : lines) {
          String consumer = line.substring(line.indexOf("\"consumer\":\"") + 12, line.indexOf("\",\"dataset\""));
          p.send(new ProducerRecord<>(Topics.CALLS, consumer.getBytes(StandardCharsets.UTF_8),
              line.getBytes(StandardCharsets.UTF_8)));
        }
        p.flush();
      }
      EnforcementJob.Settings s = JobFixture.settings(kafka.bootstrap());
      s.injectFailureAfter = CALLS / 4; // subtask 0 sees about half the calls
      try (JobFixture job = new JobFixture(s)) {
        int[] feedback = new int[CALLS];
        byte[] decided = new byte[CALLS];
        int[] delivered = new int[CALLS];
        long fbTotal = read(kafka, Topics.FEEDBACK, "read_committed", CALLS, feedback, decided);
        long dlTotal = read(kafka, Topics.DELIVERED, "read_committed", -1, delivered, null);
        long uncommitted = read(kafka, Topics.FEEDBACK, "read_uncommitted", -1, new int[CALLS], null);

        assertThat(fbTotal).as("committed feedback events").isEqualTo(CALLS);
        int permits = 0;
        int throttles = 0;
        for (int i = 0; i < CALLS; i++) {
          assertThat(feedback[i]).as("feedback events of call %d", i).isEqualTo(1);
          assertThat(decided[i]).as("decision of call %d", i).isEqualTo(expected[i]);
          boolean permit = expected[i] == (byte) io.tollgate.policy.Outcome.PERMIT.ordinal();
          assertThat(delivered[i]).as("delivered records of call %d", i).isEqualTo(permit ? 1 : 0);
          permits += permit ? 1 : 0;
          throttles += expected[i] == (byte) io.tollgate.policy.Outcome.THROTTLE.ordinal() ? 1 : 0;
        }
        assertThat(dlTotal).isEqualTo(permits);
        assertThat(throttles).as("the rate limits were exercised").isGreaterThan(1000);
        assertThat(permits).isGreaterThan(CALLS / 2);
        // aborted transactions are visible to read_uncommitted readers: proof the failure and replay happened
        assertThat(uncommitted).as("feedback events incl. aborted transactions").isGreaterThan(CALLS);
        System.out.printf("exactly once: %d calls, %d permitted, %d throttled, %d feedback events in aborted"
            + " transactions%n", CALLS, permits, throttles, uncommitted - CALLS);
      }
    }
  }

  /**
   * Counts records per call id on {@code topic} until {@code expect} records (or, with -1, until
   * the topic has been quiet for 3 s after the committed end), recording decisions if asked.
   */
  static long read(KafkaFixture kafka, String topic, String isolation, int expect, int[] counts, byte[] decisions)
      throws Exception {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "eo-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
    long total = 0;
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    long quietSince = System.nanoTime();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      while (System.nanoTime() < deadline) {
        var batch = c.poll(Duration.ofMillis(500));
        for (ConsumerRecord<byte[], byte[]> r : batch) {
          total++;
          parse(r.value(), counts, decisions);
        }
        if (!batch.isEmpty()) {
          quietSince = System.nanoTime();
        }
        if (expect >= 0 ? total >= expect && System.nanoTime() - quietSince > 2e9
            : System.nanoTime() - quietSince > 3e9) {
          break;
        }
      }
    }
    return total;
  }

  private static void parse(byte[] value, int[] counts, byte[] decisions) throws Exception {
    int id = -1;
    String decision = null;
    try (JsonParser jp = JSON.createParser(value)) {
      jp.nextToken();
      while (jp.nextToken() == JsonToken.FIELD_NAME) {
        String name = jp.currentName();
        jp.nextToken();
        if (name.equals("callId")) {
          id = Integer.parseInt(jp.getText());
        } else if (name.equals("decision")) {
          decision = jp.getText();
        } else {
          jp.skipChildren();
        }
      }
    }
    counts[id]++;
    if (decisions != null) {
      decisions[id] = (byte) io.tollgate.policy.Outcome.valueOf(decision).ordinal();
    }
  }
}
