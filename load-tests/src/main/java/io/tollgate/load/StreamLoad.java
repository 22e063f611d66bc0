package io.tollgate.load;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tollgate.flink.EnforcementJob;
import io.tollgate.flink.dev.ContractRecords;
import io.tollgate.flink.kafka.KafkaBroker;
import io.tollgate.flink.kafka.Topics;
import io.tollgate.policy.PolicyCompiler;
import io.tollgate.policy.source.YamlContractSource;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The stream load: drives the enforcement job end to end, Kafka to Kafka, exactly once, with a
 * real broker on this machine, and reports side by side in one run:
 *
 * <ol>
 *   <li>throughput: {@code --calls} vehicle-telemetry calls (Zipf over consumers) are written to
 *       {@code tollgate.calls} first, then drained by the enforcement job, by the pass-through
 *       baseline (same sources, sinks and serialization, no policy work), and by the enforcement
 *       job on RocksDB state; progress is the committed offsets of each job's consumer group
 *       (committed only when a checkpoint, and with it the output transactions, completes);
 *   <li>latency at {@code --rate-fraction} of the enforcement peak: a live producer at that rate,
 *       decision latency (call's broker time to decision) and visible latency (to the feedback
 *       event being readable by a {@code read_committed} consumer), after a warm-up;
 *   <li>policy-change delay: a new version of the busiest consumer's contract is published in the
 *       middle of the latency run; the delay is publish to the first decision under it.
 * </ol>
 *
 * Bounded: it stops by itself, and everything runs on loopback.
 */
@Command(name = "stream-load", mixinStandardHelpOptions = true,
    description = "End-to-end load of the enforcement job (Kafka to Kafka, exactly once) against its pass-through baseline.")
public final class StreamLoad implements Callable<Integer> {
  @Option(names = "--calls", defaultValue = "10000000", description = "Calls per throughput run (default: ${DEFAULT-VALUE}).")
  long calls;
  @Option(names = "--consumers", defaultValue = "1000", description = "Consumers, one contract each (default: ${DEFAULT-VALUE}).")
  int consumers;
  @Option(names = "--zipf", defaultValue = "1.0", description = "Zipf exponent of calls over consumers (default: ${DEFAULT-VALUE}).")
  double zipf;
  @Option(names = "--parallelism", defaultValue = "1", description = "Job parallelism; on 2 cores shared with the broker, 1 is fastest (default: ${DEFAULT-VALUE}).")
  int parallelism;
  @Option(names = "--checkpoint-interval-ms", defaultValue = "1000", description = "(default: ${DEFAULT-VALUE})")
  long checkpointIntervalMs;
  @Option(names = "--rocksdb", negatable = true, defaultValue = "true", fallbackValue = "true", description = "Also drain with RocksDB state (default: ${DEFAULT-VALUE}).")
  boolean rocksdb;
  @Option(names = "--rate-fraction", defaultValue = "0.8", description = "Latency run rate as a fraction of the enforcement peak; 0 skips it (default: ${DEFAULT-VALUE}).")
  double rateFraction;
  @Option(names = "--latency-seconds", defaultValue = "60", description = "Length of the latency run (default: ${DEFAULT-VALUE}).")
  int latencySeconds;
  @Option(names = "--state-dir", defaultValue = "load-tests/target/stream-load", description = "Broker and checkpoint state, removed at the end (default: ${DEFAULT-VALUE}).")
  Path stateDir;
  @Option(names = "--timeout-minutes", defaultValue = "20", description = "Give up on a drain after this long (default: ${DEFAULT-VALUE}).")
  long timeoutMinutes;

  @Option(names = "--sink-compression", defaultValue = "none", description = "Compression of the output batches; on loopback it only costs CPU (default: ${DEFAULT-VALUE}).")
  String sinkCompression;

  @Option(names = "--latency-only", description = "Skip the throughput runs; run the latency run at this many calls/s.")
  long latencyOnly;
  @Option(names = "--buffer-timeout-ms", defaultValue = "5", description = "(default: ${DEFAULT-VALUE})")
  long bufferTimeoutMs;

  private final PrintStream out = System.out;
  private String bootstrap;

  public static void main(String[] args) {
    System.exit(new CommandLine(new StreamLoad()).execute(args));
  }

  record Drain(String name, long calls, double seconds, double steadyRate, double overallRate) {}

  @Override
  public Integer call() throws Exception {
    Files.createDirectories(stateDir);
    KafkaBroker broker = KafkaBroker.temporary(stateDir.toAbsolutePath()).start();
    try {
      bootstrap = broker.bootstrapServers();
      Topics.create(bootstrap, parallelism);
      Map<String, String> contracts = new LinkedHashMap<>();
      for (int i = 0; i < consumers; i++) {
        contracts.put("load-" + i, Telemetry.contract(i, Telemetry.PURPOSES));
      }
      try (KafkaProducer<byte[], byte[]> p = producer()) {
        ContractRecords.publish(p, contracts);
      }
      out.printf(Locale.ROOT, "stream-load: broker %s, %d contracts, Zipf %.2f over %d consumers (top consumer %.1f %% of calls)%n",
          bootstrap, consumers, zipf, consumers, 100 * new Zipf(consumers, zipf).share(0));

      if (latencyOnly > 0) {
        // warm the JIT of the job and the broker first, as the full run's drains do
        produce(Math.min(calls, 3_000_000), 0, Duration.ofMinutes(timeoutMinutes));
        long warmCalls = calls;
        calls = Math.min(calls, 3_000_000);
        String group = "load-latency-" + UUID.randomUUID();
        drain("warm-up", group, false, "hashmap");
        calls = warmCalls;
        String latency = latencyRun(group, latencyOnly);
        out.print(latency);
        return 0;
      }
      long t = System.nanoTime();
      long written = produce(calls, 0, Duration.ofMinutes(timeoutMinutes));
      double produceSeconds = (System.nanoTime() - t) / 1e9;
      out.printf(Locale.ROOT, "stream-load: wrote %,d calls in %.1f s (%,.0f/s)%n", written, produceSeconds, written / produceSeconds);

      List<Drain> drains = new ArrayList<>();
      String enforceGroup = "load-enforce-" + UUID.randomUUID();
      drains.add(drain("enforcement, heap state", enforceGroup, false, "hashmap"));
      drains.add(drain("pass-through, heap state", "load-pass-" + UUID.randomUUID(), true, "hashmap"));
      if (rocksdb) {
        drains.add(drain("enforcement, RocksDB state", "load-rocks-" + UUID.randomUUID(), false, "rocksdb"));
        drains.add(drain("pass-through, RocksDB state", "load-pass-rocks-" + UUID.randomUUID(), true, "rocksdb"));
      }

      String latency = "";
      if (rateFraction > 0) {
        latency = latencyRun(enforceGroup, drains.get(0).steadyRate() * rateFraction);
      }

      StringBuilder report = new StringBuilder();
      report.append(String.format(Locale.ROOT, "%n| run | calls | seconds | steady calls/s | overall calls/s |%n|---|---:|---:|---:|---:|%n"));
      for (Drain d : drains) {
        report.append(String.format(Locale.ROOT, "| %s | %,d | %.1f | %,.0f | %,.0f |%n", d.name(), d.calls(), d.seconds(),
            d.steadyRate(), d.overallRate()));
      }
      report.append(String.format(Locale.ROOT, "%nenforcement / pass-through, heap: %.2f%n", drains.get(0).steadyRate() / drains.get(1).steadyRate()));
      if (rocksdb) {
        report.append(String.format(Locale.ROOT, "enforcement / pass-through, RocksDB: %.2f%n", drains.get(2).steadyRate() / drains.get(3).steadyRate()));
      }
      report.append(latency);
      out.print(report);
      Path md = stateDir.resolve("report.md");
      Files.writeString(md, report.toString());
      out.println("stream-load: report written to " + md);
      return 0;
    } finally {
      broker.close();
      deleteQuietly(broker.directory());
    }
  }

  private Drain drain(String name, String group, boolean passThrough, String backend) throws Exception {
    EnforcementJob.Settings s = new EnforcementJob.Settings().bootstrapServers(bootstrap);
    s.groupId = group;
    s.transactionalIdPrefix = group;
    s.parallelism = parallelism;
    s.passThrough = passThrough;
    s.stateBackend = backend;
    s.checkpointIntervalMs = checkpointIntervalMs;
    s.sinkCompression = sinkCompression;
    s.bufferTimeoutMs = bufferTimeoutMs;
    s.checkpointDir = stateDir.resolve("checkpoints").toAbsolutePath().toUri().toString();
    out.printf("stream-load: %s: draining %,d calls ...%n", name, calls);
    try (RunningJob job = new RunningJob(s)) {
      List<long[]> samples = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(timeoutMinutes);
      long lastPrint = 0;
      while (true) {
        long done = committed(group);
        long now = System.nanoTime();
        samples.add(new long[] {now, done});
        if (done >= calls) {
          break;
        }
        if (now > deadline) {
          throw new IllegalStateException(name + ": only " + done + " of " + calls + " calls after " + timeoutMinutes + " min");
        }
        job.check();
        if (now - lastPrint > 10e9) {
          out.printf("stream-load:   %,d of %,d%n", done, calls);
          lastPrint = now;
        }
        Thread.sleep(250);
      }
      long[] first = samples.stream().filter(x -> x[1] > 0).findFirst().orElseThrow();
      long[] tenth = samples.stream().filter(x -> x[1] >= calls / 10).findFirst().orElseThrow();
      long[] last = samples.get(samples.size() - 1);
      double overall = (last[1]) / ((last[0] - first[0]) / 1e9);
      double steady = (last[1] - tenth[1]) / ((last[0] - tenth[0]) / 1e9);
      double seconds = (last[0] - first[0]) / 1e9;
      out.printf(Locale.ROOT, "stream-load: %s: %,.0f calls/s steady (after the first 10 %%), %,.0f overall%n", name, steady, overall);
      return new Drain(name, calls, seconds, steady, overall);
    }
  }

  private String latencyRun(String group, double rate) throws Exception {
    EnforcementJob.Settings s = new EnforcementJob.Settings().bootstrapServers(bootstrap);
    s.groupId = group; // its offsets sit at the end of the calls written so far
    s.transactionalIdPrefix = group + "-latency";
    s.parallelism = parallelism;
    s.checkpointIntervalMs = checkpointIntervalMs;
    s.sinkCompression = sinkCompression;
    s.bufferTimeoutMs = bufferTimeoutMs;
    s.checkpointDir = stateDir.resolve("checkpoints").toAbsolutePath().toUri().toString();
    long target = (long) rate;
    out.printf("stream-load: latency at %,d calls/s for %d s ...%n", target, latencySeconds);

    String newText = Telemetry.contract(0, "traffic-optimisation");
    String newVersion = new PolicyCompiler().compile(new YamlContractSource().read("load-0", null, newText).policies().get(0)).version();
    Histogram decision = new Histogram(3_600_000L, 3);
    Histogram visible = new Histogram(3_600_000L, 3);
    AtomicLong policyChangeDecided = new AtomicLong();
    try (RunningJob job = new RunningJob(s); KafkaConsumer<byte[], byte[]> c = committedConsumer()) {
      List<TopicPartition> parts = c.partitionsFor(Topics.FEEDBACK).stream()
          .map(pi -> new TopicPartition(Topics.FEEDBACK, pi.partition())).collect(Collectors.toList());
      c.assign(parts);
      c.seekToEnd(parts);
      parts.forEach(c::position);
      Thread.sleep(3000);
      long start = System.currentTimeMillis();
      long warm = start + Math.min(10_000, latencySeconds * 250L);
      long[] published = {0};
      Thread producer = new Thread(() -> produceAt(target, latencySeconds, () -> {
        published[0] = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> p = producer()) {
          ContractRecords.publish(p, Map.of("load-0", newText));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }), "latency-producer");
      producer.start();
      JsonFactory json = new JsonFactory();
      long end = start + latencySeconds * 1000L + 5000;
      while (System.currentTimeMillis() < end) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
          long now = System.currentTimeMillis();
          long ingest = 0;
          long decided = 0;
          String version = null;
          try (JsonParser jp = json.createParser(r.value())) {
            jp.nextToken();
            while (jp.nextToken() == JsonToken.FIELD_NAME) {
              String f = jp.currentName();
              jp.nextToken();
              switch (f) {
                case "ingestTime" -> ingest = jp.getLongValue();
                case "decisionTime" -> decided = jp.getLongValue();
                case "policyVersion" -> version = jp.getValueAsString();
                default -> jp.skipChildren();
              }
            }
          }
          if (ingest >= warm && ingest < start + latencySeconds * 1000L) {
            decision.recordValue(Math.max(0, Math.min(3_600_000L, decided - ingest)));
            visible.recordValue(Math.max(0, Math.min(3_600_000L, now - ingest)));
          }
          if (newVersion.equals(version) && policyChangeDecided.get() == 0) {
            policyChangeDecided.set(decided);
          }
        }
        job.check();
      }
      producer.join();
      double seconds = (start + latencySeconds * 1000L - warm) / 1000.0;
      String change = policyChangeDecided.get() == 0 ? "not observed"
          : (policyChangeDecided.get() - published[0]) + " ms";
      String share = latencyOnly > 0 ? "a latency-only run after a 3 M-call warm-up"
          : String.format(Locale.ROOT, "%.0f %% of the enforcement peak", rateFraction * 100);
      return String.format(Locale.ROOT, "%nlatency at %,d calls/s offered (%s), %,d decisions measured over %.0f s:%n"
          + "| latency | p50 | p99 | p99.9 | max |%n|---|---:|---:|---:|---:|%n"
          + "| decision (call in to decision) | %d ms | %d ms | %d ms | %d ms |%n"
          + "| visible (call in to committed feedback) | %d ms | %d ms | %d ms | %d ms |%n"
          + "%npolicy change (publish to first decision under the new version): %s%n",
          target, share, decision.getTotalCount(), seconds,
          decision.getValueAtPercentile(50), decision.getValueAtPercentile(99), decision.getValueAtPercentile(99.9), decision.getMaxValue(),
          visible.getValueAtPercentile(50), visible.getValueAtPercentile(99), visible.getValueAtPercentile(99.9), visible.getMaxValue(),
          change);
    }
  }

  /** Writes {@code n} calls as fast as the broker takes them; returns how many. */
  private long produce(long n, long rate, Duration timeout) throws Exception {
    Telemetry tel = new Telemetry(consumers, zipf, 42);
    byte[][] key = new byte[1][];
    long deadline = System.nanoTime() + timeout.toNanos();
    try (KafkaProducer<byte[], byte[]> p = producer()) {
      long ts = System.currentTimeMillis();
      for (long i = 0; i < n; i++) {
        if ((i & 0xfff) == 0) {
          ts = System.currentTimeMillis();
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("producing timed out after " + i + " calls");
          }
          if (i % 1_000_000 == 0 && i > 0) {
            out.printf("stream-load:   wrote %,d%n", i);
          }
        }
        byte[] v = tel.next(ts, key);
        p.send(new ProducerRecord<>(Topics.CALLS, key[0], v));
      }
      p.flush();
    }
    return n;
  }

  /** Writes calls at {@code rate}/s for {@code seconds}, running {@code midway} halfway through. */
  private void produceAt(long rate, int seconds, Runnable midway) {
    Telemetry tel = new Telemetry(consumers, zipf, 4242);
    byte[][] key = new byte[1][];
    try (KafkaProducer<byte[], byte[]> p = producer()) {
      long start = System.nanoTime();
      long total = rate * seconds;
      long sent = 0;
      boolean changed = false;
      while (sent < total) {
        long elapsed = System.nanoTime() - start;
        long due = Math.min(total, elapsed * rate / 1_000_000_000L);
        if (!changed && elapsed > seconds * 500_000_000L) {
          midway.run();
          changed = true;
        }
        if (sent >= due) {
          LockSupport.parkNanos(500_000);
          continue;
        }
        long ts = System.currentTimeMillis();
        for (; sent < due; sent++) {
          byte[] v = tel.next(ts, key);
          p.send(new ProducerRecord<>(Topics.CALLS, key[0], v));
        }
      }
      p.flush();
    }
  }

  private long committed(String group) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
      return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(Topics.CALLS) && e.getValue() != null)
          .mapToLong(e -> e.getValue().offset()).sum();
    }
  }

  private KafkaProducer<byte[], byte[]> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 262144);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 128L << 20);
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private KafkaConsumer<byte[], byte[]> committedConsumer() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20_000);
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** The job on a local MiniCluster; fails loudly if it ends early, cancels on close. */
  private static final class RunningJob implements AutoCloseable {
    final JobClient client;

    RunningJob(EnforcementJob.Settings s) throws Exception {
      Configuration conf = EnforcementJob.configuration(s);
      conf.setString("taskmanager.memory.managed.size", "256m");
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(s.parallelism, conf);
      EnforcementJob.build(env, s);
      client = env.executeAsync(s.groupId);
    }

    void check() throws Exception {
      var status = client.getJobStatus().get(10, TimeUnit.SECONDS);
      if (status.isGloballyTerminalState()) {
        client.getJobExecutionResult().get();
        throw new IllegalStateException("job ended: " + status);
      }
    }

    @Override
    public void close() {
      try {
        client.cancel().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        // ended already
      }
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (Exception e) {
      // best effort
    }
  }
}
