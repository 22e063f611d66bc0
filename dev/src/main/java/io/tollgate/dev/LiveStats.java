package io.tollgate.dev;

import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.records.EventReader;
import io.tollgate.enforcement.records.FeedbackEvent;
import io.tollgate.enforcement.records.MalformedRecordException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads what the enforcement job committed ({@code read_committed}) on the feedback, delivered and
 * dead-letter topics and prints one line a second: calls decided, each outcome, deliveries, dead
 * letters, and two latencies from the call's broker time: to the decision, and to the feedback
 * event becoming visible to a committed reader (which includes the wait for the checkpoint that
 * commits it).
 */
public final class LiveStats implements Runnable {
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  /** Totals since start. */
  public static final class Totals {
    public long calls;
    public long permitted;
    public long denied;
    public long throttled;
    public long delivered;
    public long deadLetters;

    /** Requests decided by the HTTP gateway (counted apart from the stream's calls). */
    public long gatewayRequests;

    /** Of those, the ones answered 2xx. */
    public long gatewayOk;

    /** Billable calls in the metering job's latest running totals ({@code tollgate.usage}). */
    public long billedCalls;

    /** Their amounts, by currency, as the metering job priced them. */
    public Map<String, java.math.BigDecimal> billed = new java.util.TreeMap<>();

    @Override
    public String toString() {
      return String.format(
              "%,d calls: %,d permitted, %,d denied, %,d throttled; %,d delivered, %,d dead letters;"
                  + " gateway: %,d requests, %,d answered 2xx",
              calls,
              permitted,
              denied,
              throttled,
              delivered,
              deadLetters,
              gatewayRequests,
              gatewayOk)
          + String.format("; metering: %,d billable calls, %s", billedCalls, amounts(billed));
    }
  }

  private final String bootstrap;
  private final PrintWriter out;
  private final Totals totals = new Totals();
  private final java.util.concurrent.atomic.AtomicLong malformed =
      new java.util.concurrent.atomic.AtomicLong();
  private volatile boolean running = true;
  private volatile Map<TopicPartition, Long> ends;
  private final java.util.concurrent.atomic.AtomicLong deadLettersSeen =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong feedbackSeen =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong permitsSeen =
      new java.util.concurrent.atomic.AtomicLong();

  public LiveStats(String bootstrap, PrintWriter out) {
    this.bootstrap = bootstrap;
    this.out = out;
  }

  public synchronized Totals totals() {
    Totals t = new Totals();
    t.calls = totals.calls;
    t.permitted = totals.permitted;
    t.denied = totals.denied;
    t.throttled = totals.throttled;
    t.delivered = totals.delivered;
    t.deadLetters = totals.deadLetters;
    t.gatewayRequests = totals.gatewayRequests;
    t.gatewayOk = totals.gatewayOk;
    t.billedCalls = billedCalls();
    t.billed = billed();
    return t;
  }

  // the latest revision of each usage key's month: its billable calls and amount
  private final Map<String, Object[]> usage = new java.util.HashMap<>();
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private synchronized void usage(byte[] value) {
    try {
      com.fasterxml.jackson.databind.JsonNode d = JSON.readTree(value).path("data");
      String k =
          d.path("consumer").asText()
              + "|"
              + d.path("provider").asText()
              + "|"
              + d.path("contract").asText()
              + "|"
              + d.path("dataset").asText()
              + "|"
              + d.path("period").asText();
      long rev = d.path("revision").asLong(); // read last, latest: offset order per partition
      long calls = 0;
      for (com.fasterxml.jackson.databind.JsonNode b : d.path("billable")) {
        calls += b.path("calls").asLong();
      }
      for (com.fasterxml.jackson.databind.JsonNode b : d.path("corrections")) {
        calls += b.path("calls").asLong();
      }
      java.math.BigDecimal amount =
          d.hasNonNull("amount") ? new java.math.BigDecimal(d.get("amount").asText()) : null;
      usage.put(k, new Object[] {rev, calls, amount, d.path("currency").asText("")});
    } catch (java.io.IOException | RuntimeException e) {
      malformed.incrementAndGet();
    }
  }

  /** Billable calls (with corrections) in the latest revisions read from {@code tollgate.usage}. */
  public synchronized long billedCalls() {
    long n = 0;
    for (Object[] u : usage.values()) {
      n += (long) u[1];
    }
    return n;
  }

  /** Permitted calls read from {@code tollgate.feedback}, the stream's and the gateway's. */
  public long permitsSeen() {
    return permitsSeen.get();
  }

  /** Their amounts by currency, as the metering job priced them. */
  public Map<String, java.math.BigDecimal> billedAmounts() {
    return billed();
  }

  private synchronized Map<String, java.math.BigDecimal> billed() {
    Map<String, java.math.BigDecimal> m = new java.util.TreeMap<>();
    for (Object[] u : usage.values()) {
      if (u[2] != null && !((String) u[3]).isEmpty()) {
        m.merge((String) u[3], (java.math.BigDecimal) u[2], java.math.BigDecimal::add);
      }
    }
    return m;
  }

  /** Billable calls in usage that could not be priced (not in the amounts). */
  public synchronized long unpricedCalls() {
    long n = 0;
    for (Object[] u : usage.values()) {
      if (u[2] == null) {
        n += (long) u[1];
      }
    }
    return n;
  }

  public static String amounts(Map<String, java.math.BigDecimal> m) {
    if (m.isEmpty()) {
      return "-";
    }
    StringBuilder b = new StringBuilder();
    m.forEach(
        (c, a) ->
            b.append(b.length() == 0 ? "" : " + ").append(c).append(' ').append(a.toPlainString()));
    return b.toString();
  }

  /** Feedback events read so far (the per-second totals lag by up to a second). */
  private final Map<String, Long> httpPermits = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * The contract under which the gateway permitted the most requests so far ({@code fallback} when
   * none): which one applies depends on the hour (a contract may hold only in business hours).
   */
  public String busiestGatewayContract(String fallback) {
    return httpPermits.entrySet().stream()
        .max(Map.Entry.comparingByValue())
        .map(Map.Entry::getKey)
        .orElse(fallback);
  }

  public long feedbackSeen() {
    return feedbackSeen.get();
  }

  /**
   * Feedback events and dead letters read so far: once the job has committed everything, every call
   * sent is one of the two.
   */
  public long answered() {
    return feedbackSeen.get() + deadLettersSeen.get();
  }

  /** Stops at once, whatever is left unread. */
  public void stop() {
    running = false;
  }

  /**
   * Stops once every partition of the three topics has been read up to {@code ends} (offsets a
   * {@code read_committed} reader sees as the end), after a last line of figures: then the totals
   * count exactly what was committed up to there.
   */
  private volatile long warmingUntil;

  /** Until then (epoch ms), the live line says the traffic is still ramping up ("warming"). */
  public void warmingUntil(long epochMillis) {
    this.warmingUntil = epochMillis;
  }

  public void stopAt(Map<TopicPartition, Long> ends) {
    this.ends = Map.copyOf(ends);
  }

  @Override
  public void run() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20_000);
    Histogram decision = new Histogram(3_600_000L, 3);
    Histogram visible = new Histogram(3_600_000L, 3);
    long[] second = new long[8];
    long nextPrint = System.currentTimeMillis() + 1000;
    out.printf(
        "%-8s %9s %9s %9s %9s %9s %5s   %-17s %-17s %8s %8s   %s%n",
        "time",
        "calls/s",
        "permit",
        "deny",
        "throttle",
        "delivered",
        "dlq",
        "decision p50/p99",
        "visible p50/p99",
        "http/s",
        "http ok",
        "billed (metering)");
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      for (String t : List.of(Topics.FEEDBACK, Topics.DELIVERED, Topics.DLQ, Topics.USAGE)) {
        c.partitionsFor(t, Duration.ofSeconds(30))
            .forEach(i -> parts.add(new TopicPartition(t, i.partition())));
      }
      c.assign(parts);
      c.seekToBeginning(parts);
      boolean last = false;
      while (running && !last) {
        var batch = c.poll(Duration.ofMillis(100));
        long now = System.currentTimeMillis();
        for (ConsumerRecord<byte[], byte[]> r : batch) {
          switch (r.topic()) {
            case Topics.FEEDBACK:
              feedback(r.value(), now, second, decision, visible);
              break;
            case Topics.DELIVERED:
              second[4]++;
              break;
            case Topics.USAGE:
              usage(r.value());
              break;
            default:
              second[5]++;
              deadLettersSeen.incrementAndGet();
          }
        }
        Map<TopicPartition, Long> stopAt = ends;
        if (stopAt != null
            && parts.stream().allMatch(tp -> c.position(tp) >= stopAt.getOrDefault(tp, 0L))) {
          last = true; // read all that was committed: fold in and print the last figures
        }
        if (now >= nextPrint || last) {
          synchronized (this) {
            totals.calls += second[0];
            totals.permitted += second[1];
            totals.denied += second[2];
            totals.throttled += second[3];
            totals.delivered += second[4];
            totals.deadLetters += second[5];
            totals.gatewayRequests += second[6];
            totals.gatewayOk += second[7];
          }
          // the last line only when it adds something: it closes the figures, not a second
          if (!last || java.util.Arrays.stream(second).anyMatch(n -> n > 0)) {
            out.printf(
                "%-8s %,9d %,9d %,9d %,9d %,9d %,5d   %-17s %-17s %,8d %,8d   %s%n",
                LocalTime.now().format(CLOCK),
                second[0],
                second[1],
                second[2],
                second[3],
                second[4],
                second[5],
                ms(decision),
                ms(visible),
                second[6],
                second[7],
                String.format(
                        "%,d calls, %s%s",
                        billedCalls(),
                        amounts(billed()),
                        unpricedCalls() == 0
                            ? ""
                            : String.format(" (%,d not priced)", unpricedCalls()))
                    + (now < warmingUntil ? "   warming: rate ramping up" : ""));
          }
          java.util.Arrays.fill(second, 0);
          decision.reset();
          visible.reset();
          nextPrint += 1000;
          if (nextPrint < now) {
            nextPrint = now + 1000;
          }
        }
      }
    }
  }

  private static String ms(Histogram h) {
    if (h.getTotalCount() == 0) {
      return "-";
    }
    return h.getValueAtPercentile(50) + "/" + h.getValueAtPercentile(99) + " ms";
  }

  private void feedback(
      byte[] value, long now, long[] second, Histogram decision, Histogram visible) {
    FeedbackEvent e;
    try {
      e = EventReader.feedback(value);
    } catch (MalformedRecordException ex) {
      malformed.incrementAndGet();
      return;
    }
    if (e.decision() == io.tollgate.policy.Outcome.PERMIT) {
      permitsSeen.incrementAndGet();
    }
    if (e.http()) {
      if (e.contract() != null && e.decision() == io.tollgate.policy.Outcome.PERMIT) {
        httpPermits.merge(e.contract(), 1L, Long::sum);
      }
      second[6]++; // the gateway's requests: apart from the stream's calls and latencies
      if (e.status() / 100 == 2) {
        second[7]++;
      }
      return;
    }
    second[0]++;
    feedbackSeen.incrementAndGet();
    switch (e.decision()) {
      case PERMIT -> second[1]++;
      case THROTTLE -> second[3]++;
      default -> second[2]++;
    }
    decision.recordValue(Math.max(0, Math.min(3_600_000L, e.decisionLatencyMillis())));
    visible.recordValue(Math.max(0, Math.min(3_600_000L, now - e.ingestTime())));
  }
}
