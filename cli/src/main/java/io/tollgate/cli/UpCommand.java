package io.tollgate.cli;

import io.tollgate.dev.ContractPublisher;
import io.tollgate.dev.DemoHttpTraffic;
import io.tollgate.dev.DemoProducer;
import io.tollgate.dev.DemoUpstream;
import io.tollgate.dev.KafkaBroker;
import io.tollgate.dev.KafkaFacts;
import io.tollgate.dev.LiveStats;
import io.tollgate.dev.LocalFlink;
import io.tollgate.dev.Logs;
import io.tollgate.dev.TopicAdmin;
import io.tollgate.enforcement.Topics;
import io.tollgate.flink.EnforcementJob;
import io.tollgate.flink.evidence.EvidenceJob;
import io.tollgate.flink.kafka.PolicyOffsets;
import io.tollgate.flink.metering.MeteringJob;
import io.tollgate.gateway.Gateway;
import io.tollgate.gateway.config.GatewayConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tollgate up}: everything on this machine, on loopback. A Kafka broker (KRaft, child JVM),
 * the topics, the shipped contracts on {@code tollgate.policies}, the enforcement job on a Flink
 * MiniCluster with its web UI, a demo producer streaming vehicle telemetry, the HTTP gateway in
 * front of a demo credit-report API (with demo requests and the curl commands to try), and a line
 * of live figures a second. Ctrl-C (or {@code --duration}) stops it all in order: the producer,
 * then, once the job has decided and committed everything sent, the figures, the job and the
 * broker. Each start begins from clean state: the previous run's broker data and checkpoints are
 * removed first.
 */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description =
        "Run Tollgate locally (broker, Flink MiniCluster, enforcement job, HTTP gateway) with a demo"
            + " stream, a demo credit-report API behind the gateway, and live figures.")
public final class UpCommand implements Callable<Integer> {
  static final String GROUP = "tollgate-enforcement";
  static final List<String> OUTPUTS = List.of(Topics.FEEDBACK, Topics.DELIVERED, Topics.DLQ);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--state-dir",
      defaultValue = ".tollgate/up",
      description =
          "Where the broker and Flink keep state, and the log (default: ${DEFAULT-VALUE}); cleaned at each start.")
  Path stateDir;

  @Option(
      names = "--contracts",
      defaultValue = "examples/contracts",
      split = ",",
      description =
          "Contract files or directories to publish, read as `tollgate policy check` reads them (default: ${DEFAULT-VALUE}).")
  List<Path> contracts;

  @Option(
      names = "--vehicles",
      defaultValue = "500",
      description =
          "Vehicles in the demo stream (default: ${DEFAULT-VALUE}: 5,000 calls/s at 10 Hz, what a"
              + " 2-core machine carries with the broker, three jobs and the gateway beside it"
              + " and decisions still within 100 ms).")
  int vehicles;

  @Option(
      names = "--hz",
      defaultValue = "10",
      description = "Reports per vehicle per second (default: ${DEFAULT-VALUE}).")
  int hz;

  @Option(
      names = "--duration",
      converter = DurationConverter.class,
      description = "Stop after this long (e.g. 30s, 5m, 1h); default: until Ctrl-C.")
  Duration duration;

  @Option(
      names = "--demo-for",
      converter = DurationConverter.class,
      description =
          "Stop the demo traffic after this long and keep everything else running (e.g. 1m), so"
              + " that `tollgate billing statement` and `billing reconcile` read a quiet system;"
              + " default: traffic until the end.")
  Duration demoFor;

  @Option(
      names = "--kafka-port",
      defaultValue = "19092",
      description = "Broker port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int kafkaPort;

  @Option(
      names = "--web-port",
      defaultValue = "8081",
      description =
          "Flink web UI port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int webPort;

  @Option(
      names = "--gateway-port",
      defaultValue = "8080",
      description =
          "The HTTP gateway's port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int gatewayPort;

  @Option(
      names = "--gateway-admin-port",
      defaultValue = "8090",
      description =
          "The gateway's control-plane port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int gatewayAdminPort;

  @Option(
      names = "--upstream-port",
      defaultValue = "18080",
      description =
          "The demo credit-report API's port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int upstreamPort;

  @Option(
      names = "--participants",
      defaultValue = "examples/gateway/participants.yaml",
      description = "The gateway's participants file (default: ${DEFAULT-VALUE}).")
  Path participants;

  @Option(
      names = "--http-rate",
      defaultValue = "10",
      description =
          "Demo requests per second through the gateway; 0 for none (default: ${DEFAULT-VALUE}).")
  int httpRate;

  @Option(
      names = "--parallelism",
      defaultValue = "2",
      description = "Enforcement parallelism (default: ${DEFAULT-VALUE}).")
  int parallelism;

  /** How long the demo traffic takes to reach its full rate. */
  static final Duration RAMP = Duration.ofSeconds(10);

  private PrintWriter out;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private KafkaBroker broker;
  private LocalFlink flink;
  private JobID job;
  private JobID meteringJob;
  private JobID evidenceJob;
  static final String EVIDENCE_ORIGIN = "tollgate.local/up";
  private int publishedContracts;

  /** The size of the evidence log's latest published checkpoint, 0 before the first. */
  long evidenceSealed() {
    try {
      String c = Files.readString(stateDir.resolve("evidence/log/checkpoint"));
      return io.tollgate.evidence.Checkpoint.parse(io.tollgate.evidence.SignedNote.parse(c).text())
          .size();
    } catch (java.io.IOException | io.tollgate.evidence.EvidenceException e) {
      return 0;
    }
  }

  private DemoProducer producer;
  private LiveStats stats;
  private Thread producerThread;
  private Thread statsThread;
  private boolean shutDown;
  private LiveStats.Totals totals;
  private DemoUpstream upstream;
  private Gateway gateway;
  private DemoHttpTraffic traffic;
  private Thread trafficThread;

  /** The gateway, once started (tests read its port). */
  public Gateway gateway() {
    return gateway;
  }

  /** What the demo decided, once stopped. */
  public LiveStats.Totals totals() {
    return totals;
  }

  /** The live figures, once started (tests read them while up runs). */
  public LiveStats stats() {
    return stats;
  }

  /** Calls the demo producer sent. */
  public long sent() {
    return producer == null ? 0 : producer.sent();
  }

  @Override
  public Integer call() throws Exception {
    out = new PrintWriter(spec.commandLine().getOut(), true);
    validate();
    Duration limit = duration;
    Files.createDirectories(stateDir);
    Logs.toFile(stateDir.resolve("tollgate.log"));
    Thread hook = new Thread(this::shutdown, "tollgate-up-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      start();
      if (limit == null) {
        out.println("tollgate: running; Ctrl-C stops everything");
      }
      long end = limit == null ? Long.MAX_VALUE : System.nanoTime() + limit.toNanos();
      long demoEnd = demoFor == null ? Long.MAX_VALUE : System.nanoTime() + demoFor.toNanos();
      while (System.nanoTime() < end
          && !stopped.await(
              Math.min(1000, Math.max(1, (end - System.nanoTime()) / 1_000_000)),
              TimeUnit.MILLISECONDS)) {
        if (System.nanoTime() >= demoEnd) {
          demoEnd = Long.MAX_VALUE;
          stopDemoTraffic();
          catchUpBy = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        }
        if (catchUpBy != 0) {
          caughtUp();
        }
        String problem = problem();
        if (problem != null) {
          out.println(
              "tollgate: "
                  + problem
                  + "; stopping (details in "
                  + stateDir.resolve("tollgate.log")
                  + ")");
          shutdown();
          return 1;
        }
      }
    } finally {
      shutdown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down: the hook runs (and finds everything stopped)
      }
    }
    out.println("tollgate: stopped. " + totals);
    return 0;
  }

  private static boolean ports(int... ports) {
    for (int p : ports) {
      if (p < 0 || p > 65535) {
        return false;
      }
    }
    return true;
  }

  /** Refuses options that cannot work before anything starts. */
  private void validate() {
    String bad = null;
    if (vehicles < 1) {
      bad = "--vehicles: expected at least 1, found " + vehicles;
    } else if (hz < 1 || hz > 1000) {
      bad = "--hz: expected 1 to 1000, found " + hz;
    } else if (parallelism < 1 || parallelism > 64) {
      bad = "--parallelism: expected 1 to 64, found " + parallelism;
    } else if (demoFor != null && (demoFor.isNegative() || demoFor.isZero())) {
      bad = "--demo-for: expected more than 0, found " + demoFor.toMillis() + " ms";
    } else if (duration != null
        && (duration.isNegative() || duration.isZero() || duration.toDays() > 365)) {
      bad =
          "--duration: expected more than 0 and at most 365 days, found "
              + duration.toMillis()
              + " ms";
    } else if (!ports(kafkaPort, webPort, gatewayPort, gatewayAdminPort, upstreamPort)) {
      bad =
          "--kafka-port, --web-port, --gateway-port, --gateway-admin-port, --upstream-port: expected 0 to 65535";
    } else if (httpRate < 0 || httpRate > 10_000) {
      bad = "--http-rate: expected 0 to 10000, found " + httpRate;
    } else if (!Files.isReadable(participants)) {
      bad = "--participants: cannot read " + participants;
    } else if ((long) vehicles * hz > 10_000_000L) {
      bad = "--vehicles x --hz: expected at most 10,000,000 calls/s, found " + (long) vehicles * hz;
    }
    if (bad != null) {
      throw new CommandLine.ParameterException(spec.commandLine(), bad);
    }
  }

  private void start() throws Exception {
    Path kafkaDir = stateDir.resolve("kafka").toAbsolutePath();
    KafkaBroker.stopLeftover(kafkaDir);
    deleteTree(kafkaDir);
    deleteTree(stateDir.resolve("checkpoints"));
    deleteTree(stateDir.resolve("gateway-spool"));
    deleteTree(stateDir.resolve("savepoints"));
    // a new broker is a new data space: a new evidence log, under new keys (an older log's
    // packages keep their own keys and verify as they are)
    deleteTree(stateDir.resolve("evidence"));
    Map<String, String> records = ContractPublisher.load(contracts);
    publishedContracts = records.size();

    out.println("tollgate: starting a Kafka broker (KRaft) ...");
    broker = KafkaBroker.at(kafkaDir, kafkaPort, 0, "1g").withoutShutdownHook();
    broker.start(); // assigned first, so that Ctrl-C during the start still stops it
    String bootstrap = broker.bootstrapServers();
    TopicAdmin.create(bootstrap, parallelism, (short) 1);
    try (KafkaProducer<byte[], byte[]> p = producer(bootstrap)) {
      ContractPublisher.publish(p, records);
    }
    out.printf(
        "tollgate: broker %s; %d contracts on %s: %s%n",
        bootstrap, records.size(), Topics.POLICIES, String.join(", ", records.keySet()));

    EnforcementJob.Settings s = new EnforcementJob.Settings().bootstrapServers(bootstrap);
    s.groupId = GROUP;
    s.parallelism = parallelism;
    s.checkpointDir = stateDir.resolve("checkpoints").toAbsolutePath().toUri().toString();
    Configuration conf = EnforcementJob.configuration(s);
    conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
    conf.set(RestOptions.ADDRESS, "127.0.0.1");
    conf.set(RestOptions.PORT, webPort);
    conf.setString(
        "metrics.reporter.prom.factory.class",
        "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
    conf.setString("metrics.reporter.prom.host", "127.0.0.1");
    conf.setString("metrics.reporter.prom.port", "9249-9259");
    flink = LocalFlink.start(conf, parallelism + 2); // and a slot each for metering and evidence
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    EnforcementJob.build(env, s, PolicyOffsets.end(bootstrap));
    job = flink.submit(env, "tollgate-enforcement");
    out.printf(
        "tollgate: enforcement job %s on a Flink MiniCluster; web UI %s%n",
        job, flink.restAddress());

    MeteringJob.Settings m = new MeteringJob.Settings();
    m.bootstrapServers = bootstrap;
    m.groupId = "tollgate-metering";
    m.transactionalIdPrefix = "tollgate-metering";
    m.idleFlushMs = 5000; // the demo's running totals every few seconds
    m.checkpointDir = s.checkpointDir; // the MiniCluster's: filesystem, in the state dir
    StreamExecutionEnvironment menv = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    MeteringJob.build(menv, m);
    meteringJob = flink.submit(menv, "tollgate-metering");
    out.printf(
        "tollgate: metering job %s: usage on %s, running totals every %d s%n",
        meteringJob, Topics.USAGE, m.idleFlushMs / 1000);

    EvidenceJob.Settings ev = new EvidenceJob.Settings();
    ev.bootstrapServers = bootstrap;
    // each start is a new data space and a new log: an origin of its own (C2SP origins name one
    // log), so two runs' checkpoints can never be taken for one log's
    ev.origin =
        EVIDENCE_ORIGIN
            + "-"
            + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                .withZone(java.time.ZoneOffset.UTC)
                .format(java.time.Instant.now());
    ev.logDir = stateDir.resolve("evidence/log").toAbsolutePath().toString();
    ev.keysDir = stateDir.resolve("evidence/keys").toAbsolutePath().toString();
    ev.checkpointDir = s.checkpointDir;
    StreamExecutionEnvironment eenv = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    EvidenceJob.build(eenv, ev);
    evidenceJob = flink.submit(eenv, "tollgate-evidence");
    out.printf(
        "tollgate: evidence job %s: log %s, signed checkpoints on %s every %d s or %,d entries%n",
        evidenceJob,
        stateDir.resolve("evidence/log"),
        Topics.EVIDENCE,
        ev.sealMs / 1000,
        ev.sealEvery);

    flink.awaitRunning(
        job, Duration.ofSeconds(60)); // so that the demo does not start with a backlog
    startGateway(bootstrap);
    stats = new LiveStats(bootstrap, out);
    statsThread = new Thread(stats, "tollgate-live-stats");
    statsThread.setDaemon(true);
    statsThread.start();
    // the rate ramps up over the first seconds, while the JIT compiles the job's hot paths: the
    // live line says so ("warming") until the full rate is reached
    producer = new DemoProducer(bootstrap, vehicles, hz, 0).rampingOver(RAMP);
    stats.warmingUntil(System.currentTimeMillis() + RAMP.toMillis());
    producerThread = new Thread(producer, "tollgate-demo-producer");
    producerThread.setDaemon(true);
    producerThread.start();
    out.printf(
        "tollgate: demo producer streaming %d vehicles at %d Hz (%,d calls/s) to %s%n",
        vehicles, hz, (long) vehicles * hz, Topics.CALLS);
  }

  /** The demo credit-report API, the gateway in front of it, and the curl commands to try. */
  private void startGateway(String bootstrap) throws Exception {
    upstream = DemoUpstream.start("127.0.0.1", upstreamPort, 1);
    Path config = stateDir.resolve("gateway.yaml").toAbsolutePath();
    Files.writeString(
        config,
        "# written by tollgate up\n"
            + "id: up-gateway\n"
            + "listen: 127.0.0.1:"
            + gatewayPort
            + "\n"
            + "admin: {listen: 127.0.0.1:"
            + gatewayAdminPort
            + ", tokenSha256: "
            + io.tollgate.gateway.identity.Participants.sha256Hex(DEMO_ADMIN_TOKEN)
            + "}\n"
            + "kafka: {bootstrap: \""
            + bootstrap
            + "\"}\n"
            + "participants: \""
            + participants.toAbsolutePath()
            + "\"\n"
            + "spool: {dir: gateway-spool}\n"
            + "catalog:\n"
            + "  - dataset: credit-report\n"
            + "    provider: sh-credit-bureau\n"
            + "    title: 企业信用报告 (enterprise credit report)\n"
            + "    prefix: /credit-report\n"
            + "    upstream: http://127.0.0.1:"
            + upstream.port()
            + "/reports\n"
            + "    methods: [GET, HEAD, POST]\n",
        StandardCharsets.UTF_8);
    GatewayConfig c = GatewayConfig.read(config);
    gateway = new Gateway(c).start(Duration.ofSeconds(30));
    String base = "http://127.0.0.1:" + gateway.port();
    String url = base + "/credit-report/91310115MA1K3YJ2X5";
    String h = " -H 'X-Api-Key: demo-key-demo-lender' -H 'X-Tollgate-Purpose: ";
    out.printf(
        "tollgate: gateway %s in front of the demo credit-report API (%s); admin %s%n"
            + "  permit, masked:  curl -s%scredit-assessment' %s%n"
            + "  deny + reasons:  curl -s%smarketing' %s%n"
            + "  field refused:   curl -s%scredit-assessment' '%s?fields=name,legal_rep_phone'%n"
            + "  throttle:        curl -s -w '%%{http_code} Retry-After: %%header{retry-after}\\n'%scredit-assessment' -o /dev/null %s -o /dev/null %<s -o /dev/null %<s -o /dev/null %<s -o /dev/null %<s%n"
            + "  catalog:         curl -s http://127.0.0.1:%d/catalog%n",
        base,
        "127.0.0.1:" + upstream.port(),
        "127.0.0.1:" + gateway.adminPort(),
        h,
        url,
        h,
        url,
        h,
        url,
        h,
        url,
        gateway.adminPort());
    if (httpRate > 0) {
      traffic =
          new DemoHttpTraffic(
              base,
              httpRate,
              List.of(
                  new DemoHttpTraffic.Caller(
                      "demo-key-bank-of-pudong", "credit-assessment", "POST"),
                  new DemoHttpTraffic.Caller(
                      "demo-key-fintech-labs", "credit-assessment", "POST")));
      trafficThread = new Thread(traffic, "tollgate-demo-http");
      trafficThread.setDaemon(true);
      trafficThread.start();
    }
  }

  static final String DEMO_ADMIN_TOKEN = "demo-admin-token";

  private long catchUpBy; // after the demo traffic stopped: until when to wait for the usage
  private int caughtUpFor;

  /**
   * After the demo traffic stopped: once every call sent has its feedback and the usage bills every
   * permitted call (three seconds running), says so and how to read the bills.
   */
  private void caughtUp() {
    boolean now =
        stats.answered() >= producer.sent()
            && stats.billedCalls() == stats.permitsSeen()
            && evidenceSealed() >= stats.feedbackSeen() + publishedContracts;
    caughtUpFor = now ? caughtUpFor + 1 : 0;
    String month = java.time.YearMonth.now(java.time.ZoneId.of("Asia/Shanghai")).toString();
    if (caughtUpFor >= 3) {
      catchUpBy = 0;
      out.printf(
          "tollgate: usage has caught up: %,d permitted calls, %,d billed, %s. In another"
              + " terminal:%n"
              + "  ./tollgate billing statement --consumer city-traffic-lab --month %s%n"
              + "  ./tollgate billing statement --consumer bank-of-pudong --month %<s --format csv%n"
              + "  ./tollgate billing reconcile --from %<s --to %<s%n"
              + "tollgate: evidence has caught up: %,d entries sealed. Export, verify, report:%n"
              + "  ./tollgate evidence export --contract %s --out evidence.zip%n"
              + "  ./tollgate evidence verify evidence.zip%n"
              + "  ./tollgate audit report --all --out audit.html%n",
          stats.permitsSeen(),
          stats.billedCalls(),
          LiveStats.amounts(stats.billedAmounts()),
          month,
          evidenceSealed(),
          stats.busiestGatewayContract("cr-bank-of-pudong-2026"));
    } else if (System.nanoTime() > catchUpBy) {
      catchUpBy = 0;
      out.printf(
          "tollgate: usage has not caught up in 5 min: %,d of %,d sent calls answered, %,d"
              + " permitted, %,d billed, %,d evidence entries sealed%n",
          stats.answered(),
          producer.sent(),
          stats.permitsSeen(),
          stats.billedCalls(),
          evidenceSealed());
    }
  }

  /** Stops the demo's stream and HTTP traffic; the rest keeps running. */
  private void stopDemoTraffic() throws InterruptedException {
    if (traffic != null) {
      traffic.stop();
      trafficThread.join(5000);
    }
    if (producer != null) {
      producer.stop();
      producerThread.join(10_000);
    }
    out.printf(
        "tollgate: demo traffic stopped after %s (%,d calls sent); still running: waiting for the"
            + " jobs to catch up%n",
        demoFor, producer == null ? 0 : producer.sent());
  }

  /** What went wrong with a part that should be running, or null. */
  private String problem() {
    if (producer != null && producer.failure() != null) {
      LoggerFactory.getLogger(UpCommand.class).error("demo producer failed", producer.failure());
      return "the demo producer failed: " + producer.failure();
    }
    try {
      flink.check(job);
    } catch (Exception e) {
      LoggerFactory.getLogger(UpCommand.class).error("the enforcement job ended", e);
      return e.getMessage();
    }
    try {
      flink.check(meteringJob);
    } catch (Exception e) {
      LoggerFactory.getLogger(UpCommand.class).error("the metering job ended", e);
      return "metering: " + e.getMessage();
    }
    try {
      flink.check(evidenceJob);
    } catch (Exception e) {
      LoggerFactory.getLogger(UpCommand.class).error("the evidence job ended", e);
      return "evidence: " + e.getMessage();
    }
    return null;
  }

  /**
   * Stops the producer; waits until the job has decided everything sent and committed every output
   * transaction (a fact the broker keeps, at most 60 s); lets the figures read exactly up to there;
   * then cancels the job and stops the broker. Idempotent.
   */
  public synchronized void shutdown() {
    if (shutDown) {
      return;
    }
    shutDown = true;
    stopped.countDown();
    try {
      if (traffic != null) {
        traffic.stop();
        trafficThread.join(5000);
      }
      if (gateway != null) {
        try {
          gateway.close(); // ships the feedback it holds before the figures read their last
        } catch (Exception e) {
          LoggerFactory.getLogger(UpCommand.class).warn("could not stop the gateway", e);
        }
      }
      if (upstream != null) {
        upstream.close();
      }
      if (producer != null) {
        producer.stop();
        producerThread.join(10_000);
        try (KafkaFacts facts = new KafkaFacts(broker.bootstrapServers())) {
          // Every call sent becomes exactly one committed feedback event or dead letter: wait
          // until the figures have read that many, and no output has an open transaction.
          // (The job's committed consumer offsets would say the same, up to 10 s later: an idle
          // Kafka source commits them when its fetcher wakes.)
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
          String open = null;
          while (System.nanoTime() < deadline
              && (stats.answered() < producer.sent()
                  || (open = facts.openTransaction(OUTPUTS)) != null)) {
            try {
              flink.check(job);
            } catch (Exception e) {
              out.println("tollgate: " + e.getMessage());
              break;
            }
            Thread.sleep(50); // polls counts and offsets: there is no event to wait on
          }
          if (stats.answered() < producer.sent() || open != null) {
            out.printf(
                "tollgate: the job did not commit everything sent within 60 s (%,d of %,d answered%s)%n",
                stats.answered(), producer.sent(), open == null ? "" : "; " + open);
          }
          // Stop the enforcement job with a savepoint: its sinks commit the savepoint's
          // transactions before it ends, so feedback and delivered records end at one consistent
          // cut, and their committed ends, read now, are final. The closing totals read to them.
          stopEnforcement();
          if (stats != null) {
            Map<TopicPartition, Long> ends = new HashMap<>();
            for (String t : OUTPUTS) {
              ends.putAll(facts.endOffsets(t, IsolationLevel.READ_COMMITTED));
            }
            stats.stopAt(ends);
            statsThread.join(60_000);
          }
        }
      }
      if (stats != null) {
        stats.stop();
        statsThread.join(5000);
        totals = stats.totals();
      }
      for (JobID j : new JobID[] {evidenceJob, meteringJob, job}) {
        if (j != null) {
          try {
            flink.cancel(j);
          } catch (Exception e) {
            // already gone
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (flink != null) {
        try {
          flink.close();
        } catch (Exception e) {
          LoggerFactory.getLogger(UpCommand.class).warn("could not stop the MiniCluster", e);
        }
      }
      if (broker != null) {
        broker.close();
      }
    }
  }

  /** Stops the enforcement job with a savepoint (its outputs all committed), else cancels it. */
  private void stopEnforcement() {
    try {
      flink.stopWithSavepoint(job, stateDir.resolve("savepoints"));
    } catch (Exception e) {
      LoggerFactory.getLogger(UpCommand.class)
          .warn("could not stop the enforcement job with a savepoint; cancelling it", e);
      try {
        flink.cancel(job);
      } catch (Exception ex) {
        // already gone
      }
    }
  }

  private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Reads 250ms, 30s, 5m or 1h. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return parseDuration(value);
    }
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
    throw new CommandLine.TypeConversionException(
        "expected a duration such as 30s, 5m or 1h, found \"" + s + "\"");
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
