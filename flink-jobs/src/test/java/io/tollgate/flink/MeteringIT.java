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

  static String contract(String consumer, String price) {
    return "contract: ct-"
        + consumer
        + "\nprovider: sh-credit-bureau\nconsumer: "
        + consumer
        + "\ndataset: credit-report\nactions: [read]\npurposes: [credit-assessment]\n"
        + "zone: Asia/Shanghai\nlimits: {quota: \"100000/day\"}\nprice: "
        + price
        + "\n";
  }

  static String version(String text) throws Exception {
    return new io.tollgate.policy.PolicyCompiler()
        .compile(
            new io.tollgate.policy.source.YamlContractSource()
                .read("it", null, text)
                .policies()
                .get(0))
        .version();
  }

  @Test
  void usageEqualsTheDistinctPermitsOfTheFeedbackMonthByMonth() throws Exception {
    try (KafkaFixture kafka = new KafkaFixture()) {
      // bank-a's price changes on the 3rd of last month (two versions on the topic); bank-b pays
      // tiers; fleet-c a subscription with an included quota, overage and commission
      Map<String, String> texts = new java.util.LinkedHashMap<>();
      texts.put("bank-a/1", contract("bank-a", "{amount: \"0.0028\", currency: CNY, per: call}"));
      texts.put("bank-a/2", contract("bank-a", "{amount: \"0.0031\", currency: CNY, per: call}"));
      texts.put(
          "bank-b/1",
          contract(
              "bank-b",
              "{currency: CNY, per: record, tiers: {mode: graduated, steps: [{upTo: 1000, amount:"
                  + " 0.01}, {amount: 0.004}]}}"));
      texts.put(
          "fleet-c/1",
          contract(
              "fleet-c",
              "{currency: CNY, per: call, subscription: {monthly: 30, included: 500, overage:"
                  + " 0.05}, commission: {rate: 0.1}}"));
      Map<String, String> versions = new HashMap<>();
      // (a lambda below cannot throw: versions are computed here)
      Map<String, io.tollgate.policy.model.Price> prices = new HashMap<>();
      try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
        for (Map.Entry<String, String> t : texts.entrySet()) {
          String consumer = t.getKey().substring(0, t.getKey().indexOf('/'));
          versions.put(t.getKey(), version(t.getValue()));
          prices.put(
              versions.get(t.getKey()),
              new io.tollgate.policy.source.YamlContractSource()
                  .read("it", null, t.getValue())
                  .policies()
                  .get(0)
                  .price());
          p.send(
              new ProducerRecord<>(
                  Topics.POLICIES,
                  ("ct-" + consumer).getBytes(StandardCharsets.UTF_8),
                  t.getValue().getBytes(StandardCharsets.UTF_8)));
        }
        p.flush();
      }
      // in the past (a broker refuses record times over an hour ahead), across the boundary of
      // last month in Shanghai: from five days before it to seven after
      java.time.LocalDate lastMonth =
          java.time.LocalDate.now(SHANGHAI).withDayOfMonth(1).minusMonths(1);
      long boundary = lastMonth.atStartOfDay(SHANGHAI).toInstant().toEpochMilli();
      long change = lastMonth.plusDays(2).atStartOfDay(SHANGHAI).toInstant().toEpochMilli();
      // key|month -> version -> usage, in the order versions were first used
      Map<String, Map<String, io.tollgate.metering.Usage>> usage = new HashMap<>();
      Random r = new Random(7);
      EventWriter w = new EventWriter(new byte[] {1});
      String[] consumers = {"bank-a", "bank-b", "fleet-c"};
      long from = boundary - Duration.ofDays(5).toMillis();
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
        c.ts = from + (long) (r.nextDouble() * Duration.ofDays(12).toMillis());
        c.ingestTs = c.ts;
        c.partition = 0;
        c.offset = i;
        String contract = "ct-" + c.consumer;
        boolean permit = r.nextInt(5) != 0;
        String version =
            versions.get(
                c.consumer + (c.consumer.equals("bank-a") && c.ts >= change ? "/2" : "/1"));
        byte[] v =
            w.feedback(
                c,
                permit ? "PERMIT" : "DENY",
                permit ? 0 : io.tollgate.policy.Reason.PURPOSE.bit(),
                contract,
                version,
                "sh-credit-bureau",
                c.ts + 3);
        String k =
            c.consumer
                + "|sh-credit-bureau|"
                + contract
                + "|credit-report|"
                + BillingPeriod.of(c.ts, SHANGHAI).id();
        (permit ? permits : denied).merge(k, 1L, Long::sum);
        if (permit) {
          usage
              .computeIfAbsent(k, x -> new java.util.TreeMap<>())
              .merge(
                  version,
                  new io.tollgate.metering.Usage(1, c.records, c.bytes),
                  io.tollgate.metering.Usage::plus);
        }
        order.add(new long[] {c.ts, sent.size()});
        sent.add(v);
      }
      // duplicates as retries make them: the same event again within minutes of the first
      for (int i = 0; i < n / 20; i++) {
        long[] o = order.get(r.nextInt(n));
        order.add(new long[] {o[0] + r.nextInt(600_000), o[1]});
      }
      try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
        order.sort((a, b) -> Long.compare(a[0], b[0]));
        // record timestamps as an enforcement point's producer gives them: just after the event
        long last = 0;
        for (long[] o : order) {
          p.send(new ProducerRecord<>(Topics.FEEDBACK, null, o[0] + 5, null, sent.get((int) o[1])));
          last = o[0] + 5;
        }
        // and a replay after the last event of the last two days' events: still within the
        // retention of every one of them (an id is remembered for the grace plus the retention
        // after its month closed or after the watermark it came with, whichever is later), so
        // they count once whenever the watermark gets there. A duplicate of an event closed and
        // forgotten days ago would count again, as a correction (UsageLedger's javadoc).
        List<long[]> recent = new ArrayList<>();
        for (long[] o : order) {
          if (o[0] >= last - Duration.ofDays(2).toMillis()) {
            recent.add(o);
          }
        }
        for (int i = 0; i < n / 20; i++) {
          long[] o = recent.get(r.nextInt(recent.size()));
          p.send(new ProducerRecord<>(Topics.FEEDBACK, null, last, null, sent.get((int) o[1])));
        }
        // a permit from the future (a year after its record): skipped, never closing months
        CallRecord future = new CallRecord();
        future.id = "c-future";
        future.consumer = "bank-a";
        future.dataset = "credit-report";
        future.action = "read";
        future.purpose = "credit-assessment";
        future.records = 1;
        future.ts = last + Duration.ofDays(365).toMillis();
        future.ingestTs = future.ts;
        future.partition = 1;
        future.offset = 1;
        p.send(
            new ProducerRecord<>(
                Topics.FEEDBACK,
                null,
                last,
                null,
                w.feedback(
                    future,
                    "PERMIT",
                    0,
                    "ct-bank-a",
                    versions.get("bank-a/2"),
                    "sh-credit-bureau",
                    future.ts)));
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

      Map<String, String> finalAmounts = new HashMap<>();
      Map<String, String> expectedAmounts = new HashMap<>();
      usage.forEach(
          (k, byVersion) -> {
            // versions in the order of first use: bank-a's v1 before v2 (by event time)
            List<String> vs = new ArrayList<>(byVersion.keySet());
            if (k.startsWith("bank-a") && vs.size() == 2) {
              String v1 = versions.get("bank-a/1");
              vs.remove(v1);
              vs.add(0, v1);
            }
            List<io.tollgate.metering.Pricing.VersionUsage> vu = new ArrayList<>();
            for (int i = 0; i < vs.size(); i++) {
              vu.add(
                  new io.tollgate.metering.Pricing.VersionUsage(
                      i + 1, prices.get(vs.get(i)), byVersion.get(vs.get(i))));
            }
            expectedAmounts.put(k, io.tollgate.metering.Pricing.month(vu).total().toPlainString());
          });
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
        assertThat(d.get("unpriced")).as(k).isNull();
        if (calls > 0) {
          finalAmounts.put(k, d.get("amount").asText());
          assertThat(d.get("zone").asText()).isEqualTo("Asia/Shanghai");
          assertThat(d.at("/quota/day/limit").asLong()).isEqualTo(100000);
        }
        finalDenied.put(k, d.get("refused").path("deny:purpose").asLong(0));
      }
      assertThat(finalCalls).isEqualTo(permits);
      assertThat(finalAmounts).isEqualTo(expectedAmounts);
      // the price change split bank-a's November between its two versions
      assertThat(
              usage
                  .get(
                      "bank-a|sh-credit-bureau|ct-bank-a|credit-report|"
                          + java.time.YearMonth.from(lastMonth))
                  .keySet())
          .hasSize(2);
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
