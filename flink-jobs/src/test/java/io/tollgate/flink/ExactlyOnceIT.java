package io.tollgate.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.dev.ContractPublisher;
import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.records.EventReader;
import io.tollgate.enforcement.records.FeedbackEvent;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.Test;

/**
 * A task failure in the middle of 500,000 calls: afterwards every call has exactly one committed
 * feedback event, every permitted call exactly one committed delivered record, and every decision
 * (rate limits included) is the one an uninterrupted run makes, because counters come back from the
 * checkpoint and the calls after it are replayed. One consumer is hot, its counters split over two
 * shards ({@link CounterShards}): its decisions are those of two buckets of half the rate.
 */
class ExactlyOnceIT {
  static final int CALLS = 500_000;
  static final int CONSUMERS = 20;
  static final String HOT = "c0";

  static String contract(int i) {
    return String.join(
        "\n",
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
    return "{\"v\":1,\"id\":\""
        + i
        + "\",\"ts\":"
        + (t0 + i)
        + ",\"consumer\":\"c"
        + rnd.nextInt(CONSUMERS)
        + "\",\"dataset\":\"telemetry\",\"action\":\"stream\",\"purpose\":\""
        + (rnd.nextInt(10) == 0 ? "advertising" : "navigation")
        + "\",\"payload\":{\"vehicle_id\":\"V"
        + rnd.nextInt(1000)
        + "\",\"speed\":"
        + rnd.nextInt(130)
        + ",\"vin\":\"x\"}}";
  }

  @Test
  void aTaskFailureMidStreamLosesAndDuplicatesNothing() throws Exception {
    long t0 =
        System.currentTimeMillis()
            - 600_000L; // calls span 500 s: within the late and future bounds
    Map<String, String> contracts = new LinkedHashMap<>();
    for (int i = 0; i < CONSUMERS; i++) {
      contracts.put("eo-" + i, contract(i));
    }
    // what an uninterrupted run decides
    PolicyCompiler compiler = new PolicyCompiler();
    List<CompiledPolicy> compiled = new ArrayList<>();
    for (String text : contracts.values()) {
      compiled.add(
          compiler.compile(new YamlContractSource().read("eo", null, text).policies().get(0)));
    }
    PolicyEngine engine = PolicyEngine.of(compiled);
    // consumer c0 is hot, spread over two counter shards: each spends its part of the rate
    InMemoryCounterStore memory = new InMemoryCounterStore();
    String[] current = new String[2]; // the call's consumer and id
    io.tollgate.policy.spi.CounterStore counters =
        (key, spec, ts) -> {
          if (!HOT.equals(current[0])) {
            return memory.tryAcquire(key, spec, ts);
          }
          int shard = CounterShards.shardOf(current[1], 2);
          return memory.tryAcquire(key + "#" + shard, spec.part(shard, 2), ts);
        };
    DataCallCodec codec = new DataCallCodec();
    DataCall dc = new DataCall();
    Decision d = new Decision();
    byte[] expected = new byte[CALLS];
    Random rnd = new Random(7);
    List<String> lines = new ArrayList<>(CALLS);
    String[] keys = new String[CALLS];
    for (int i = 0; i < CALLS; i++) {
      String line = call(i, rnd, t0);
      lines.add(line);
      codec.parse(line, dc);
      current[0] = dc.consumer();
      current[1] = Integer.toString(i);
      engine.decide(dc, counters, d);
      keys[i] = dc.consumer(); // records keyed by consumer, as a producer would key them
      expected[i] = (byte) d.outcome().ordinal();
    }

    try (KafkaFixture kafka = new KafkaFixture()) {
      try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
        ContractPublisher.publish(p, contracts);
        for (int i = 0; i < CALLS; i++) {
          p.send(
              new ProducerRecord<>(
                  Topics.CALLS,
                  keys[i].getBytes(StandardCharsets.UTF_8),
                  lines.get(i).getBytes(StandardCharsets.UTF_8)));
        }
        p.flush();
      }
      EnforcementJob.Settings s = JobFixture.settings(kafka.bootstrap());
      s.hotConsumers.put(HOT, 2);
      // subtask 0 sees about half the calls: it fails once in the middle of its share
      try (JobFixture job = new JobFixture(s, null, st -> FailOnceAfter.into(st, CALLS / 4))) {
        job.awaitDrained(kafka.facts, Duration.ofMinutes(5));
        int[] feedback = new int[CALLS];
        byte[] decided = new byte[CALLS];
        int[] delivered = new int[CALLS];
        long fbTotal =
            kafka.facts.readAll(
                Topics.FEEDBACK,
                IsolationLevel.READ_COMMITTED,
                r -> {
                  FeedbackEvent e = EventReader.feedback(r.value());
                  int id = Integer.parseInt(e.callId());
                  feedback[id]++;
                  decided[id] = (byte) e.decision().ordinal();
                });
        long dlTotal =
            kafka.facts.readAll(
                Topics.DELIVERED,
                IsolationLevel.READ_COMMITTED,
                r -> delivered[Integer.parseInt(EventReader.delivered(r.value()).callId())]++);
        long uncommitted =
            kafka.facts.readAll(Topics.FEEDBACK, IsolationLevel.READ_UNCOMMITTED, r -> {});

        assertThat(fbTotal).as("committed feedback events").isEqualTo(CALLS);
        int permits = 0;
        int throttles = 0;
        for (int i = 0; i < CALLS; i++) {
          assertThat(feedback[i]).as("feedback events of call %d", i).isEqualTo(1);
          assertThat(decided[i]).as("decision of call %d", i).isEqualTo(expected[i]);
          boolean permit = expected[i] == (byte) Outcome.PERMIT.ordinal();
          assertThat(delivered[i]).as("delivered records of call %d", i).isEqualTo(permit ? 1 : 0);
          permits += permit ? 1 : 0;
          throttles += expected[i] == (byte) Outcome.THROTTLE.ordinal() ? 1 : 0;
        }
        assertThat(dlTotal).isEqualTo(permits);
        assertThat(throttles).as("the rate limits were exercised").isGreaterThan(1000);
        assertThat(permits).isGreaterThan(CALLS / 2);
        // aborted transactions are visible to read_uncommitted readers: proof the failure and
        // replay happened
        assertThat(uncommitted)
            .as("feedback events incl. aborted transactions")
            .isGreaterThan(CALLS);
      }
    }
  }
}
