package io.tollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.dev.ContractPublisher;
import io.tollgate.dev.KafkaBroker;
import io.tollgate.dev.StandaloneFlink;
import io.tollgate.dev.TopicAdmin;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tollgate cluster}: a real Flink standalone session cluster (one JobManager and
 * TaskManagers, each its own process) and a Kafka broker (its own process), on loopback, that
 * outlive the command; jobs go to it through Flink's REST API, as to any Flink cluster.
 */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = {
      "A Flink standalone session cluster of separate processes (a JobManager, TaskManagers) and a"
          + " Kafka broker on loopback, started from Flink's own jars; jobs are submitted through"
          + " Flink's REST API.",
      "  ./tollgate cluster up",
      "  ./tollgate cluster submit enforcement -- --parallelism 2",
      "  ./tollgate cluster stop <job id>        (stop with a savepoint)",
      "  ./tollgate cluster submit enforcement --savepoint <path> -- --parallelism 2",
      "  ./tollgate cluster down"
    },
    subcommands = {
      ClusterCommand.Up.class,
      ClusterCommand.Down.class,
      ClusterCommand.Status.class,
      ClusterCommand.Submit.class,
      ClusterCommand.Stop.class,
      CommandLine.HelpCommand.class
    })
public final class ClusterCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The repository this jar was built in ({@code cli/target/tollgate.jar}'s grandparent). */
  static Path repository() {
    try {
      Path jar =
          Path.of(ClusterCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path target = Files.isDirectory(jar) ? jar.getParent() : jar.getParent();
      return target.getParent().getParent();
    } catch (Exception e) {
      return Path.of(".");
    }
  }

  static class DirOption {
    @Option(
        names = "--dir",
        defaultValue = ".tollgate/cluster",
        description =
            "The cluster's directory: config, logs, broker data, savepoints (default: ${DEFAULT-VALUE}).")
    Path dir;

    Path flink() {
      return dir.resolve("flink");
    }

    Path kafka() {
      return dir.resolve("kafka");
    }
  }

  @Command(
      name = "up",
      mixinStandardHelpOptions = true,
      description =
          "Starts the broker, the JobManager and the TaskManagers, creates Tollgate's topics and"
              + " publishes the example contracts; returns once every TaskManager has registered.")
  static final class Up implements Callable<Integer> {
    @CommandLine.Mixin DirOption d = new DirOption();

    @Option(
        names = "--task-managers",
        defaultValue = "2",
        description = "Default: ${DEFAULT-VALUE}.")
    int taskManagers;

    @Option(
        names = "--slots",
        defaultValue = "2",
        description = "Task slots per TaskManager (default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(
        names = "--rest-port",
        defaultValue = "8081",
        description = "Flink's REST API and web UI (default: ${DEFAULT-VALUE}).")
    int restPort;

    @Option(
        names = "--kafka-port",
        defaultValue = "19092",
        description = "The broker's port (default: ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(
        names = "--partitions",
        defaultValue = "4",
        description = "Partitions of each topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(
        names = "--contracts",
        defaultValue = "examples/contracts",
        split = ",",
        description = "Contracts to publish (files or directories; default: ${DEFAULT-VALUE}).")
    List<Path> contracts;

    @Option(
        names = "--flink-lib",
        description =
            "Flink's jars (default: flink-jobs/target/flink/lib of this build: flink-dist is not"
                + " on Maven Central).")
    Path flinkLib;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (taskManagers < 1 || slots < 1 || partitions < 1) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--task-managers, --slots and --partitions must be at least 1");
      }
      PrintWriter out = spec.commandLine().getOut();
      Path lib = flinkLib != null ? flinkLib : repository().resolve("flink-jobs/target/flink/lib");
      if (Files.exists(d.flink().resolve("cluster.properties"))) {
        throw new IllegalStateException(
            "a cluster already runs from " + d.dir + ": ./tollgate cluster down stops it");
      }
      Files.createDirectories(d.dir);
      KafkaBroker.stopLeftover(d.kafka());
      // another broker on the port would answer for this one (which then dies on bind)
      io.tollgate.dev.StandaloneFlink.requireFreePort(kafkaPort, "the Kafka port");
      if (restPort > 0) {
        io.tollgate.dev.StandaloneFlink.requireFreePort(restPort, "Flink's REST port");
      }
      out.println("starting the Kafka broker on 127.0.0.1:" + kafkaPort + " ...");
      out.flush();
      KafkaBroker broker = KafkaBroker.at(d.kafka(), kafkaPort, 0, "1g").withoutShutdownHook();
      broker.start(Duration.ofMinutes(2));
      try {
        TopicAdmin.create(broker.bootstrapServers(), partitions, (short) 1);
        Map<String, String> records = ContractPublisher.load(contracts);
        try (KafkaProducer<byte[], byte[]> p =
            new KafkaProducer<>(
                Map.of(
                    "bootstrap.servers",
                    broker.bootstrapServers(),
                    "enable.idempotence",
                    "true",
                    "acks",
                    "all"),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
          ContractPublisher.publish(p, records);
        }
        out.println(
            "starting Flink: a JobManager and "
                + taskManagers
                + " TaskManagers x "
                + slots
                + " slots, from "
                + lib
                + " ...");
        out.flush();
        StandaloneFlink.Options o = new StandaloneFlink.Options();
        o.taskManagers = taskManagers;
        o.slotsPerTaskManager = slots;
        o.restPort = restPort;
        StandaloneFlink f = StandaloneFlink.start(lib, d.flink(), o);
        out.println("Kafka:     " + broker.bootstrapServers() + " (pid " + broker.pid() + ")");
        out.println("Flink:     " + f.rest() + " (REST API and web UI)");
        out.println("  JobManager  pid " + f.jobManagerPid());
        f.taskManagerPids().forEach((id, pid) -> out.println("  " + id + "        pid " + pid));
        out.println("contracts: " + records.size() + " published on tollgate.policies");
        out.println("logs:      " + d.flink().resolve("log") + ", " + d.kafka());
        out.println("next:      ./tollgate cluster submit enforcement -- --parallelism 2");
        out.println("stop:      ./tollgate cluster down");
        return 0;
      } catch (Exception e) {
        broker.close();
        throw e;
      }
    }
  }

  @Command(
      name = "down",
      mixinStandardHelpOptions = true,
      description = "Stops the cluster's processes (SIGTERM, SIGKILL after 30 s); keeps its logs.")
  static final class Down implements Callable<Integer> {
    @CommandLine.Mixin DirOption d = new DirOption();
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      boolean any = false;
      if (Files.exists(d.flink().resolve("cluster.properties"))) {
        StandaloneFlink.attach(d.flink()).close();
        out.println("Flink stopped");
        any = true;
      }
      if (Files.exists(d.kafka().resolve("broker.pid"))) {
        KafkaBroker.stopLeftover(d.kafka());
        out.println("Kafka stopped");
        any = true;
      }
      if (!any) {
        out.println("no cluster runs from " + d.dir);
      }
      return 0;
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "The cluster's TaskManagers, slots and jobs.")
  static final class Status implements Callable<Integer> {
    @CommandLine.Mixin DirOption d = new DirOption();
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      StandaloneFlink f = StandaloneFlink.attach(d.flink());
      JsonNode o = f.overview();
      out.println(
          "Flink "
              + o.path("flink-version").asText()
              + " at "
              + f.rest()
              + ": "
              + o.path("taskmanagers").asInt()
              + " TaskManagers, "
              + o.path("slots-available").asInt()
              + " of "
              + o.path("slots-total").asInt()
              + " slots free");
      for (JsonNode j : f.jobs()) {
        out.println(
            "  "
                + j.path("jid").asText()
                + "  "
                + j.path("state").asText()
                + "  "
                + j.path("name").asText());
      }
      return 0;
    }
  }

  /** The jobs of the job jar, by the name a user gives. */
  static final Map<String, String> JOBS =
      Map.of(
          "enforcement", "io.tollgate.flink.EnforcementJob",
          "metering", "io.tollgate.flink.metering.MeteringJobCommand",
          "evidence", "io.tollgate.flink.evidence.EvidenceJobCommand");

  @Command(
      name = "submit",
      mixinStandardHelpOptions = true,
      description = {
        "Uploads the job jar through Flink's REST API and runs one of its jobs with the arguments"
            + " after --; prints the job id. The job's own --help lists its arguments"
            + " (java -cp flink-jobs/target/tollgate-flink-jobs.jar <entry class> --help).",
        "The broker of cluster up is the default --bootstrap-servers of every job."
      })
  static final class Submit implements Callable<Integer> {
    @CommandLine.Mixin DirOption d = new DirOption();

    @Parameters(
        index = "0",
        description = "enforcement, metering or evidence.",
        completionCandidates = JobNames.class)
    String job;

    @Parameters(index = "1..*", description = "The job's arguments.")
    List<String> args = new ArrayList<>();

    @Option(names = "--savepoint", description = "Start from this savepoint (or checkpoint).")
    String savepoint;

    @Option(
        names = "--job-jar",
        description = "Default: flink-jobs/target/tollgate-flink-jobs.jar of this build.")
    Path jar;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      String entry = JOBS.get(job);
      if (entry == null) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "no job '" + job + "': choose one of " + JOBS.keySet());
      }
      Path j =
          jar != null ? jar : repository().resolve("flink-jobs/target/tollgate-flink-jobs.jar");
      StandaloneFlink f = StandaloneFlink.attach(d.flink());
      List<String> a = new ArrayList<>(args);
      if (a.stream().noneMatch(s -> s.startsWith("--bootstrap-servers"))
          && Files.exists(d.kafka().resolve("ports"))) {
        String port = Files.readString(d.kafka().resolve("ports")).trim().split(",")[0];
        a.add(0, "--bootstrap-servers=127.0.0.1:" + port);
      }
      if (job.equals("evidence") && a.stream().noneMatch(s -> s.startsWith("--log-dir"))) {
        a.add("--log-dir=" + d.dir.toAbsolutePath().resolve("evidence/log"));
        a.add("--keys-dir=" + d.dir.toAbsolutePath().resolve("evidence/keys"));
      }
      if (a.stream().noneMatch(s -> s.startsWith("--checkpoint-dir"))) {
        a.add("--checkpoint-dir=" + d.dir.toAbsolutePath().resolve("checkpoints/" + job).toUri());
      }
      String jarId = f.upload(j);
      String id = f.run(jarId, entry, a, savepoint);
      f.awaitRunning(id, Duration.ofMinutes(2));
      PrintWriter out = spec.commandLine().getOut();
      out.println(id);
      out.flush();
      spec.commandLine()
          .getErr()
          .println("running: " + job + " (" + entry + ") " + String.join(" ", a));
      return 0;
    }
  }

  static final class JobNames extends ArrayList<String> {
    private static final long serialVersionUID = 1L;

    JobNames() {
      super(JOBS.keySet());
    }
  }

  @Command(
      name = "stop",
      mixinStandardHelpOptions = true,
      description =
          "Stops a job with a savepoint (its counters and offsets) and prints the savepoint's path:"
              + " cluster submit --savepoint <path> starts the job from it, at any parallelism.")
  static final class Stop implements Callable<Integer> {
    @CommandLine.Mixin DirOption d = new DirOption();

    @Parameters(index = "0", description = "The job id (cluster status lists them).")
    String jobId;

    @Option(names = "--savepoint-dir", description = "Default: the cluster's savepoints directory.")
    Path savepointDir;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      StandaloneFlink f = StandaloneFlink.attach(d.flink());
      Path target = savepointDir != null ? savepointDir : d.flink().resolve("savepoints");
      String path = f.stopWithSavepoint(jobId, target, Duration.ofMinutes(5));
      spec.commandLine().getOut().println(path);
      return 0;
    }
  }
}
