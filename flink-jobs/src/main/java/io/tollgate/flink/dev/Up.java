package io.tollgate.flink.dev;

import io.tollgate.flink.EnforcementJob;
import io.tollgate.flink.kafka.KafkaBroker;
import io.tollgate.flink.kafka.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./tollgate up}: everything on this machine, on loopback. A Kafka broker (KRaft, child
 * JVM), the topics, the shipped contracts on {@code tollgate.policies}, the enforcement job on a
 * Flink MiniCluster with its web UI, a demo producer streaming vehicle telemetry, and a line of
 * live figures a second. Ctrl-C (or {@code --duration}) stops it all in order. Each start begins
 * from clean state: the previous run's broker data and checkpoints are removed first.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
    description = "Run Tollgate's streaming enforcement locally with a demo stream and live figures.")
public final class Up implements Callable<Integer> {
  @Option(names = "--state-dir", defaultValue = ".tollgate/up", description = "Where the broker and Flink keep state (default: ${DEFAULT-VALUE}); cleaned at each start.")
  Path stateDir;
  @Option(names = "--contracts", defaultValue = "examples/contracts", split = ",", description = "Contract files or directories to publish (default: ${DEFAULT-VALUE}).")
  List<Path> contracts;
  @Option(names = "--vehicles", defaultValue = "2000", description = "Vehicles in the demo stream (default: ${DEFAULT-VALUE}).")
  int vehicles;
  @Option(names = "--hz", defaultValue = "10", description = "Reports per vehicle per second (default: ${DEFAULT-VALUE}).")
  int hz;
  @Option(names = "--duration", description = "Stop after this long (e.g. 30s, 5m); default: until Ctrl-C.")
  String duration;
  @Option(names = "--kafka-port", defaultValue = "19092", description = "Broker port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int kafkaPort;
  @Option(names = "--web-port", defaultValue = "8081", description = "Flink web UI port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  int webPort;
  @Option(names = "--parallelism", defaultValue = "2", description = "Enforcement parallelism (default: ${DEFAULT-VALUE}).")
  int parallelism;

  private final PrintStream out;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private KafkaBroker broker;
  private JobClient job;
  private DemoProducer producer;
  private LiveStats stats;
  private Thread producerThread;
  private Thread statsThread;
  private boolean shutDown;
  private LiveStats.Totals totals;

  public Up() {
    this(System.out);
  }

  public Up(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Up()).execute(args));
  }

  /** What the demo decided, once stopped. */
  public LiveStats.Totals totals() {
    return totals;
  }

  public long sent() {
    return producer == null ? 0 : producer.sent();
  }

  @Override
  public Integer call() throws Exception {
    Duration limit = duration == null ? null : parseDuration(duration);
    Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown, "tollgate-up-stop"));
    try {
      start();
      if (limit == null) {
        out.println("tollgate: running; Ctrl-C stops everything");
      }
      long end = limit == null ? Long.MAX_VALUE : System.nanoTime() + limit.toNanos();
      while (System.nanoTime() < end && !stopped.await(Math.min(1000, Math.max(1, (end - System.nanoTime()) / 1_000_000)),
          TimeUnit.MILLISECONDS)) {
        String problem = problem();
        if (problem != null) {
          out.println("tollgate: " + problem + "; stopping (details in " + stateDir.resolve("tollgate.log") + ")");
          shutdown();
          return 1;
        }
      }
    } finally {
      shutdown();
    }
    out.println("tollgate: stopped. " + totals);
    return 0;
  }

  private void start() throws Exception {
    Path kafkaDir = stateDir.resolve("kafka").toAbsolutePath();
    Files.createDirectories(stateDir);
    KafkaBroker.stopLeftover(kafkaDir);
    deleteTree(kafkaDir);
    deleteTree(stateDir.resolve("checkpoints"));
    Map<String, String> records = ContractRecords.read(contracts);

    out.println("tollgate: starting a Kafka broker (KRaft) ...");
    broker = KafkaBroker.at(kafkaDir, kafkaPort, 0, "1g").withoutShutdownHook();
    broker.start(); // assigned first, so that Ctrl-C during the start still stops it
    Topics.create(broker.bootstrapServers(), parallelism);
    try (KafkaProducer<byte[], byte[]> p = producer(broker.bootstrapServers())) {
      ContractRecords.publish(p, records);
    }
    out.printf("tollgate: broker %s; %d contracts on %s: %s%n", broker.bootstrapServers(), records.size(),
        Topics.POLICIES, String.join(", ", records.keySet()));

    EnforcementJob.Settings s = new EnforcementJob.Settings().bootstrapServers(broker.bootstrapServers());
    s.parallelism = parallelism;
    s.checkpointDir = stateDir.resolve("checkpoints").toAbsolutePath().toUri().toString();
    Configuration conf = EnforcementJob.configuration(s);
    conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
    conf.set(RestOptions.ADDRESS, "127.0.0.1");
    conf.set(RestOptions.PORT, webPort);
    conf.setString("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
    conf.setString("metrics.reporter.prom.host", "127.0.0.1");
    conf.setString("metrics.reporter.prom.port", "9249-9259");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
    EnforcementJob.build(env, s);
    job = env.executeAsync("tollgate-enforcement");
    out.printf("tollgate: enforcement job %s on a Flink MiniCluster; web UI http://127.0.0.1:%d%n", job.getJobID(), webPort);

    awaitRunning();
    stats = new LiveStats(broker.bootstrapServers(), out);
    statsThread = new Thread(stats, "tollgate-live-stats");
    statsThread.setDaemon(true);
    statsThread.start();
    producer = new DemoProducer(broker.bootstrapServers(), vehicles, hz, 0);
    producerThread = new Thread(producer, "tollgate-demo-producer");
    producerThread.setDaemon(true);
    producerThread.start();
    out.printf("tollgate: demo producer streaming %d vehicles at %d Hz (%,d calls/s) to %s%n", vehicles, hz,
        (long) vehicles * hz, Topics.CALLS);
  }

  /** Waits until every task of the job runs, so that the demo does not start with a backlog. */
  private void awaitRunning() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      var status = job.getJobStatus().get(5, TimeUnit.SECONDS);
      if (status.isGloballyTerminalState()) {
        throw new IllegalStateException("the enforcement job ended at start: " + status);
      }
      if (status == org.apache.flink.api.common.JobStatus.RUNNING) {
        Thread.sleep(2000); // tasks deploy after the job switches to RUNNING
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the enforcement job did not start within 60 s");
  }

  /** What went wrong with a part that should be running, or null. */
  private String problem() {
    if (producer != null && producer.failure() != null) {
      org.slf4j.LoggerFactory.getLogger(Up.class).error("demo producer failed", producer.failure());
      return "the demo producer failed: " + producer.failure();
    }
    try {
      var status = job.getJobStatus().get(5, TimeUnit.SECONDS);
      if (status.isGloballyTerminalState()) {
        return "the enforcement job ended: " + status;
      }
    } catch (Exception e) {
      return "the enforcement job cannot be reached: " + e;
    }
    return null;
  }

  /** Stops producer, figures, job and broker, in that order. Idempotent. */
  public synchronized void shutdown() {
    if (shutDown) {
      return;
    }
    shutDown = true;
    stopped.countDown();
    try {
      if (producer != null) {
        producer.stop();
        producerThread.join(10_000);
        // let the last checkpoints commit what was sent, so the totals add up
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (stats != null && stats.feedbackSeen() < producer.sent() && System.nanoTime() < deadline) {
          Thread.sleep(200);
        }
        Thread.sleep(1500); // one more print, and the delivered records of the last transaction
      }
      if (stats != null) {
        stats.stop();
        statsThread.join(5000);
        totals = stats.totals();
      }
      if (job != null) {
        try {
          job.cancel().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
          // already gone
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (broker != null) {
        broker.close();
      }
    }
  }

  private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  static Duration parseDuration(String s) {
    String t = s.trim().toLowerCase(java.util.Locale.ROOT);
    try {
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      } else if (t.endsWith("s")) {
        return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
      } else if (t.endsWith("m")) {
        return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
      } else if (t.endsWith("h")) {
        return Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new CommandLine.TypeConversionException("expected a duration such as 30s, 5m or 1h, found \"" + s + "\"");
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
