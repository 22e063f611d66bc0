package io.tollgate.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.dev.LocalFlink;
import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.records.CallRecord;
import io.tollgate.enforcement.records.EventReader;
import io.tollgate.enforcement.records.EventWriter;
import io.tollgate.enforcement.records.FeedbackEvent;
import io.tollgate.flink.metering.Metered;
import io.tollgate.flink.metering.MeteringJob;
import io.tollgate.metering.Reconciliation;
import io.tollgate.metering.UsageRecords;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.Test;

/**
 * The metering job's failure drill: a task fails in the middle of 500,000 feedback events (with 5 %
 * duplicates, some of them across the failure), the job restores from its last checkpoint and
 * finishes. Afterwards the reconciliation of {@code tollgate.feedback} with {@code tollgate.usage}
 * finds no difference, and no usage record id appears twice among the committed records.
 */
class MeteringFailureIT {
  static final int EVENTS = 500_000;

  /** Subtask 0's first attempt fails after {@code after} events; later attempts pass all. */
  static final class FailOnce extends RichMapFunction<Metered, Metered> {
    private static final long serialVersionUID = 1L;
    // the MiniCluster runs in this JVM: the test sees that the drill happened
    static final java.util.concurrent.atomic.AtomicInteger FAILED =
        new java.util.concurrent.atomic.AtomicInteger();
    private final long after;
    private transient boolean armed;
    private transient long seen;

    FailOnce(long after) {
      this.after = after;
    }

    @Override
    public void open(OpenContext ctx) {
      var task = getRuntimeContext().getTaskInfo();
      armed = task.getIndexOfThisSubtask() == 0 && task.getAttemptNumber() == 0;
    }

    @Override
    public Metered map(Metered m) {
      if (armed && ++seen > after) {
        FAILED.incrementAndGet();
        throw new IllegalStateException("failure drill: metering fails after " + after + " events");
      }
      return m;
    }
  }

  @Test
  void aTaskFailureMidStreamLosesNothingAndCountsNothingTwice() throws Exception {
    try (KafkaFixture kafka = new KafkaFixture()) {
      String a = MeteringIT.contract("bank-a", "{amount: \"0.0028\", currency: CNY, per: call}");
      String b =
          MeteringIT.contract(
              "bank-b",
              "{currency: CNY, per: record, tiers: {mode: graduated, steps: [{upTo: 100000,"
                  + " amount: 0.01}, {amount: 0.004}]}, commission: {rate: 0.05}}");
      String va = MeteringIT.version(a);
      String vb = MeteringIT.version(b);
      EventWriter w = new EventWriter(new byte[] {1});
      Random r = new Random(11);
      // in the past (a broker refuses record times over an hour ahead), across the boundary of
      // last month in Shanghai
      java.time.LocalDate lastMonth =
          java.time.LocalDate.now(ZoneId.of("Asia/Shanghai")).withDayOfMonth(1).minusMonths(1);
      long from =
          lastMonth.atStartOfDay(ZoneId.of("Asia/Shanghai")).toInstant().toEpochMilli()
              - Duration.ofDays(10).toMillis();
      long span = Duration.ofDays(20).toMillis(); // across the month boundary in Shanghai
      List<byte[]> sent = new ArrayList<>(EVENTS);
      try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
        p.send(new ProducerRecord<>(Topics.POLICIES, bytes("ct-bank-a"), bytes(a)));
        p.send(new ProducerRecord<>(Topics.POLICIES, bytes("ct-bank-b"), bytes(b)));
        int duplicates = 0;
        for (int i = 0; i < EVENTS; i++) {
          boolean first = r.nextBoolean();
          CallRecord c = new CallRecord();
          c.id = "c-" + i;
          c.consumer = first ? "bank-a" : "bank-b";
          c.dataset = "credit-report";
          c.action = "read";
          c.purpose = "credit-assessment";
          c.records = 1 + r.nextInt(4);
          c.bytes = 200 + r.nextInt(800);
          // in event-time order, with a little disorder
          c.ts = from + (span * i) / EVENTS + r.nextInt(2000);
          c.ingestTs = c.ts;
          c.partition = i % 3;
          c.offset = i / 3;
          boolean permit = r.nextInt(10) != 0;
          byte[] v =
              w.feedback(
                  c,
                  permit ? "PERMIT" : "DENY",
                  permit ? 0 : io.tollgate.policy.Reason.PURPOSE.bit(),
                  "ct-" + c.consumer,
                  first ? va : vb,
                  "sh-credit-bureau",
                  c.ts + 2);
          sent.add(v);
          p.send(new ProducerRecord<>(Topics.FEEDBACK, null, c.ts + 5, null, v));
          if (i > 1000 && r.nextInt(20) == 0) { // 5 %: an earlier event again, up to 1,000 back
            p.send(
                new ProducerRecord<>(
                    Topics.FEEDBACK, null, c.ts + 5, null, sent.get(i - r.nextInt(1000))));
            duplicates++;
          }
        }
        p.flush();
        assertThat(duplicates).isGreaterThan(EVENTS / 25);
      }

      MeteringJob.Settings s = new MeteringJob.Settings();
      s.bootstrapServers = kafka.bootstrap();
      String run = UUID.randomUUID().toString().substring(0, 8);
      s.groupId = "meter-drill-" + run;
      s.transactionalIdPrefix = "meter-drill-" + run;
      s.checkpointIntervalMs = 500;
      s.parallelism = 2;
      s.bounded = true;
      Configuration conf = new Configuration();
      conf.setString("restart-strategy.type", "fixed-delay");
      conf.setString("restart-strategy.fixed-delay.attempts", "3");
      conf.setString("restart-strategy.fixed-delay.delay", "500 ms");
      try (LocalFlink flink = LocalFlink.start(conf, 2)) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        // subtask 0 reads about half the events: it fails in the middle of its share
        MeteringJob.build(
            env, s, in -> in.map(new FailOnce(EVENTS / 4)).returns(Metered.class).name("drill"));
        JobID job = flink.submit(env, "metering-drill");
        assertThat(flink.awaitEnd(job, Duration.ofMinutes(5))).isEqualTo(JobStatus.FINISHED);
      }

      // reconcile: usage first (it names the zones), then the feedback
      Reconciliation rec =
          new Reconciliation(
              YearMonth.from(lastMonth).minusMonths(1),
              YearMonth.from(lastMonth),
              ZoneId.of("Asia/Shanghai"));
      Set<String> ids = new HashSet<>();
      List<String> repeated = new ArrayList<>();
      long usage =
          kafka.facts.readAll(
              Topics.USAGE,
              IsolationLevel.READ_COMMITTED,
              x -> {
                JsonNode d = UsageRecords.data(x.value());
                String id = new String(x.value(), StandardCharsets.UTF_8);
                id = id.substring(id.indexOf("\"id\":\"") + 6, id.indexOf("\"id\":\"") + 38);
                if (!ids.add(id)) {
                  repeated.add(id);
                }
                assertThat(d.path("unpriced").isMissingNode() || d.path("unpriced").isNull())
                    .as("priced: %s", d)
                    .isTrue();
                rec.usage(d);
              });
      long feedback =
          kafka.facts.readAll(
              Topics.FEEDBACK,
              IsolationLevel.READ_COMMITTED,
              x -> {
                FeedbackEvent e = EventReader.feedback(x.value());
                rec.feedback(
                    e.id(),
                    e.consumer(),
                    e.provider(),
                    e.contract(),
                    e.dataset(),
                    e.decision() == io.tollgate.policy.Outcome.PERMIT,
                    Instant.parse(e.eventTime()).toEpochMilli(),
                    e.records(),
                    e.bytes());
              });
      long uncommitted =
          kafka.facts.readAll(Topics.USAGE, IsolationLevel.READ_UNCOMMITTED, x -> {});

      assertThat(feedback).isGreaterThan(EVENTS);
      assertThat(rec.duplicates()).as("duplicates read back").isGreaterThan(EVENTS / 25);
      assertThat(rec.permits()).isBetween(EVENTS * 85L / 100, EVENTS * 95L / 100);
      assertThat(rec.differences()).as("reconciliation").isEmpty();
      assertThat(repeated).as("usage ids seen twice").isEmpty();
      assertThat(usage).isGreaterThan(4);
      assertThat(FailOnce.FAILED.get()).as("the drill's failures").isEqualTo(1);
      assertThat(uncommitted)
          .as("usage records incl. aborted transactions")
          .isGreaterThanOrEqualTo(usage);
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
