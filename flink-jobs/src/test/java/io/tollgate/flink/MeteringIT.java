package io.tollgate.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.dev.LocalFlink;
import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.records.CallRecord;
import io.tollgate.enforcement.records.EventWriter;
import io.tollgate.flink.metering.MeteringJob;
import io.tollgate.metering.BillingPeriod;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The metering job on a real broker and a MiniCluster: feedback events with duplicates in,
 * CloudEvents usage out; every month of every key closes once, with the distinct permits of the
 * input to the call, and the refusals apart.
 */
class MeteringIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");

  @Test
  void usageEqualsTheDistinctPermitsOfTheFeedbackMonthByMonth() throws Exception {
    try (KafkaFixture kafka = new KafkaFixture()) {
      Random r = new Random(7);
      EventWriter w = new EventWriter(new byte[] {1});
      String[] consumers = {"bank-a", "bank-b", "fleet-c"};
      long from = OffsetDateTime.parse("2026-11-25T00:00:00+08:00").toInstant().toEpochMilli();
      Map<String, Long> permits = new HashMap<>(); // key|month -> distinct permits
      Map<String, Long> denied = new HashMap<>();
      List<long[]> order = new ArrayList<>(); // ts, index: sent in event-time order, as feedback is
      List<byte[]> sent = new ArrayList<>();
      int n = 4000;
      for (int i = 0; i < n; i++) {
        CallRecord c = new CallRecord();
        c.id = "c-" + i;
        c.consumer = consumers[r.nextInt(consumers.length)];
        c.dataset = "credit-report";
        c.action = "read";
        c.purpose = "credit-assessment";
        c.records = 1 + r.nextInt(3);
        c.bytes = 100 + r.nextInt(900);
        c.ts = from + (long) (r.nextDouble() * Duration.ofDays(12).toMillis()); // into December
        c.ingestTs = c.ts;
        c.partition = 0;
        c.offset = i;
        String contract = "ct-" + c.consumer;
        boolean permit = r.nextInt(5) != 0;
        byte[] v =
            w.feedback(
                c,
                permit ? "PERMIT" : "DENY",
                permit ? 0 : io.tollgate.policy.Reason.PURPOSE.bit(),
                contract,
                "v1",
                "sh-credit-bureau",
                c.ts + 3);
        String k =
            c.consumer
                + "|sh-credit-bureau|"
                + contract
                + "|credit-report|"
                + BillingPeriod.of(c.ts, SHANGHAI).id();
        (permit ? permits : denied).merge(k, 1L, Long::sum);
        order.add(new long[] {c.ts, sent.size()});
        sent.add(v);
      }
      try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
        order.sort((a, b) -> Long.compare(a[0], b[0]));
        for (long[] o : order) {
          p.send(new ProducerRecord<>(Topics.FEEDBACK, sent.get((int) o[1])));
        }
        for (int i = 0; i < n / 10; i++) { // duplicates: the same events again
          p.send(new ProducerRecord<>(Topics.FEEDBACK, sent.get(r.nextInt(n))));
        }
        p.flush();
      }

      MeteringJob.Settings s = new MeteringJob.Settings();
      s.bootstrapServers = kafka.bootstrap();
      String run = UUID.randomUUID().toString().substring(0, 8);
      s.groupId = "meter-it-" + run;
      s.transactionalIdPrefix = "meter-it-" + run;
      s.checkpointIntervalMs = 500;
      s.parallelism = 2;
      s.bounded = true;
      Configuration conf = new Configuration();
      try (LocalFlink flink = LocalFlink.start(conf, 2)) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        MeteringJob.build(env, s);
        JobID job = flink.submit(env, "metering-it");
        assertThat(flink.awaitEnd(job, Duration.ofMinutes(3))).isEqualTo(JobStatus.FINISHED);
      }

      Map<String, Long> finalCalls = new HashMap<>();
      Map<String, Long> finalDenied = new HashMap<>();
      Set<String> finals = new HashSet<>();
      Set<String> ids = new HashSet<>();
      for (ConsumerRecord<byte[], byte[]> rec : kafka.committed(Topics.USAGE)) {
        JsonNode ce = JSON.readTree(rec.value());
        assertThat(ids.add(ce.get("id").asText())).as("usage ids are unique").isTrue();
        JsonNode d = ce.get("data");
        String k =
            d.get("consumer").asText()
                + "|"
                + d.get("provider").asText()
                + "|"
                + d.get("contract").asText()
                + "|"
                + d.get("dataset").asText()
                + "|"
                + d.get("period").asText();
        assertThat(new String(rec.key(), StandardCharsets.UTF_8))
            .isEqualTo(d.get("consumer").asText());
        if (!d.get("final").asBoolean()) {
          continue;
        }
        assertThat(finals.add(k)).as("one final record per key and month: " + k).isTrue();
        long calls = 0;
        for (JsonNode u : d.get("billable")) {
          calls += u.get("calls").asLong();
        }
        assertThat(d.get("corrections")).isEmpty();
        finalCalls.put(k, calls);
        finalDenied.put(k, d.get("refused").path("deny:purpose").asLong(0));
      }
      assertThat(finalCalls).isEqualTo(permits);
      Map<String, Long> deniedNonZero = new HashMap<>();
      finalDenied.forEach(
          (k, v) -> {
            if (v > 0) {
              deniedNonZero.put(k, v);
            }
          });
      assertThat(deniedNonZero).isEqualTo(denied);
    }
  }
}
