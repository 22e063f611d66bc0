package io.tollgate.dev;

import io.tollgate.enforcement.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Streams vehicle telemetry to {@code tollgate.calls} at a fixed rate: {@code vehicles} vehicles
 * driving around Shanghai, each reporting {@code hz} times a second, each report a data call of one
 * of several consumers. The mix reaches every outcome: most calls are within the city traffic lab's
 * contract, some ask for a purpose it does not allow, the research institute, fleet analytics and
 * the insurer exceed their rates, and an unknown broker has no contract at all. (Fleet analytics
 * and the insurer also meet their contracts' hours, days and validity, so their mix of outcomes
 * depends on the clock; the rest does not.)
 */
public final class DemoProducer implements Runnable {
  private final String bootstrap;
  private final int vehicles;
  private final int hz;
  private final long maxCalls;
  private final AtomicLong sent = new AtomicLong();
  private volatile boolean running = true;
  private volatile Throwable failure;

  public DemoProducer(String bootstrap, int vehicles, int hz, long maxCalls) {
    this.bootstrap = bootstrap;
    this.vehicles = vehicles;
    this.hz = hz;
    this.maxCalls = maxCalls;
  }

  private long rampNanos;

  /**
   * Starts at no calls and raises the rate evenly to the full one over {@code ramp} (so that the
   * consumer's code is compiled at a rate it can take), then holds it.
   */
  public DemoProducer rampingOver(java.time.Duration ramp) {
    this.rampNanos = ramp.toNanos();
    return this;
  }

  /** Calls due {@code elapsed} ns after the start: the integral of the (ramping) rate. */
  long due(long elapsedNanos, long perSecond) {
    if (elapsedNanos < rampNanos) {
      // rate(t) = perSecond * t / ramp, so due(t) = perSecond * t^2 / (2 ramp)
      double t = elapsedNanos / 1e9;
      return (long) (perSecond * t * t / (2 * (rampNanos / 1e9)));
    }
    long after = (elapsedNanos - rampNanos) / 1_000_000L * perSecond / 1000L; // ms: no overflow
    return perSecond * rampNanos / 2_000_000_000L + after;
  }

  public long sent() {
    return sent.get();
  }

  /** Why the producer stopped on its own, or null. */
  public Throwable failure() {
    return failure;
  }

  public void stop() {
    running = false;
  }

  @Override
  public void run() {
    try {
      produce();
    } catch (Throwable t) {
      failure = t;
    }
  }

  private void produce() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 65536);
    SplittableRandom rnd = new SplittableRandom(2026);
    double[] lat = new double[vehicles];
    double[] lon = new double[vehicles];
    for (int v = 0; v < vehicles; v++) {
      lat[v] = 30.95 + rnd.nextDouble() * 0.45;
      lon[v] = 121.20 + rnd.nextDouble() * 0.60;
    }
    long perSecond = (long) vehicles * hz;
    long start = System.nanoTime();
    long seq = 0;
    StringBuilder b = new StringBuilder(512);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      while (running && (maxCalls <= 0 || seq < maxCalls)) {
        long due = due(System.nanoTime() - start, perSecond);
        if (seq >= due) {
          LockSupport.parkNanos(1_000_000);
          continue;
        }
        long now = System.currentTimeMillis();
        for (; seq < due && running && (maxCalls <= 0 || seq < maxCalls); seq++) {
          int v = (int) (seq % vehicles);
          lat[v] += (rnd.nextDouble() - 0.5) * 0.0004;
          lon[v] += (rnd.nextDouble() - 0.5) * 0.0004;
          int mix = rnd.nextInt(100);
          String consumer;
          String purpose;
          String action = "stream";
          if (mix < 62) {
            consumer = "city-traffic-lab";
            purpose = "traffic-optimisation";
          } else if (mix < 66) {
            consumer = "city-traffic-lab";
            purpose = "advertising";
          } else if (mix < 71) {
            consumer = "road-research-institute";
            purpose = "road-safety-research";
          } else if (mix < 88) {
            consumer = "fleet-analytics";
            purpose = "traffic-optimisation";
          } else if (mix < 95) {
            consumer = "ubi-insurer";
            purpose = "usage-based-insurance";
            action = "read";
          } else {
            consumer = "data-broker-x";
            purpose = "marketing";
          }
          b.setLength(0);
          b.append("{\"v\":1,\"id\":\"d-")
              .append(seq)
              .append("\",\"ts\":")
              .append(now)
              .append(",\"consumer\":\"")
              .append(consumer)
              .append("\",\"dataset\":\"vehicle-telemetry\",\"action\":\"")
              .append(action)
              .append("\",\"purpose\":\"")
              .append(purpose)
              .append("\",\"region\":\"CN-SH\",\"location\":{\"lat\":")
              .append(round(lat[v]))
              .append(",\"lon\":")
              .append(round(lon[v]))
              .append("},\"channel\":\"kafka\",\"payload\":{\"vehicle_id\":\"SH-A")
              .append(10000 + v)
              .append("\",\"ts\":")
              .append(now)
              .append(",\"lat\":")
              .append(round(lat[v]))
              .append(",\"lon\":")
              .append(round(lon[v]))
              .append(",\"speed\":")
              .append(rnd.nextInt(90))
              .append(",\"heading\":")
              .append(rnd.nextInt(360))
              .append(",\"driver_phone\":\"1380000")
              .append(1000 + v % 9000)
              .append("\"}}");
          byte[] key = (consumer + "|vehicle-telemetry").getBytes(StandardCharsets.UTF_8);
          producer.send(
              new ProducerRecord<>(
                  Topics.CALLS, key, b.toString().getBytes(StandardCharsets.UTF_8)));
          sent.incrementAndGet();
        }
      }
      producer.flush();
    }
  }

  private static double round(double d) {
    return Math.round(d * 1e5) / 1e5;
  }
}
