package io.tollgate.load;

import io.tollgate.dev.ContractPublisher;
import io.tollgate.dev.KafkaBroker;
import io.tollgate.dev.KafkaFacts;
import io.tollgate.dev.LocalFlink;
import io.tollgate.dev.TopicAdmin;
import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.records.EventReader;
import io.tollgate.enforcement.records.FeedbackEvent;
import io.tollgate.flink.EnforcementJob;
import io.tollgate.flink.kafka.PolicyOffsets;
import io.tollgate.policy.PolicyCompiler;
import io.tollgate.policy.source.YamlContractSource;
import java.io.PrintWriter;
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
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
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
 * The stream load: drives the enforcement job end to end, Kafka to Kafka, exactly once, with a real
 * broker on this machine, and reports side by side in one run:
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
@Command(
    name = "stream-load",
    mixinStandardHelpOptions = true,
    description =
        "End-to-end load of the enforcement job (Kafka to Kafka, exactly once) against its pass-through baseline.")
public final class StreamLoad implements Callable<Integer> {
  @Option(
      names = "--calls",
      defaultValue = "10000000",
      description = "Calls per throughput run (default: ${DEFAULT-VALUE}).")
  long calls;

  @Option(
      names = "--consumers",
      defaultValue = "1000",
      description = "Consumers, one contract each (default: ${DEFAULT-VALUE}).")
  int consumers;

  @Option(
      names = "--zipf",
      defaultValue = "1.0",
      description = "Zipf exponent of calls over consumers (default: ${DEFAULT-VALUE}).")
  double zipf;

  @Option(
      names = "--parallelism",
      defaultValue = "1",
      description =
          "Job parallelism; on 2 cores shared with the broker, 1 is fastest (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(
      names = "--checkpoint-interval-ms",
      defaultValue = "1000",
      description = "(default: ${DEFAULT-VALUE})")
  long checkpointIntervalMs;

  @Option(
      names = "--rocksdb",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = "Also drain with RocksDB state (default: ${DEFAULT-VALUE}).")
  boolean rocksdb;

  @Option(
      names = "--rate-fraction",
      defaultValue = "0.8",
      description =
          "Latency run rate as a fraction of the enforcement peak; 0 skips it (default: ${DEFAULT-VALUE}).")
  double rateFraction;

  @Option(
      names = "--latency-seconds",
      defaultValue = "60",
      description = "Length of the latency run (default: ${DEFAULT-VALUE}).")
  int latencySeconds;

  @Option(
      names = "--state-dir",
      defaultValue = "load-tests/target/stream-load",
      description = "Broker and checkpoint state, removed at the end (default: ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(
      names = "--timeout-minutes",
      defaultValue = "20",
      description = "Give up on a drain after this long (default: ${DEFAULT-VALUE}).")
  long timeoutMinutes;

  @Option(
      names = "--sink-compression",
      defaultValue = "none",
      description =
          "Compression of the output batches; on loopback it only costs CPU (default: ${DEFAULT-VALUE}).")
  String sinkCompression;

  @Option(
      names = "--metering",
      description =
          "Also drain the enforcement run's feedback with the metering job (Kafka to Kafka,"
              + " exactly once), and compare its rate with the enforcement job's.")
  boolean metering;

  @Option(
      names = "--evidence",
      description =
          "Also seal the enforcement run's feedback with the evidence job (one log, parallelism"
              + " 1, signed checkpoints exactly once), and compare its rate with the enforcement"
              + " job's.")
  boolean evidence;

  @Option(
      names = "--latency-only",
      description = "Skip the throughput runs; run the latency run at this many calls/s.")
  long latencyOnly;

  @Option(
      names = "--buffer-timeout-ms",
      defaultValue = "5",
      description = "(default: ${DEFAULT-VALUE})")
  long bufferTimeoutMs;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  private PrintWriter out;
  private String bootstrap;
  private KafkaFacts facts;

  @Option(
      names = "--plain",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Also drain with a plain Kafka consume-transform-produce loop (no Flink, one thread,"
              + " the same reading, decisions and records, one transaction per checkpoint"
              + " interval) (default: ${DEFAULT-VALUE}).")
  boolean plain;

  @Option(
      names = "--hot",
      paramLabel = "SHARDS",
      defaultValue = "0",
      description =
          "One hot consumer: every call (but the 1 %% from consumers without a contract) comes from"
              + " consumer-0, whose contract allows 1,000,000 calls/s, keyed by vehicle over every"
              + " partition, and the job spreads it over SHARDS counter shards (--hot-consumer);"
              + " compare --hot 1 --parallelism 1 with --hot 2 --parallelism 2 (default: off).")
  int hot;

  @Option(
      names = "--pin",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Pin the job's threads to CPU 0 and the broker, the load generator and the measuring"
              + " consumer to CPU 1 with taskset, where the machine can (Linux, 2+ CPUs)"
              + " (default: ${DEFAULT-VALUE}).")
  boolean pin;

  private boolean pinned;

  /**
   * Every thread of this JVM to CPU 0 (the job's, which the job's own threads then inherit), then
   * the calling thread (the driver: generator and measurer) back to CPU 1.
   */
  private void pinJob() {
    if (pinned) {
      Pinning.process(ProcessHandle.current().pid(), 0);
      Pinning.currentThread(1);
    }
  }

  record Drain(
      String name,
      long calls,
      double seconds,
      double steadyRate,
      double overallRate,
      List<String> taskRates,
      double jobCpuPerCall,
      double brokerCpuPerCall) {
    /** The table row: rates, and CPU per call of this JVM (the job) and of the broker process. */
    String row() {
      return String.format(
          Locale.ROOT,
          "| %s | %,d | %.1f | %,.0f | %,.0f | %.1f | %.1f |%n",
          name,
          calls,
          seconds,
          steadyRate,
          overallRate,
          jobCpuPerCall,
          brokerCpuPerCall);
    }
  }

  /** CPU time a process has used so far, in nanoseconds (0 where the platform does not say). */
  static long cpuNanos(long pid) {
    return ProcessHandle.of(pid)
        .flatMap(h -> h.info().totalCpuDuration())
        .map(java.time.Duration::toNanos)
        .orElse(0L);
  }

  @Override
  public Integer call() throws Exception {
    out = new PrintWriter(spec.commandLine().getOut(), true);
    Files.createDirectories(stateDir);
    KafkaBroker broker = KafkaBroker.temporary(stateDir.toAbsolutePath()).start();
    try {
      bootstrap = broker.bootstrapServers();
      brokerPid = broker.pid();
      pinned = pin && Pinning.available();
      if (pinned) {
        Pinning.process(broker.pid(), 1);
        Pinning.currentThread(1);
        out.printf(
            "stream-load: pinned with taskset: the job on CPU 0; the broker (pid %d), the load"
                + " generator and the measuring consumer on CPU 1%n",
            broker.pid());
      } else if (pin) {
        out.println("stream-load: not pinned (needs Linux, taskset and 2 CPUs)");
      }
      facts = new KafkaFacts(bootstrap);
      TopicAdmin.create(bootstrap, parallelism, (short) 1);
      Map<String, String> contracts = new LinkedHashMap<>();
      if (hot > 0) {
        consumers = 1;
      }
      for (int i = 0; i < consumers; i++) {
        contracts.put(
            "load-" + i,
            hot > 0
                ? Telemetry.contract(i, Telemetry.PURPOSES, 1_000_000)
                : Telemetry.contract(i, Telemetry.PURPOSES));
      }
      try (KafkaProducer<byte[], byte[]> p = producer()) {
        ContractPublisher.publish(p, contracts);
      }
      out.printf(
          Locale.ROOT,
          "stream-load: broker %s, %d contracts, Zipf %.2f over %d consumers (top consumer %.1f %% of calls)%n",
          bootstrap,
          consumers,
          zipf,
          consumers,
          100 * new Zipf(consumers, zipf).share(0));

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
      long brokerBefore = cpuNanos(brokerPid);
      long written = produce(calls, 0, Duration.ofMinutes(timeoutMinutes));
      double produceSeconds = (System.nanoTime() - t) / 1e9;
      double brokerPerWrite = (cpuNanos(brokerPid) - brokerBefore) / 1e3 / Math.max(1, written);
      out.printf(
          Locale.ROOT,
          "stream-load: wrote %,d calls in %.1f s (%,.0f/s); the broker's CPU: %.1f µs a call%n",
          written,
          produceSeconds,
          written / produceSeconds,
          brokerPerWrite);

      List<Drain> drains = new ArrayList<>();
      String enforceGroup = "load-enforce-" + UUID.randomUUID();
      drains.add(drain("enforcement, heap state", enforceGroup, false, "hashmap"));
      Drain meter = metering ? meteringDrain() : null;
      Drain seal = evidence ? evidenceDrain() : null;
      drains.add(
          drain("pass-through, heap state", "load-pass-" + UUID.randomUUID(), true, "hashmap"));
      Drain loop = plain ? plainDrain(contracts) : null;
      if (rocksdb) {
        drains.add(
            drain(
                "enforcement, RocksDB state", "load-rocks-" + UUID.randomUUID(), false, "rocksdb"));
        drains.add(
            drain(
                "pass-through, RocksDB state",
                "load-pass-rocks-" + UUID.randomUUID(),
                true,
                "rocksdb"));
      }

      String latency = "";
      if (rateFraction > 0) {
        latency = latencyRun(enforceGroup, drains.get(0).steadyRate() * rateFraction);
      }

      StringBuilder report = new StringBuilder();
      if (pinned) {
        report.append(
            String.format(
                "%npinned: the job on CPU 0; the broker, the load generator and the measuring"
                    + " consumer on CPU 1%n"));
      }
      report.append(
          String.format(
              Locale.ROOT,
              "%n| run | calls | seconds | steady calls/s | overall calls/s | job CPU µs/call |"
                  + " broker CPU µs/call |%n|---|---:|---:|---:|---:|---:|---:|%n"));
      for (Drain d : drains) {
        report.append(d.row());
      }
      if (loop != null) {
        report.append(loop.row());
      }
      if (meter != null) {
        report.append(meter.row());
      }
      if (seal != null) {
        report.append(seal.row());
      }
      report.append(
          String.format(
              Locale.ROOT,
              "%nenforcement / pass-through, heap: %.2f%n",
              drains.get(0).steadyRate() / drains.get(1).steadyRate()));
      if (loop != null) {
        report.append(
            String.format(
                Locale.ROOT,
                "enforcement / plain Kafka loop, heap: %.2f%n",
                drains.get(0).steadyRate() / loop.steadyRate()));
      }
      if (rocksdb) {
        report.append(
            String.format(
                Locale.ROOT,
                "enforcement / pass-through, RocksDB: %.2f%n",
                drains.get(2).steadyRate() / drains.get(3).steadyRate()));
      }
      if (meter != null) {
        report.append(
            String.format(
                Locale.ROOT,
                "metering / enforcement, heap: %.2f (steady), %.2f (overall)%n",
                meter.steadyRate() / drains.get(0).steadyRate(),
                meter.overallRate() / drains.get(0).overallRate()));
      }
      if (seal != null) {
        report.append(
            String.format(
                Locale.ROOT,
                "evidence / enforcement, heap: %.2f (steady), %.2f (overall)%n",
                seal.steadyRate() / drains.get(0).steadyRate(),
                seal.overallRate() / drains.get(0).overallRate()));
      }
      report.append(
          String.format(
              Locale.ROOT,
              "%ntrue processing rate per subtask (Flink's counters over the drain's middle: records"
                  + " in, for a source out, per second busy):%n"
                  + "| run: task (subtask) | records/s | busy | records per busy second |%n"
                  + "|---|---:|---:|---:|%n"));
      for (Drain d : drains) {
        for (String line : d.taskRates()) {
          report.append("| ").append(d.name()).append(": ").append(line, 2, line.length());
          report.append('\n');
        }
      }
      report.append(topicBytes());
      report.append(latency);
      out.print(report);
      Path md = stateDir.resolve("report.md");
      Files.writeString(md, report.toString());
      out.println("stream-load: report written to " + md);
      return 0;
    } finally {
      if (facts != null) {
        facts.close();
      }
      broker.close();
      deleteQuietly(broker.directory());
    }
  }

  private long brokerPid;

  /**
   * What each topic takes on the broker's disk per record (its log segments over its end offsets,
   * transaction markers counted as records): every run of this command wrote to the same topics.
   */
  private String topicBytes() throws Exception {
    Properties p = new Properties();
    p.put(org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    StringBuilder b =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%non the broker's disk (replication 1; output compression %s):%n"
                    + "| topic | records | bytes | bytes per record |%n|---|---:|---:|---:|%n",
                sinkCompression));
    try (org.apache.kafka.clients.admin.Admin a = org.apache.kafka.clients.admin.Admin.create(p)) {
      int node = a.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next().id();
      Map<String, Long> size = new java.util.TreeMap<>();
      a.describeLogDirs(List.of(node))
          .allDescriptions()
          .get(30, TimeUnit.SECONDS)
          .get(node)
          .values()
          .forEach(
              d ->
                  d.replicaInfos().forEach((tp, r) -> size.merge(tp.topic(), r.size(), Long::sum)));
      for (Map.Entry<String, Long> e : size.entrySet()) {
        long records =
            facts
                .endOffsets(e.getKey(), org.apache.kafka.common.IsolationLevel.READ_UNCOMMITTED)
                .values()
                .stream()
                .mapToLong(Long::longValue)
                .sum();
        if (e.getKey().startsWith("__") || records == 0) {
          continue;
        }
        b.append(
            String.format(
                Locale.ROOT,
                "| %s | %,d | %,d | %.0f |%n",
                e.getKey(),
                records,
                e.getValue(),
                (double) e.getValue() / records));
      }
    }
    return b.toString();
  }

  private Drain drain(String name, String group, boolean passThrough, String backend)
      throws Exception {
    EnforcementJob.Settings s = new EnforcementJob.Settings().bootstrapServers(bootstrap);
    s.groupId = group;
    s.transactionalIdPrefix = group;
    s.parallelism = parallelism;
    hotConsumer(s);
    s.stateBackend = backend;
    s.checkpointIntervalMs = checkpointIntervalMs;
    s.sinkCompression = sinkCompression;
    s.bufferTimeoutMs = bufferTimeoutMs;
    s.checkpointDir = stateDir.resolve("checkpoints").toAbsolutePath().toUri().toString();
    out.printf("stream-load: %s: draining %,d calls ...%n", name, calls);
    try (RunningJob job = new RunningJob(s, passThrough)) {
      TaskRates rates = new TaskRates(job.flink.restAddress(), job.job);
      long[] lastRate = {0};
      return measure(
          name,
          group,
          Topics.CALLS,
          calls,
          "calls",
          job::check,
          (now, done) -> {
            if (done > calls / 5 && done < calls - calls / 20 && now - lastRate[0] > 2e9) {
              rates.sample(); // the counters at the start and the end of the drain's steady middle
              lastRate[0] = now;
            }
          },
          rates::report);
    }
  }

  @FunctionalInterface
  private interface Check {
    void run() throws Exception;
  }

  @FunctionalInterface
  private interface Sample {
    void at(long nanos, long done);
  }

  /**
   * Samples the group's committed offsets on {@code topic} every 250 ms until they reach {@code
   * total}: the drain's overall rate, and its steady rate after the first 10 %.
   */
  private Drain measure(
      String name,
      String group,
      String topic,
      long total,
      String unit,
      Check check,
      Sample sample,
      java.util.function.Supplier<List<String>> rates)
      throws Exception {
    List<long[]> samples = new ArrayList<>();
    long self = ProcessHandle.current().pid();
    long jobCpu0 = cpuNanos(self);
    long brokerCpu0 = cpuNanos(brokerPid);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(timeoutMinutes);
    long lastPrint = 0;
    while (true) {
      long done = facts.committedTotal(group, topic);
      long now = System.nanoTime();
      samples.add(new long[] {now, done});
      if (done >= total) {
        break;
      }
      if (now > deadline) {
        throw new IllegalStateException(
            name + ": only " + done + " of " + total + " after " + timeoutMinutes + " min");
      }
      check.run();
      sample.at(now, done);
      if (now - lastPrint > 10e9) {
        out.printf("stream-load:   %,d of %,d%n", done, total);
        lastPrint = now;
      }
      Thread.sleep(250); // a progress sample every 250 ms: offsets have no event to wait on
    }
    long[] first = samples.stream().filter(x -> x[1] > 0).findFirst().orElseThrow();
    long[] tenth = samples.stream().filter(x -> x[1] >= total / 10).findFirst().orElseThrow();
    long[] last = samples.get(samples.size() - 1);
    double seconds = (last[0] - first[0]) / 1e9;
    double overall = last[1] / seconds;
    double steady = (last[1] - tenth[1]) / ((last[0] - tenth[0]) / 1e9);
    out.printf(
        Locale.ROOT,
        "stream-load: %s: %,.0f %s/s steady (after the first 10 %%), %,.0f overall%n",
        name,
        steady,
        unit,
        overall);
    // CPU per call over the whole drain: this JVM (the job, and the sampling thread) and the broker
    double jobCpu = (cpuNanos(self) - jobCpu0) / 1e3 / total;
    double brokerCpu = (cpuNanos(brokerPid) - brokerCpu0) / 1e3 / total;
    out.printf(
        Locale.ROOT,
        "stream-load: %s: CPU %.1f µs a %s in the job's JVM, %.1f µs in the broker%n",
        name,
        jobCpu,
        unit.substring(0, unit.length() - 1),
        brokerCpu);
    return new Drain(name, total, seconds, steady, overall, rates.get(), jobCpu, brokerCpu);
  }

  /** The plain Kafka loop drains the same calls (no Flink), measured the same way. */
  private Drain plainDrain(Map<String, String> contracts) throws Exception {
    String name = "plain Kafka loop (no Flink), in memory";
    String group = "load-plain-" + UUID.randomUUID();
    List<io.tollgate.policy.CompiledPolicy> compiled = new ArrayList<>();
    PolicyCompiler compiler = new PolicyCompiler();
    for (Map.Entry<String, String> e : contracts.entrySet()) {
      compiled.add(
          compiler.compile(
              new YamlContractSource().read(e.getKey(), null, e.getValue()).policies().get(0)));
    }
    out.printf("stream-load: %s: draining %,d calls ...%n", name, calls);
    try (PlainLoop loop =
        new PlainLoop(bootstrap, group, compiled, checkpointIntervalMs, sinkCompression)) {
      pinJob();
      return measure(
          name, group, Topics.CALLS, calls, "calls", loop::check, (now, done) -> {}, List::of);
    }
  }

  /**
   * The metering job drains the feedback the enforcement drain wrote (one event per call), as its
   * rate is measured: by its committed offsets on {@code tollgate.feedback}.
   */
  private Drain meteringDrain() throws Exception {
    String group = "load-meter-" + UUID.randomUUID();
    io.tollgate.flink.metering.MeteringJob.Settings m =
        new io.tollgate.flink.metering.MeteringJob.Settings();
    m.bootstrapServers = bootstrap;
    m.groupId = group;
    m.transactionalIdPrefix = group;
    m.parallelism = parallelism;
    m.checkpointIntervalMs = checkpointIntervalMs;
    m.checkpointDir = stateDir.resolve("checkpoints").toAbsolutePath().toUri().toString();
    return feedbackDrain(
        "metering, heap state",
        group,
        io.tollgate.flink.metering.MeteringJob.configuration(m),
        env -> io.tollgate.flink.metering.MeteringJob.build(env, m));
  }

  /**
   * The evidence job seals the feedback the enforcement drain wrote (one entry per call), at
   * parallelism 1 as always: its rate by its committed offsets on {@code tollgate.feedback}, which
   * a checkpoint of its state commits (every entry before them is in the log, and signed within a
   * second).
   */
  private Drain evidenceDrain() throws Exception {
    String group = "load-evidence-" + UUID.randomUUID();
    io.tollgate.flink.evidence.EvidenceJob.Settings e =
        new io.tollgate.flink.evidence.EvidenceJob.Settings();
    e.bootstrapServers = bootstrap;
    e.groupId = group;
    e.transactionalIdPrefix = group;
    e.checkpointIntervalMs = checkpointIntervalMs;
    e.logDir = stateDir.resolve("evidence/log").toAbsolutePath().toString();
    e.keysDir = stateDir.resolve("evidence/keys").toAbsolutePath().toString();
    e.checkpointDir = stateDir.resolve("checkpoints").toAbsolutePath().toUri().toString();
    deleteQuietly(stateDir.resolve("evidence"));
    return feedbackDrain(
        "evidence (sealing), parallelism 1",
        group,
        io.tollgate.flink.evidence.EvidenceJob.configuration(e),
        env -> io.tollgate.flink.evidence.EvidenceJob.build(env, e));
  }

  private Drain feedbackDrain(
      String name,
      String group,
      Configuration conf,
      java.util.function.Consumer<StreamExecutionEnvironment> build)
      throws Exception {
    // each partition of the transactional feedback ends with a commit marker, which a consumer
    // skips: its committed offset stops one short of the end offset when it has read everything
    long events =
        facts
            .endOffsets(Topics.FEEDBACK, org.apache.kafka.common.IsolationLevel.READ_COMMITTED)
            .values()
            .stream()
            .mapToLong(e -> Math.max(0, e - 1))
            .sum();
    out.printf("stream-load: %s: draining %,d feedback events ...%n", name, events);
    conf.setString("taskmanager.memory.managed.size", "256m");
    try (LocalFlink flink = LocalFlink.start(conf, parallelism)) {
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
      build.accept(env);
      JobID job = flink.submit(env, group);
      flink.awaitRunning(job, Duration.ofMinutes(2));
      pinJob();
      try {
        return measure(
            name,
            group,
            Topics.FEEDBACK,
            events,
            "events",
            () -> flink.check(job),
            (now, done) -> {},
            List::of);
      } finally {
        flink.cancel(job);
      }
    }
  }

  private String latencyRun(String group, double rate) throws Exception {
    EnforcementJob.Settings s = new EnforcementJob.Settings().bootstrapServers(bootstrap);
    s.groupId = group; // its offsets sit at the end of the calls written so far
    s.transactionalIdPrefix = group + "-latency";
    s.parallelism = parallelism;
    hotConsumer(s);
    s.checkpointIntervalMs = checkpointIntervalMs;
    s.sinkCompression = sinkCompression;
    s.bufferTimeoutMs = bufferTimeoutMs;
    s.checkpointDir = stateDir.resolve("checkpoints").toAbsolutePath().toUri().toString();
    long target = (long) rate;
    out.printf("stream-load: latency at %,d calls/s for %d s ...%n", target, latencySeconds);

    String newText =
        hot > 0
            ? Telemetry.contract(0, "traffic-optimisation", 1_000_000)
            : Telemetry.contract(0, "traffic-optimisation");
    String newVersion =
        new PolicyCompiler()
            .compile(new YamlContractSource().read("load-0", null, newText).policies().get(0))
            .version();
    Histogram decision = new Histogram(3_600_000L, 3);
    Histogram visible = new Histogram(3_600_000L, 3);
    AtomicLong policyChangeDecided = new AtomicLong();
    try (RunningJob job = new RunningJob(s, false);
        KafkaConsumer<byte[], byte[]> c = committedConsumer()) {
      List<TopicPartition> parts =
          c.partitionsFor(Topics.FEEDBACK).stream()
              .map(pi -> new TopicPartition(Topics.FEEDBACK, pi.partition()))
              .collect(Collectors.toList());
      c.assign(parts);
      c.seekToEnd(parts);
      parts.forEach(c::position);
      long start = System.currentTimeMillis();
      long warm = start + Math.min(10_000, latencySeconds * 250L);
      long[] published = {0};
      Thread producer =
          new Thread(
              () -> {
                if (pinned) {
                  Pinning.currentThread(1); // its producer's network thread follows it
                }
                produceAt(
                    target,
                    latencySeconds,
                    () -> {
                      published[0] = System.currentTimeMillis();
                      try (KafkaProducer<byte[], byte[]> p = producer()) {
                        ContractPublisher.publish(p, Map.of("load-0", newText));
                      } catch (Exception e) {
                        throw new IllegalStateException(e);
                      }
                    });
              },
              "latency-producer");
      producer.start();
      long end = start + latencySeconds * 1000L + 5000;
      while (System.currentTimeMillis() < end) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
          long now = System.currentTimeMillis();
          FeedbackEvent e = EventReader.feedback(r.value());
          long ingest = e.ingestTime();
          long decided = e.decisionTime();
          String version = e.policyVersion();
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
      String change =
          policyChangeDecided.get() == 0
              ? "not observed"
              : (policyChangeDecided.get() - published[0]) + " ms";
      String share =
          latencyOnly > 0
              ? "a latency-only run after a 3 M-call warm-up"
              : String.format(Locale.ROOT, "%.0f %% of the enforcement peak", rateFraction * 100);
      return String.format(
          Locale.ROOT,
          "%nlatency at %,d calls/s offered (%s), %,d decisions measured over %.0f s:%n"
              + "| latency | p50 | p99 | p99.9 | max |%n|---|---:|---:|---:|---:|%n"
              + "| decision (call in to decision) | %d ms | %d ms | %d ms | %d ms |%n"
              + "| visible (call in to committed feedback) | %d ms | %d ms | %d ms | %d ms |%n"
              + "%npolicy change (publish to first decision under the new version): %s%n",
          target,
          share,
          decision.getTotalCount(),
          seconds,
          decision.getValueAtPercentile(50),
          decision.getValueAtPercentile(99),
          decision.getValueAtPercentile(99.9),
          decision.getMaxValue(),
          visible.getValueAtPercentile(50),
          visible.getValueAtPercentile(99),
          visible.getValueAtPercentile(99.9),
          visible.getMaxValue(),
          change);
    }
  }

  private Telemetry telemetry(long seed) {
    Telemetry t = new Telemetry(consumers, zipf, seed);
    return hot > 0 ? t.keyByVehicle() : t;
  }

  /** The job's settings for a run: the hot consumer's shards. */
  private void hotConsumer(EnforcementJob.Settings s) {
    if (hot > 1) {
      s.hotConsumers.put("consumer-0", hot);
    }
  }

  /** Writes {@code n} calls as fast as the broker takes them; returns how many. */
  private long produce(long n, long rate, Duration timeout) throws Exception {
    Telemetry tel = telemetry(42);
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
    Telemetry tel = telemetry(4242);
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

  /**
   * The job (or its pass-through baseline) on a local MiniCluster; fails loudly if it ends early.
   */
  private final class RunningJob implements AutoCloseable {
    final LocalFlink flink;
    final JobID job;

    RunningJob(EnforcementJob.Settings s, boolean passThrough) throws Exception {
      Configuration conf = EnforcementJob.configuration(s);
      conf.setString("taskmanager.memory.managed.size", "256m");
      flink = LocalFlink.start(conf, s.parallelism);
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
      Map<Integer, Long> policiesEnd = PolicyOffsets.end(s.bootstrapServers);
      if (passThrough) {
        EnforcementJob.sinks(
            EnforcementJob.streams(env, s, new PassThroughFunction(), "pass-through"), s);
      } else {
        EnforcementJob.build(env, s, policiesEnd);
      }
      job = flink.submit(env, s.groupId);
      flink.awaitRunning(job, Duration.ofMinutes(2));
      pinJob();
    }

    void check() throws Exception {
      flink.check(job);
    }

    @Override
    public void close() throws Exception {
      try {
        flink.cancel(job);
      } finally {
        flink.close();
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
