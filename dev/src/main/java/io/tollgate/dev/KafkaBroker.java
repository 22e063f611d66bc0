package io.tollgate.dev;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one process) started from the
 * Kafka jars on this JVM's classpath in a child JVM, bound to 127.0.0.1 with its own data
 * directory.
 *
 * <p>{@link #start()} formats the data directory when it is new (and reuses it otherwise), stops a
 * broker a killed earlier run left behind on the same directory, starts the broker, and returns
 * once an admin client sees it. {@link #close()} stops it with SIGTERM (a clean shutdown) and
 * waits. The child JVM's output goes to {@code broker.log} in the data directory.
 */
public final class KafkaBroker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);

  private final Path dir;
  private final int port;
  private final int controllerPort;
  private final String heap;
  private Process process;
  private boolean shutdownHook = true;

  private KafkaBroker(Path dir, int port, int controllerPort, String heap) {
    this.dir = dir;
    this.port = port;
    this.controllerPort = controllerPort;
    this.heap = heap;
  }

  /**
   * A broker keeping its state in {@code dir}. Ports of 0 pick free ones; a directory that already
   * holds a broker keeps the ports it was formatted with.
   */
  public static KafkaBroker at(Path dir, int port, int controllerPort, String heap) {
    try {
      Files.createDirectories(dir);
      Path ports = dir.resolve("ports");
      if (Files.exists(ports)) {
        String[] p = Files.readString(ports).trim().split(",");
        if (port == 0 || Integer.parseInt(p[0]) == port) {
          return new KafkaBroker(dir, Integer.parseInt(p[0]), Integer.parseInt(p[1]), heap);
        }
      }
      return new KafkaBroker(
          dir,
          port == 0 ? freePort() : port,
          controllerPort == 0 ? freePort() : controllerPort,
          heap);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A broker in a fresh temporary directory under {@code parent}, on free ports. */
  public static KafkaBroker temporary(Path parent) throws IOException {
    Files.createDirectories(parent);
    return at(Files.createTempDirectory(parent, "kafka-"), 0, 0, "512m");
  }

  /** The broker's process id (it runs in a JVM of its own), or -1 before it is started. */
  public long pid() {
    return process == null ? -1 : process.pid();
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  public Path directory() {
    return dir;
  }

  /** For callers that stop the broker themselves, in order, from their own shutdown hook. */
  public KafkaBroker withoutShutdownHook() {
    shutdownHook = false;
    return this;
  }

  /** Starts the broker and waits until it answers, at most {@code timeout}. */
  public KafkaBroker start(Duration timeout) throws IOException, InterruptedException {
    stopLeftover(dir);
    Path config = dir.resolve("server.properties");
    Path logs = dir.resolve("data");
    Files.writeString(config, properties(logs), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("ports"), port + "," + controllerPort + "\n");
    if (!Files.exists(logs.resolve("meta.properties"))) {
      String uuid = run(List.of("kafka.tools.StorageTool", "random-uuid")).trim();
      run(List.of("kafka.tools.StorageTool", "format", "-t", uuid, "-c", config.toString()));
      LOG.info("formatted a new Kafka data directory {}", logs);
    }
    List<String> cmd =
        java(
            List.of(
                "-Xmx" + heap,
                "-Xms" + heap,
                "-XX:+UseG1GC",
                "-Djava.awt.headless=true",
                "-Dlog4j2.configurationFile=" + log4j(),
                "kafka.Kafka",
                config.toString()));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile()));
    process = pb.start();
    Files.writeString(dir.resolve("broker.pid"), Long.toString(process.pid()));
    if (shutdownHook) {
      Runtime.getRuntime().addShutdownHook(new Thread(this::close, "kafka-broker-stop"));
    }
    awaitReady(timeout);
    LOG.info("Kafka broker {} up (pid {}, data {})", bootstrapServers(), process.pid(), logs);
    return this;
  }

  public KafkaBroker start() throws IOException, InterruptedException {
    return start(Duration.ofSeconds(60));
  }

  private void awaitReady(Duration timeout) throws InterruptedException, IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000);
    try (Admin admin = Admin.create(p)) {
      while (true) {
        if (!process.isAlive()) {
          throw new IOException(
              "Kafka broker exited with status "
                  + process.exitValue()
                  + "; see "
                  + dir.resolve("broker.log"));
        }
        try {
          if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (ExecutionException | TimeoutException e) {
          // not up yet
        }
        if (System.nanoTime() > deadline) {
          close();
          throw new IOException(
              "Kafka broker not ready within " + timeout + "; see " + dir.resolve("broker.log"));
        }
        Thread.sleep(200);
      }
    }
  }

  /**
   * A broker a killed earlier run left on this directory would hold its ports and lock: stop it.
   */
  public static void stopLeftover(Path dir) throws IOException, InterruptedException {
    Path pid = dir.resolve("broker.pid");
    if (!Files.exists(pid)) {
      return;
    }
    long id;
    try {
      id = Long.parseLong(Files.readString(pid).trim());
    } catch (NumberFormatException e) {
      Files.delete(pid);
      return;
    }
    var handle = ProcessHandle.of(id);
    if (handle.isPresent()
        && handle.get().info().commandLine().orElse("").contains("kafka.Kafka")) {
      LOG.warn("stopping a Kafka broker left running by an earlier run (pid {})", id);
      handle.get().destroy();
      try {
        handle.get().onExit().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        handle.get().destroyForcibly();
        try {
          handle.get().onExit().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e2) {
          throw new IOException("could not stop the leftover Kafka broker (pid " + id + ")", e2);
        }
      }
    }
    Files.delete(pid);
  }

  /** Stops the broker cleanly (SIGTERM, then SIGKILL after 30 s). Idempotent. */
  @Override
  public synchronized void close() {
    if (process == null) {
      return;
    }
    Process p = process;
    process = null;
    p.destroy();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        LOG.warn("Kafka broker did not stop within 30 s; killing it");
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      Files.deleteIfExists(dir.resolve("broker.pid"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      LOG.warn("could not remove the broker's pid file", e);
    }
  }

  private String properties(Path logs) {
    return String.join(
        "\n",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
        "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs=" + logs,
        "num.partitions=2",
        "offsets.topic.replication.factor=1",
        "offsets.topic.num.partitions=4",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "transaction.state.log.num.partitions=4",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "auto.create.topics.enable=false",
        "log.retention.hours=24",
        "log.segment.bytes=268435456",
        "");
  }

  private Path log4j() throws IOException {
    Path f = dir.resolve("log4j2.properties");
    Files.writeString(
        f,
        String.join(
            "\n",
            "rootLogger.level=WARN",
            "rootLogger.appenderRef.out.ref=out",
            "appender.out.type=Console",
            "appender.out.name=out",
            "appender.out.layout.type=PatternLayout",
            "appender.out.layout.pattern=%d{HH:mm:ss.SSS} %-5p %c{1} - %m%n",
            "logger.kafka.name=kafka.server.KafkaRaftServer",
            "logger.kafka.level=INFO",
            ""));
    return f;
  }

  private String run(List<String> args) throws IOException, InterruptedException {
    Path log = dir.resolve("tool.log");
    Process p =
        new ProcessBuilder(java(args))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
            .start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new IOException(
          "Kafka tool " + args + " did not finish within 60 s: " + Files.readString(log));
    }
    String out = Files.readString(log);
    if (p.exitValue() != 0) {
      throw new IOException("Kafka tool " + args + " failed: " + out);
    }
    return out;
  }

  private static List<String> java(List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(classpath());
    cmd.addAll(args);
    return cmd;
  }

  /**
   * The classpath holding the Kafka server jars: {@code tollgate.kafka.classpath} when set, else
   * this JVM's (surefire and failsafe set {@code java.class.path} to the test classpath).
   */
  private static String classpath() {
    String cp = System.getProperty("tollgate.kafka.classpath");
    if (cp == null || cp.isBlank()) {
      cp = System.getProperty("java.class.path");
    }
    return cp;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return s.getLocalPort();
    }
  }

  /** Admin client settings for this broker. */
  public Map<String, Object> adminConfig() {
    return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
  }
}
