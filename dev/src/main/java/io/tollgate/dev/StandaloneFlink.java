package io.tollgate.dev;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Flink standalone session cluster of separate processes on loopback: one JobManager and any
 * number of TaskManagers, each its own JVM, started from Flink's own jars (a {@code lib/} directory
 * such as {@code flink-jobs/target/flink/lib}: flink-dist is not on Maven Central) the way Flink's
 * {@code jobmanager.sh} and {@code taskmanager.sh} start them: the same entry points ({@code
 * StandaloneSessionClusterEntrypoint}, {@code TaskManagerRunner}), the same memory arithmetic
 * ({@code BashJavaUtils}' JVM and dynamic parameters), one {@code config.yaml}.
 *
 * <p>Jobs reach it only through its REST API, as on any real cluster: a jar is uploaded, run with
 * arguments, stopped with a savepoint, started again from one ({@link #upload}, {@link #run},
 * {@link #stopWithSavepoint}). The cluster's state (ports, process ids) lives in {@code
 * cluster.properties} of its directory, so that another process can {@link #attach} to it and stop
 * it ({@code tollgate cluster down}).
 */
public final class StandaloneFlink implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StandaloneFlink.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String ENTRY_JM =
      "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
  static final String ENTRY_TM = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";

  /** What to start. */
  public static final class Options {
    public int taskManagers = 2;
    public int slotsPerTaskManager = 2;
    public String jobManagerMemory = "768m";
    public String taskManagerMemory = "1280m";

    /** 0: a free port. */
    public int restPort;

    /** More cluster configuration ({@code config.yaml} keys). */
    public final Map<String, String> conf = new LinkedHashMap<>();

    public Duration timeout = Duration.ofMinutes(2);
  }

  private final Path lib;
  private final Path dir;
  private final Options options;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final int restPort;
  private long jobManagerPid;
  private final Map<String, Long> taskManagers = new LinkedHashMap<>();
  private int nextTaskManager;

  private StandaloneFlink(Path lib, Path dir, Options options, int restPort) {
    this.lib = lib;
    this.dir = dir;
    this.options = options;
    this.restPort = restPort;
  }

  /**
   * Starts a cluster in {@code dir} (its config, logs, uploads, temp files) on the jars of {@code
   * lib}, and waits until every TaskManager has registered its slots.
   */
  public static StandaloneFlink start(Path lib, Path dir, Options o)
      throws IOException, InterruptedException {
    lib = lib.toAbsolutePath();
    dir = dir.toAbsolutePath();
    if (!Files.isDirectory(lib)
        || Files.list(lib).noneMatch(p -> p.getFileName().toString().startsWith("flink-runtime"))) {
      throw new IOException(
          "no Flink distribution at "
              + lib
              + ": it needs Flink's jars (flink-runtime, ...); build with mvn package first");
    }
    if (Files.exists(dir.resolve("cluster.properties"))) {
      throw new IOException(
          "a cluster already runs from "
              + dir
              + " (cluster.properties exists): stop it first (tollgate cluster down)");
    }
    for (String d : List.of("conf", "log", "tmp", "uploads", "plugins", "savepoints")) {
      Files.createDirectories(dir.resolve(d));
    }
    int rest = o.restPort > 0 ? o.restPort : KafkaBroker.freePort();
    // another cluster on the port would answer for this one (its JobManager then dies on bind)
    requireFreePort(rest, "Flink's REST port");
    StandaloneFlink f = new StandaloneFlink(lib, dir, o, rest);
    f.writeConfig();
    try {
      f.jobManagerPid = f.spawn("jobmanager", f.jobManagerCommand()).pid();
      f.saveState();
      for (int i = 0; i < o.taskManagers; i++) {
        f.startTaskManager();
      }
      f.awaitSlots(o.taskManagers, o.timeout);
      f.checkJobManagerAlive();
    } catch (IOException | InterruptedException | RuntimeException e) {
      f.close();
      throw e;
    }
    LOG.info(
        "Flink standalone cluster up: REST {}, {} TaskManagers x {} slots",
        f.rest(),
        o.taskManagers,
        o.slotsPerTaskManager);
    return f;
  }

  /** Fails, naming {@code what}, when something listens on {@code port} of the loopback. */
  public static void requireFreePort(int port, String what) throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port));
    } catch (IOException e) {
      throw new IOException(
          what
              + " "
              + port
              + " is in use (another cluster or program listens there): choose another",
          e);
    }
  }

  /** The cluster a {@code cluster.properties} in {@code dir} describes (started by another JVM). */
  public static StandaloneFlink attach(Path dir) throws IOException {
    dir = dir.toAbsolutePath();
    Path state = dir.resolve("cluster.properties");
    if (!Files.exists(state)) {
      throw new IOException("no cluster runs from " + dir + " (no cluster.properties)");
    }
    Properties p = new Properties();
    try (var in = Files.newBufferedReader(state)) {
      p.load(in);
    }
    StandaloneFlink f =
        new StandaloneFlink(
            Path.of(p.getProperty("lib")),
            dir,
            new Options(),
            Integer.parseInt(p.getProperty("rest.port")));
    f.jobManagerPid = Long.parseLong(p.getProperty("jobmanager.pid"));
    for (String k : p.stringPropertyNames()) {
      if (k.startsWith("taskmanager.") && k.endsWith(".pid")) {
        f.taskManagers.put(
            k.substring("taskmanager.".length(), k.length() - ".pid".length()),
            Long.parseLong(p.getProperty(k)));
      }
    }
    f.nextTaskManager = Integer.parseInt(p.getProperty("taskmanager.next", "0"));
    return f;
  }

  public URI rest() {
    return URI.create("http://127.0.0.1:" + restPort);
  }

  public Path directory() {
    return dir;
  }

  /** The process ids of the TaskManagers started here, by resource id. */
  public synchronized Map<String, Long> taskManagerPids() {
    return new LinkedHashMap<>(taskManagers);
  }

  public long jobManagerPid() {
    return jobManagerPid;
  }

  /** Starts one more TaskManager; returns its resource id (also its REST id). */
  public synchronized String startTaskManager() throws IOException {
    String id = "tm-" + nextTaskManager++;
    Process p = spawn(id, taskManagerCommand(id));
    taskManagers.put(id, p.pid());
    saveState();
    return id;
  }

  /** Kills a TaskManager with SIGKILL (no shutdown of any kind) and waits until it is gone. */
  public synchronized void kill(String taskManager) throws InterruptedException, IOException {
    Long pid = taskManagers.remove(taskManager);
    if (pid == null) {
      throw new IllegalArgumentException("no TaskManager " + taskManager + " here");
    }
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    if (h.isPresent()) {
      // destroyForcibly is SIGKILL on Unix: the JVM runs no hook, flushes nothing
      h.get().destroyForcibly();
      awaitExit(h.get(), Duration.ofSeconds(30));
    }
    saveState();
    LOG.info("TaskManager {} (pid {}) killed with SIGKILL", taskManager, pid);
  }

  /** Waits until {@code count} TaskManagers are registered with all their slots. */
  public void awaitSlots(int count, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (true) {
      checkJobManagerAlive();
      try {
        JsonNode o = get("/overview");
        last = o.toString();
        if (o.path("taskmanagers").asInt() >= count
            && o.path("slots-total").asInt() >= count * options.slotsPerTaskManager) {
          return;
        }
      } catch (IOException e) {
        last = e.getMessage(); // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(
            "the cluster did not have "
                + count
                + " TaskManagers within "
                + timeout
                + " (last overview: "
                + last
                + "); logs in "
                + dir.resolve("log"));
      }
      Thread.sleep(200); // polls a condition: there is no event to wait on
    }
  }

  /** Uploads a job jar; returns the cluster's id of it. */
  public String upload(Path jar) throws IOException, InterruptedException {
    if (!Files.isRegularFile(jar)) {
      throw new IOException("no job jar at " + jar.toAbsolutePath());
    }
    String boundary = "tollgate-" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String head =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
            + jar.getFileName()
            + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n";
    body.write(head.getBytes(StandardCharsets.UTF_8));
    body.write(Files.readAllBytes(jar));
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpRequest r =
        HttpRequest.newBuilder(rest().resolve("/jars/upload"))
            .timeout(Duration.ofMinutes(2))
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
            .build();
    JsonNode o = send(r);
    String file = o.path("filename").asText();
    if (!"success".equals(o.path("status").asText()) || file.isEmpty()) {
      throw new IOException("upload of " + jar + " refused: " + o);
    }
    return Path.of(file).getFileName().toString();
  }

  /**
   * Runs an uploaded jar's {@code entryClass} with {@code args} (its {@code main} runs in the
   * JobManager and submits the job); from {@code savepoint} when it is not null, strictly (every
   * state of the savepoint must belong to an operator). Returns the job id.
   */
  public String run(String jarId, String entryClass, List<String> args, String savepoint)
      throws IOException, InterruptedException {
    ObjectNode req = JSON.createObjectNode();
    req.put("entryClass", entryClass);
    ArrayNode a = req.putArray("programArgsList");
    args.forEach(a::add);
    if (savepoint != null) {
      req.put("savepointPath", savepoint);
      req.put("allowNonRestoredState", false);
    }
    JsonNode o = post("/jars/" + jarId + "/run", req, Duration.ofMinutes(2));
    String job = o.path("jobid").asText();
    if (job.isEmpty()) {
      throw new IOException("run of " + entryClass + " gave no job id: " + o);
    }
    return job;
  }

  /** The job's state: CREATED, RUNNING, FAILING, FAILED, CANCELED, FINISHED, RESTARTING... */
  public String state(String job) throws IOException, InterruptedException {
    return get("/jobs/" + job).path("state").asText();
  }

  /** Every task of the job and its state, from the REST API's job details. */
  public JsonNode details(String job) throws IOException, InterruptedException {
    return get("/jobs/" + job);
  }

  /** The job's root exception, or null. */
  public String rootException(String job) throws IOException, InterruptedException {
    JsonNode e = get("/jobs/" + job + "/exceptions").path("root-exception");
    return e.isMissingNode() || e.isNull() ? null : e.asText();
  }

  /** Throws, naming the job's root exception, when the job has ended. */
  public void check(String job) throws IOException, InterruptedException {
    String s = state(job);
    if (List.of("FAILED", "CANCELED", "FINISHED", "SUSPENDED").contains(s)) {
      throw new IllegalStateException("job " + job + " ended: " + s + ": " + rootException(job));
    }
  }

  /** Waits until every task of the job runs. */
  public void awaitRunning(String job, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      check(job);
      JsonNode d = details(job);
      boolean all = d.path("state").asText().equals("RUNNING") && d.path("vertices").size() > 0;
      for (JsonNode v : d.path("vertices")) {
        all &= v.path("status").asText().equals("RUNNING");
      }
      if (all) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "job " + job + " did not have every task running within " + timeout + ": " + d);
      }
      Thread.sleep(200); // polls a condition: there is no event to wait on
    }
  }

  /**
   * The TaskManagers that run tasks of the job (their resource ids), from the REST API's view of
   * each vertex.
   */
  public List<String> taskManagersOf(String job) throws IOException, InterruptedException {
    List<String> out = new ArrayList<>();
    for (JsonNode v : details(job).path("vertices")) {
      JsonNode tms = get("/jobs/" + job + "/vertices/" + v.path("id").asText() + "/taskmanagers");
      for (JsonNode tm : tms.path("taskmanagers")) {
        String id = tm.path("taskmanager-id").asText();
        if (!id.isEmpty() && !out.contains(id)) {
          out.add(id);
        }
      }
    }
    return out;
  }

  /**
   * Stops the job with a canonical savepoint under {@code target} (no drain: event time does not
   * jump to the end); returns the savepoint's path.
   */
  public String stopWithSavepoint(String job, Path target, Duration timeout)
      throws IOException, InterruptedException {
    ObjectNode req = JSON.createObjectNode();
    req.put("targetDirectory", target.toAbsolutePath().toUri().toString());
    req.put("drain", false);
    req.put("formatType", "CANONICAL");
    String trigger =
        post("/jobs/" + job + "/stop", req, Duration.ofSeconds(30)).path("request-id").asText();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode o = get("/jobs/" + job + "/savepoints/" + trigger);
      if ("COMPLETED".equals(o.path("status").path("id").asText())) {
        JsonNode op = o.path("operation");
        if (op.has("failure-cause")) {
          JsonNode cause = op.path("failure-cause");
          String trace = cause.path("stack-trace").asText(cause.toString());
          throw new IOException(
              "stop with savepoint of "
                  + job
                  + " failed: "
                  + errorText(JSON.createArrayNode().add(trace)));
        }
        return op.path("location").asText();
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("stop with savepoint of " + job + " did not finish in " + timeout);
      }
      Thread.sleep(200); // polls the trigger: the REST API has no other way
    }
  }

  /** Cancels the job and waits until it has ended. */
  public void cancel(String job) throws IOException, InterruptedException {
    HttpRequest r =
        HttpRequest.newBuilder(rest().resolve("/jobs/" + job + "?mode=cancel"))
            .timeout(Duration.ofSeconds(30))
            .method("PATCH", HttpRequest.BodyPublishers.noBody())
            .build();
    send(r);
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (!List.of("FAILED", "CANCELED", "FINISHED").contains(state(job))) {
      if (System.nanoTime() > deadline) {
        throw new IOException("job " + job + " was not cancelled within a minute");
      }
      Thread.sleep(100); // polls a condition: there is no event to wait on
    }
  }

  /** Every job the cluster knows: id, name, state. */
  public JsonNode jobs() throws IOException, InterruptedException {
    return get("/jobs/overview").path("jobs");
  }

  public JsonNode overview() throws IOException, InterruptedException {
    return get("/overview");
  }

  /**
   * Stops every process: SIGTERM (Flink shuts down its services), and SIGKILL for one still there
   * after 30 s. Removes {@code cluster.properties}; logs stay.
   */
  @Override
  public synchronized void close() {
    List<ProcessHandle> all = new ArrayList<>();
    taskManagers.values().forEach(pid -> ProcessHandle.of(pid).ifPresent(all::add));
    ProcessHandle.of(jobManagerPid).ifPresent(all::add);
    all.forEach(ProcessHandle::destroy);
    for (ProcessHandle h : all) {
      try {
        if (!awaitExit(h, Duration.ofSeconds(30))) {
          h.destroyForcibly();
          awaitExit(h, Duration.ofSeconds(10));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        h.destroyForcibly();
      }
    }
    taskManagers.clear();
    try {
      Files.deleteIfExists(dir.resolve("cluster.properties"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean awaitExit(ProcessHandle h, Duration timeout) throws InterruptedException {
    try {
      h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      return !h.isAlive();
    }
  }

  private void checkJobManagerAlive() throws IOException {
    if (ProcessHandle.of(jobManagerPid).map(ProcessHandle::isAlive).orElse(false)) {
      return;
    }
    Path log = dir.resolve("log").resolve("jobmanager.out");
    String tail = Files.exists(log) ? tail(Files.readString(log), 3000) : "";
    throw new IOException("the JobManager (pid " + jobManagerPid + ") is not running: " + tail);
  }

  private static String tail(String s, int n) {
    return s.length() <= n ? s : s.substring(s.length() - n);
  }

  /** The configuration every process reads: loopback, ports, directories, failure detection. */
  private Configuration configuration() throws IOException {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("jobmanager.rpc.address", "127.0.0.1");
    c.put("jobmanager.rpc.port", Integer.toString(KafkaBroker.freePort()));
    c.put("jobmanager.bind-host", "127.0.0.1");
    c.put("jobmanager.memory.process.size", options.jobManagerMemory);
    c.put("rest.address", "127.0.0.1");
    c.put("rest.bind-address", "127.0.0.1");
    c.put("rest.port", Integer.toString(restPort));
    c.put("blob.server.port", Integer.toString(KafkaBroker.freePort()));
    c.put("taskmanager.host", "127.0.0.1");
    c.put("taskmanager.bind-host", "127.0.0.1");
    c.put("taskmanager.numberOfTaskSlots", Integer.toString(options.slotsPerTaskManager));
    c.put("taskmanager.memory.process.size", options.taskManagerMemory);
    c.put("parallelism.default", "1");
    c.put("web.upload.dir", dir.resolve("uploads").toString());
    c.put("io.tmp.dirs", dir.resolve("tmp").toString());
    c.put("web.tmpdir", dir.resolve("tmp").toString());
    // a killed TaskManager is noticed by its broken connections at once, and by the heartbeat
    // within 10 s at the latest (Flink's default is 50 s)
    c.put("heartbeat.interval", "2000");
    c.put("heartbeat.timeout", "10000");
    c.put("cluster.evenly-spread-out-slots", "true");
    c.put("restart-strategy.type", "fixed-delay");
    c.put("restart-strategy.fixed-delay.attempts", "20");
    c.put("restart-strategy.fixed-delay.delay", "2 s");
    c.put("state.savepoints.dir", dir.resolve("savepoints").toUri().toString());
    c.put(
        "metrics.reporter.prom.factory.class",
        "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
    c.put("metrics.reporter.prom.port", "9250-9300");
    c.putAll(options.conf);
    Configuration conf = new Configuration();
    c.forEach(conf::setString);
    return conf;
  }

  private void writeConfig() throws IOException {
    StringBuilder y = new StringBuilder("# written by Tollgate's StandaloneFlink\n");
    for (Map.Entry<String, String> e : configuration().toMap().entrySet()) {
      y.append(e.getKey()).append(": ").append(JSON.writeValueAsString(e.getValue())).append('\n');
    }
    Files.writeString(dir.resolve("conf").resolve("config.yaml"), y.toString());
    Files.writeString(
        dir.resolve("conf").resolve("log4j.properties"),
        String.join(
            "\n",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.file.ref = file",
            "logger.kafka.name = org.apache.kafka",
            "logger.kafka.level = WARN",
            "appender.file.name = file",
            "appender.file.type = File",
            "appender.file.fileName = ${sys:log.file}",
            "appender.file.layout.type = PatternLayout",
            "appender.file.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
            ""));
  }

  private Configuration loaded() throws IOException {
    return org.apache.flink.configuration.GlobalConfiguration.loadConfiguration(
        dir.resolve("conf").toString());
  }

  private List<String> jobManagerCommand() throws IOException {
    Configuration conf = loaded();
    JobManagerProcessSpec spec = JobManagerProcessUtils.processSpecFromConfig(conf);
    List<String> cmd = new ArrayList<>();
    cmd.addAll(split(JobManagerProcessUtils.generateJvmParametersStr(spec, conf)));
    cmd.addAll(common("jobmanager"));
    cmd.add(ENTRY_JM);
    cmd.add("--configDir");
    cmd.add(dir.resolve("conf").toString());
    cmd.addAll(split(JobManagerProcessUtils.generateDynamicConfigsStr(spec)));
    return cmd;
  }

  private List<String> taskManagerCommand(String id) throws IOException {
    Configuration conf = loaded();
    TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(conf);
    List<String> cmd = new ArrayList<>();
    cmd.addAll(split(ProcessMemoryUtils.generateJvmParametersStr(spec)));
    cmd.addAll(common(id));
    cmd.add(ENTRY_TM);
    cmd.add("--configDir");
    cmd.add(dir.resolve("conf").toString());
    cmd.add("-D");
    cmd.add("taskmanager.resource-id=" + id);
    cmd.addAll(split(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec)));
    return cmd;
  }

  private List<String> common(String name) {
    return List.of(
        "-XX:+IgnoreUnrecognizedVMOptions",
        "-Dlog.file=" + dir.resolve("log").resolve(name + ".log"),
        "-Dlog4j.configurationFile=" + dir.resolve("conf").resolve("log4j.properties").toUri(),
        "-Djava.io.tmpdir=" + dir.resolve("tmp"),
        // what flink-dist's config.yaml adds for Java 17 (env.java.opts.all)
        "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
        "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
        "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
        "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-opens=java.base/java.net=ALL-UNNAMED",
        "--add-opens=java.base/java.io=ALL-UNNAMED",
        "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-opens=java.base/java.text=ALL-UNNAMED",
        "--add-opens=java.base/java.time=ALL-UNNAMED",
        "--add-opens=java.base/java.util=ALL-UNNAMED",
        "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
        "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
        "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED",
        "-cp",
        lib.resolve("*").toString());
  }

  private static List<String> split(String params) {
    List<String> out = new ArrayList<>();
    for (String p : params.trim().split("\\s+")) {
      if (!p.isEmpty()) {
        out.add(p);
      }
    }
    return out;
  }

  private Process spawn(String name, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("FLINK_CONF_DIR", dir.resolve("conf").toString());
    pb.environment().put("FLINK_LIB_DIR", lib.toString());
    pb.environment().put("FLINK_PLUGINS_DIR", dir.resolve("plugins").toString());
    pb.redirectErrorStream(true);
    pb.redirectOutput(dir.resolve("log").resolve(name + ".out").toFile());
    LOG.debug("starting {}: {}", name, cmd);
    return pb.start();
  }

  private synchronized void saveState() throws IOException {
    Properties p = new Properties();
    p.setProperty("lib", lib.toString());
    p.setProperty("rest.port", Integer.toString(restPort));
    p.setProperty("jobmanager.pid", Long.toString(jobManagerPid));
    taskManagers.forEach((id, pid) -> p.setProperty("taskmanager." + id + ".pid", pid.toString()));
    p.setProperty("taskmanager.next", Integer.toString(nextTaskManager));
    Path tmp = dir.resolve("cluster.properties.tmp");
    try (var out = Files.newBufferedWriter(tmp)) {
      p.store(out, "Tollgate's Flink standalone cluster");
    }
    Files.move(
        tmp,
        dir.resolve("cluster.properties"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private JsonNode get(String path) throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(rest().resolve(path)).timeout(Duration.ofSeconds(30)).GET().build());
  }

  private JsonNode post(String path, JsonNode body, Duration timeout)
      throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(rest().resolve(path))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .build());
  }

  /** Sends; a status other than 2xx throws with the cluster's {@code errors}. */
  private JsonNode send(HttpRequest r) throws IOException, InterruptedException {
    HttpResponse<String> resp = http.send(r, HttpResponse.BodyHandlers.ofString());
    JsonNode o = resp.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(resp.body());
    if (resp.statusCode() / 100 != 2) {
      JsonNode errors = o.path("errors");
      String why = errors.isArray() ? errorText(errors) : resp.body();
      throw new IOException(
          r.method() + " " + r.uri().getPath() + " answered " + resp.statusCode() + ": " + why);
    }
    return o;
  }

  private static String errorText(JsonNode errors) {
    List<String> out = new ArrayList<>();
    for (JsonNode e : errors) {
      // a server-side stack trace: its first line and its causes say what went wrong
      String[] lines = e.asText().split("\n");
      StringBuilder b = new StringBuilder(lines[0].trim());
      for (String l : Arrays.asList(lines).subList(1, lines.length)) {
        if (l.trim().startsWith("Caused by:")) {
          b.append(" | ").append(l.trim());
        }
      }
      out.add(b.toString());
    }
    return String.join("; ", out);
  }
}
