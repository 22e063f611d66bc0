package io.tollgate.flink.dev;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tollgate.flink.kafka.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Properties;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
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

    @Override
    public String toString() {
      return String.format("%,d calls: %,d permitted, %,d denied, %,d throttled; %,d delivered, %,d dead letters",
          calls, permitted, denied, throttled, delivered, deadLetters);
    }
  }

  private final String bootstrap;
  private final PrintStream out;
  private final Totals totals = new Totals();
  private final JsonFactory json = new JsonFactory();
  private volatile boolean running = true;
  private final java.util.concurrent.atomic.AtomicLong feedbackSeen = new java.util.concurrent.atomic.AtomicLong();

  public LiveStats(String bootstrap, PrintStream out) {
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
    return t;
  }

  /** Feedback events read so far (the per-second totals lag by up to a second). */
  public long feedbackSeen() {
    return feedbackSeen.get();
  }

  public void stop() {
    running = false;
  }

  @Override
  public void run() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "tollgate-live-stats-" + ProcessHandle.current().pid());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20_000);
    Histogram decision = new Histogram(3_600_000L, 3);
    Histogram visible = new Histogram(3_600_000L, 3);
    long[] second = new long[6];
    long nextPrint = System.currentTimeMillis() + 1000;
    out.printf("%-8s %9s %9s %9s %9s %9s %5s   %-17s %-17s%n", "time", "calls/s", "permit", "deny", "throttle",
        "delivered", "dlq", "decision p50/p99", "visible p50/p99");
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(Topics.FEEDBACK, Topics.DELIVERED, Topics.DLQ));
      while (running) {
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
            default:
              second[5]++;
          }
        }
        if (now >= nextPrint) {
          synchronized (this) {
            totals.calls += second[0];
            totals.permitted += second[1];
            totals.denied += second[2];
            totals.throttled += second[3];
            totals.delivered += second[4];
            totals.deadLetters += second[5];
          }
          out.printf("%-8s %,9d %,9d %,9d %,9d %,9d %,5d   %-17s %-17s%n", LocalTime.now().format(CLOCK),
              second[0], second[1], second[2], second[3], second[4], second[5],
              ms(decision), ms(visible));
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

  private void feedback(byte[] value, long now, long[] second, Histogram decision, Histogram visible) {
    String outcome = null;
    long ingest = 0;
    long decided = 0;
    try (JsonParser p = json.createParser(value)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        switch (name) {
          case "decision":
            outcome = p.getText();
            break;
          case "ingestTime":
            ingest = p.getLongValue();
            break;
          case "decisionTime":
            decided = p.getLongValue();
            break;
          default:
            p.skipChildren();
        }
      }
    } catch (IOException e) {
      return;
    }
    second[0]++;
    feedbackSeen.incrementAndGet();
    if ("PERMIT".equals(outcome)) {
      second[1]++;
    } else if ("THROTTLE".equals(outcome)) {
      second[3]++;
    } else {
      second[2]++;
    }
    decision.recordValue(Math.max(0, Math.min(3_600_000L, decided - ingest)));
    visible.recordValue(Math.max(0, Math.min(3_600_000L, now - ingest)));
  }
}
