package io.tollgate.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.dev.LocalFlink;
import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.records.CallRecord;
import io.tollgate.enforcement.records.EventWriter;
import io.tollgate.flink.metering.MeteringJob;
import io.tollgate.metering.UsageRecords;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.Test;

/**
 * A running metering job whose feedback goes quiet for longer than its idleness: event time must
 * stand still (the contracts' side idle too), so the month stays open; the calls after the pause
 * are this month's usage, not corrections of a month closed by a watermark nobody sent.
 */
class MeteringIdleIT {
  static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");

  @Test
  void aQuietStreamClosesNoMonth() throws Exception {
    try (KafkaFixture kafka = new KafkaFixture()) {
      String text = MeteringIT.contract("bank-a", "{amount: \"0.0028\", currency: CNY, per: call}");
      String version = MeteringIT.version(text);
      EventWriter w = new EventWriter(new byte[] {1});
      try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
        p.send(
            new ProducerRecord<>(
                Topics.POLICIES,
                "ct-bank-a".getBytes(StandardCharsets.UTF_8),
                text.getBytes(StandardCharsets.UTF_8)));
        p.flush();
      }
      MeteringJob.Settings s = new MeteringJob.Settings();
      s.bootstrapServers = kafka.bootstrap();
      String run = UUID.randomUUID().toString().substring(0, 8);
      s.groupId = "meter-idle-" + run;
      s.transactionalIdPrefix = "meter-idle-" + run;
      s.checkpointIntervalMs = 500;
      s.idlenessMs = 1000;
      s.idleFlushMs = 500;
      Configuration conf = new Configuration();
      try (LocalFlink flink = LocalFlink.start(conf, 1)) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        MeteringJob.build(env, s);
        JobID job = flink.submit(env, "metering-idle");
        flink.awaitRunning(job, Duration.ofMinutes(1));
        send(kafka, w, version, 0, 50);
        List<JsonNode> first = awaitCalls(kafka, flink, job, 50);
        // quiet for four idleness periods: every partition idle, the contracts' side idle
        Thread.sleep(4 * s.idlenessMs); // the pause is the test's subject, not a wait for a result
        send(kafka, w, version, 50, 30);
        List<JsonNode> all = awaitCalls(kafka, flink, job, 80);
        flink.cancel(job);
        for (JsonNode d : all) {
          assertThat(d.get("final").asBoolean()).as("a month closed: %s", d).isFalse();
          // this month's (or last month's, if the test ran across midnight of the 1st)
          assertThat(YearMonth.parse(d.get("period").asText()))
              .isBetween(YearMonth.now(SHANGHAI).minusMonths(1), YearMonth.now(SHANGHAI));
          assertThat(d.get("corrections")).as("corrections: %s", d).isEmpty();
        }
        assertThat(first).isNotEmpty();
      }
    }
  }

  static void send(KafkaFixture kafka, EventWriter w, String version, int from, int n)
      throws Exception {
    try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
      for (int i = from; i < from + n; i++) {
        CallRecord c = new CallRecord();
        c.id = "c-" + i;
        c.consumer = "bank-a";
        c.dataset = "credit-report";
        c.action = "read";
        c.purpose = "credit-assessment";
        c.records = 1;
        c.ts = System.currentTimeMillis() - 1000;
        c.ingestTs = c.ts;
        c.partition = 0;
        c.offset = i;
        p.send(
            new ProducerRecord<>(
                Topics.FEEDBACK,
                w.feedback(c, "PERMIT", 0, "ct-bank-a", version, "sh-credit-bureau", c.ts + 1)));
      }
      p.flush();
    }
  }

  /** The committed usage once its latest running total counts {@code calls} calls. */
  static List<JsonNode> awaitCalls(KafkaFixture kafka, LocalFlink flink, JobID job, long calls)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (true) {
      List<JsonNode> all = new ArrayList<>();
      kafka.facts.readAll(
          Topics.USAGE, IsolationLevel.READ_COMMITTED, r -> all.add(UsageRecords.data(r.value())));
      long counted = 0;
      if (!all.isEmpty()) {
        JsonNode last = all.get(all.size() - 1);
        for (JsonNode b : last.get("billable")) {
          counted += b.get("calls").asLong();
        }
        for (JsonNode c : last.get("corrections")) {
          counted += c.get("calls").asLong();
        }
      }
      if (counted >= calls) {
        return all;
      }
      assertThat(System.nanoTime()).as("usage counting %d calls", calls).isLessThan(deadline);
      flink.check(job);
      Thread.sleep(200); // polls committed records: there is no event to wait on
    }
  }
}
