package io.tollgate.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.dev.ContractPublisher;
import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.records.EventReader;
import io.tollgate.enforcement.records.FeedbackEvent;
import io.tollgate.policy.Outcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * One consumer sends all the traffic, to three datasets: one limited by rate, one by a daily quota,
 * one by a total. The same calls are decided three times on a MiniCluster: by one subtask with
 * exact counters, and with the consumer spread over 2 and 4 counter shards at parallelism 2 and 4.
 * Each sharded run decides within the stated bounds of the exact one: quota and total exactly, the
 * rate never more than 1 % over in any second and within 1 % overall.
 */
class HotConsumerIT {
  static final int CALLS = 60_000; // 20,000 per dataset, over 10 s of event time
  static final int RATE = 500; // per second; the telemetry traffic is 2,000/s
  static final int QUOTA = 3_000; // per day
  static final int TOTAL = 2_000;
  static final String[] DATASETS = {"telemetry", "maps", "history"};

  static Map<String, String> contracts() {
    Map<String, String> c = new LinkedHashMap<>();
    String[] limits = {
      "{rate: \"" + RATE + "/s\"}", "{quota: \"" + QUOTA + "/day\"}", "{total: " + TOTAL + "}"
    };
    for (int d = 0; d < DATASETS.length; d++) {
      c.put(
          "hot-" + DATASETS[d],
          String.join(
              "\n",
              "contract: hot-" + DATASETS[d],
              "provider: sh-cv-platform",
              "consumer: city",
              "dataset: " + DATASETS[d],
              "actions: [stream]",
              "purposes: [navigation]",
              "fields: {allow: [vehicle_id, speed], mask: {vehicle_id: hash}}",
              "limits: " + limits[d],
              ""));
    }
    return c;
  }

  /** A start 5 minutes back, moved so that 10 s of calls do not cross a UTC midnight. */
  static long start() {
    long day = 86_400_000L;
    long t0 = System.currentTimeMillis() - 300_000;
    long midnight = (t0 / day + 1) * day;
    return t0 + 20_000 > midnight ? midnight - 20_000 : t0;
  }

  /** The outcome of each call and, for telemetry, the permits in each second of event time. */
  record Run(byte[] outcome, long[] permits, long[] perSecond, long delivered) {}

  @Test
  void aHotConsumerSpreadOverShardsDecidesWithinTheBoundsOfOneSubtask() throws Exception {
    long t0 = start();
    try (KafkaFixture kafka = new KafkaFixture()) {
      try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
        ContractPublisher.publish(p, contracts());
        byte[] key = "city".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < CALLS; i++) {
          String call =
              "{\"v\":1,\"id\":\""
                  + i
                  + "\",\"ts\":"
                  + (t0 + i / 6)
                  + ",\"consumer\":\"city\",\"dataset\":\""
                  + DATASETS[i % 3]
                  + "\",\"action\":\"stream\",\"purpose\":\"navigation\","
                  + "\"payload\":{\"vehicle_id\":\"V"
                  + (i % 997)
                  + "\",\"speed\":"
                  + (i % 130)
                  + "}}";
          p.send(new ProducerRecord<>(Topics.CALLS, key, call.getBytes(StandardCharsets.UTF_8)));
        }
        p.flush();
      }
      Run exact = run(kafka, t0, 1, 1);
      System.out.printf(
          "HotConsumerIT: one subtask permits %s%n", java.util.Arrays.toString(exact.permits()));
      assertThat(exact.permits()[1]).as("the quota").isEqualTo(QUOTA);
      assertThat(exact.permits()[2]).as("the total").isEqualTo(TOTAL);
      assertThat(exact.permits()[0]).as("the rate throttled").isBetween(5_000L, 6_000L);
      for (int parallelism : new int[] {2, 4}) {
        Run sharded = run(kafka, t0, parallelism, parallelism);
        System.out.printf(
            "HotConsumerIT: %d shards permit %s, at most %d in a second after the first%n",
            parallelism,
            java.util.Arrays.toString(sharded.permits()),
            java.util.Arrays.stream(sharded.perSecond()).skip(1).max().orElse(0));
        assertThat(sharded.permits()[1]).as("quota, %d shards", parallelism).isEqualTo(QUOTA);
        assertThat(sharded.permits()[2]).as("total, %d shards", parallelism).isEqualTo(TOTAL);
        assertThat((double) sharded.permits()[0])
            .as("rate permits, %d shards, against %d", parallelism, exact.permits()[0])
            .isBetween(exact.permits()[0] * 0.99, exact.permits()[0] * 1.01);
        for (int sec = 1; sec < sharded.perSecond().length; sec++) {
          assertThat(sharded.perSecond()[sec])
              .as("rate permits in second %d, %d shards", sec, parallelism)
              .isLessThanOrEqualTo(RATE + RATE / 100);
        }
        // what differs is which calls: each shard spends its own part
        int differ = 0;
        for (int i = 0; i < CALLS; i++) {
          differ += sharded.outcome()[i] != exact.outcome()[i] ? 1 : 0;
        }
        assertThat(differ).as("calls decided otherwise than by one subtask").isPositive();
      }
    }
  }

  /** Decides every call once more, with a new group, and reads this run's outputs. */
  private Run run(KafkaFixture kafka, long t0, int parallelism, int shards) throws Exception {
    Map<TopicPartition, Long> fbFrom =
        kafka.facts.endOffsets(Topics.FEEDBACK, IsolationLevel.READ_COMMITTED);
    Map<TopicPartition, Long> dlFrom =
        kafka.facts.endOffsets(Topics.DELIVERED, IsolationLevel.READ_COMMITTED);
    EnforcementJob.Settings s = JobFixture.settings(kafka.bootstrap());
    s.parallelism = parallelism;
    if (shards > 1) {
      s.hotConsumers = new HashMap<>(Map.of("city", shards));
    }
    byte[] outcome = new byte[CALLS];
    int[] seen = new int[CALLS];
    long[] permits = new long[3];
    long[] perSecond = new long[12];
    long[] delivered = new long[1];
    try (JobFixture job = new JobFixture(s)) {
      job.awaitDrained(kafka.facts, Duration.ofMinutes(5));
    }
    kafka.facts.readAll(
        Topics.FEEDBACK,
        IsolationLevel.READ_COMMITTED,
        r -> {
          if (r.offset() < fbFrom.get(new TopicPartition(r.topic(), r.partition()))) {
            return;
          }
          FeedbackEvent e = EventReader.feedback(r.value());
          int id = Integer.parseInt(e.callId());
          seen[id]++;
          outcome[id] = (byte) e.decision().ordinal();
          int d = id % 3;
          if (e.decision() == Outcome.PERMIT) {
            permits[d]++;
            if (d == 0) {
              perSecond[(int) ((t0 + id / 6 - t0) / 1000)]++;
            }
          } else {
            assertThat(e.reasons())
                .as("call %d", id)
                .containsExactly(new String[] {"rate", "quota", "total"}[d]);
            assertThat(e.decision()).isEqualTo(d == 0 ? Outcome.THROTTLE : Outcome.DENY);
          }
        });
    kafka.facts.readAll(
        Topics.DELIVERED,
        IsolationLevel.READ_COMMITTED,
        r -> {
          if (r.offset() >= dlFrom.get(new TopicPartition(r.topic(), r.partition()))) {
            delivered[0]++;
          }
        });
    for (int i = 0; i < CALLS; i++) {
      assertThat(seen[i])
          .as("feedback events of call %d at parallelism %d", i, parallelism)
          .isOne();
    }
    assertThat(delivered[0]).isEqualTo(permits[0] + permits[1] + permits[2]);
    return new Run(outcome, permits, perSecond, delivered[0]);
  }
}
