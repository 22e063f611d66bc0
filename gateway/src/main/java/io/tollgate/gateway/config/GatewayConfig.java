package io.tollgate.gateway.config;

import io.tollgate.gateway.identity.Participants;
import io.tollgate.policy.Action;
import io.tollgate.policy.Diagnostic;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The gateway's one configuration file ({@code tollgate gateway --config FILE}). Every problem is
 * located (file:line:column: pointer: message) and all are reported together. See {@code
 * gateway/README.md} for every key.
 */
public record GatewayConfig(
    String id,
    InetSocketAddress listen,
    InetSocketAddress adminListen,
    String adminTokenSha256,
    Tls tls,
    String kafkaBootstrap,
    String redisUri,
    int redisReplicas,
    int redisLeaseCalls,
    String maskKey,
    Limits limits,
    Spool spool,
    Participants participants,
    List<Route> routes) {

  /** TLS for the public listener; {@code clientCa} enables mutual TLS. */
  public record Tls(Path certificate, Path key, Path clientCa, ClientAuth clientAuth) {}

  public enum ClientAuth {
    NONE,
    OPTIONAL,
    REQUIRE
  }

  /** Limits on what clients may send, and on responses. */
  public record Limits(
      int maxUriBytes,
      int maxHeaderBytes,
      long maxRequestBytes,
      Duration requestTimeout,
      Duration idleTimeout,
      int maxDepth,
      int maxValueBytes,
      int maxConnections,
      int ioThreads) {}

  /** The on-disk spool feedback goes to while Kafka is unreachable. */
  public record Spool(Path dir, long maxBytes, boolean failOpen, int bufferEvents) {}

  /**
   * Event-loop threads by default: one per core, as nginx's {@code worker_processes auto} (Netty's
   * own default of two per core only adds context switches to a proxy that never blocks).
   */
  private static final int CORES = Runtime.getRuntime().availableProcessors();

  public static final String DEMO_MASK_KEY = "tollgate-demo-mask-key";
  private static final Pattern DATASET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Pattern PREFIX = Pattern.compile("(/[A-Za-z0-9._~-]+)+");

  /** Reads and checks the configuration at {@code path} (and the participants file it names). */
  public static GatewayConfig read(Path path) throws ConfigException {
    Node.Problems problems = new Node.Problems();
    Node root = Node.read(path, problems);
    if (root == null) {
      problems.throwIfAny();
    }
    GatewayConfig c = read(root);
    problems.throwIfAny();
    return c;
  }

  static GatewayConfig read(Node root) {
    root.only(
        "id",
        "listen",
        "admin",
        "tls",
        "kafka",
        "redis",
        "maskKey",
        "limits",
        "spool",
        "participants",
        "catalog");
    String id = root.text("id", "gateway-1");
    InetSocketAddress listen = root.address("listen", "127.0.0.1:8080");
    InetSocketAddress adminListen = null;
    String token = null;
    Node admin = root.object("admin", false);
    if (admin != null) {
      admin.only("listen", "tokenSha256");
      adminListen = admin.address("listen", "127.0.0.1:8081");
      token = admin.optionalText("tokenSha256");
      if (token != null && !token.matches("[0-9a-f]{64}")) {
        admin
            .child("tokenSha256")
            .problem("expected the SHA-256 of the admin token, 64 lower-case hex digits");
      }
    } else {
      adminListen = new InetSocketAddress("127.0.0.1", 8081);
    }
    Tls tls = null;
    Node t = root.object("tls", false);
    if (t != null) {
      t.only("certificate", "key", "clientCa", "clientAuth");
      Path ca = t.has("clientCa") ? t.path("clientCa", null) : null;
      ClientAuth auth =
          t.choice(
              "clientAuth", ca == null ? ClientAuth.NONE : ClientAuth.OPTIONAL, ClientAuth.class);
      if (auth != ClientAuth.NONE && ca == null) {
        t.child("clientAuth")
            .problem("expected clientCa: client certificates are verified against it");
      }
      tls = new Tls(t.path("certificate", null), t.path("key", null), ca, auth);
      for (Path p : new Path[] {tls.certificate(), tls.key(), tls.clientCa()}) {
        if (p != null && !java.nio.file.Files.isReadable(p)) {
          t.problem("cannot read " + p);
        }
      }
    }
    String bootstrap = null;
    Node kafka = root.object("kafka", false);
    if (kafka != null) {
      kafka.only("bootstrap");
      bootstrap = kafka.text("bootstrap", null);
    }
    String redis = null;
    int replicas = 1;
    int leaseCalls = 100;
    Node r = root.object("redis", false);
    if (r != null) {
      r.only("uri", "replicas", "leaseCalls");
      redis = r.text("uri", null);
      replicas = (int) r.integer("replicas", 1, 1, 10_000);
      leaseCalls = (int) r.integer("leaseCalls", 100, 1, 1_000_000);
      if (redis != null && !redis.startsWith("redis://") && !redis.startsWith("rediss://")) {
        r.child("uri").problem("expected redis://host:port or rediss://host:port, found " + redis);
      }
    }
    String maskKey = root.text("maskKey", DEMO_MASK_KEY);
    String env = System.getenv("TOLLGATE_MASK_KEY");
    if (env != null && !env.isEmpty()) {
      maskKey = env;
    }
    Limits limits = limits(root.object("limits", false));
    Spool spool = spool(root, root.object("spool", false));
    Participants participants = null;
    String participantsFile = root.text("participants", null);
    if (participantsFile != null) {
      Node p = Node.read(root.path("participants", null), root.problems());
      if (p != null) {
        participants = Participants.read(p);
      }
    }
    List<Route> routes = new ArrayList<>();
    Map<String, Node> prefixes = new HashMap<>();
    Set<String> datasets = new java.util.HashSet<>();
    for (Node n : root.list("catalog", true)) {
      String name =
          n.isObject() && n.child("dataset").isText() ? n.child("dataset").asText() : null;
      if (name != null && !datasets.add(name)) {
        n.child("dataset").problem("dataset " + name + " is listed twice");
      }
      Route route = route(n, limits);
      if (route == null) {
        continue;
      }
      if (route.sharedLimits() && redis == null) {
        n.child("sharedLimits")
            .problem("expected redis.uri: limits shared by replicas live in Redis");
      }
      if (prefixes.put(route.prefix(), n) != null) {
        n.child("prefix").problem("prefix " + route.prefix() + " is taken by another dataset");
      }
      routes.add(route);
    }
    return new GatewayConfig(
        id,
        listen,
        adminListen,
        token,
        tls,
        bootstrap,
        redis,
        replicas,
        leaseCalls,
        maskKey,
        limits,
        spool,
        participants,
        List.copyOf(routes));
  }

  private static Limits limits(Node n) {
    if (n == null) {
      return new Limits(
          4096,
          8192,
          1 << 20,
          Duration.ofSeconds(10),
          Duration.ofSeconds(60),
          64,
          1 << 20,
          10_000,
          CORES);
    }
    n.only(
        "maxUriBytes",
        "maxHeaderBytes",
        "maxRequestBytes",
        "requestTimeout",
        "idleTimeout",
        "maxDepth",
        "maxValueBytes",
        "maxConnections",
        "ioThreads");
    return new Limits(
        (int) n.size("maxUriBytes", 4096, 1 << 16),
        (int) n.size("maxHeaderBytes", 8192, 1 << 20),
        n.size("maxRequestBytes", 1 << 20, 1L << 30),
        n.duration("requestTimeout", Duration.ofSeconds(10)),
        n.duration("idleTimeout", Duration.ofSeconds(60)),
        (int) n.integer("maxDepth", 64, 2, 4096),
        (int) n.size("maxValueBytes", 1 << 20, 1 << 30),
        (int) n.integer("maxConnections", 10_000, 1, 1_000_000),
        (int) n.integer("ioThreads", CORES, 1, 1024));
  }

  private static Spool spool(Node root, Node n) {
    Path dflt = Path.of(root.file()).toAbsolutePath().getParent().resolve(".tollgate/spool");
    if (n == null) {
      return new Spool(dflt, 256L << 20, false, 65_536);
    }
    n.only("dir", "maxBytes", "whenFull", "bufferEvents");
    String whenFull = n.text("whenFull", "refuse");
    if (!whenFull.equals("refuse") && !whenFull.equals("accept")) {
      n.child("whenFull")
          .problem("expected refuse (fail closed: 503) or accept (fail open), found " + whenFull);
    }
    return new Spool(
        n.has("dir") ? n.path("dir", null) : dflt,
        n.size("maxBytes", 256L << 20, 1L << 40),
        whenFull.equals("accept"),
        (int) n.integer("bufferEvents", 65_536, 16, 10_000_000));
  }

  private static Route route(Node n, Limits limits) {
    if (!n.isObject()) {
      n.problem("expected a mapping with dataset, prefix and upstream");
      return null;
    }
    n.only(
        "dataset",
        "provider",
        "title",
        "description",
        "prefix",
        "upstream",
        "methods",
        "actions",
        "maxRequestBytes",
        "maxResponseBytes",
        "timeouts",
        "sharedLimits",
        "catalog");
    String dataset = n.text("dataset", null);
    if (dataset != null && !DATASET.matcher(dataset).matches()) {
      n.child("dataset")
          .problem("expected a dataset id of letters, digits and . _ -, found " + dataset);
    }
    String prefix = n.text("prefix", null);
    if (prefix != null && !PREFIX.matcher(prefix).matches()) {
      n.child("prefix")
          .problem(
              "expected a path prefix of unreserved characters such as /credit-report, without a trailing slash, found "
                  + prefix);
      prefix = null;
    }
    String up = n.text("upstream", null);
    URI upstream = null;
    if (up != null) {
      try {
        upstream = new URI(up);
        if (!"http".equals(upstream.getScheme())
            || upstream.getHost() == null
            || upstream.getRawQuery() != null
            || upstream.getRawFragment() != null
            || upstream.getRawUserInfo() != null) {
          throw new java.net.URISyntaxException(up, "not an http://host[:port][/path] URL");
        }
      } catch (java.net.URISyntaxException e) {
        n.child("upstream").problem("expected http://host[:port][/path], found " + up);
        upstream = null;
      }
    }
    Set<String> methods = new LinkedHashSet<>();
    List<String> ms = n.texts("methods");
    if (ms.isEmpty()) {
      ms = List.of("GET", "HEAD", "POST");
    }
    for (String m : ms) {
      String mu = m.toUpperCase(Locale.ROOT);
      if (!Route.knownMethods().contains(mu)) {
        n.child("methods")
            .problem("expected methods among " + Route.knownMethods() + ", found " + m);
      }
      methods.add(mu);
    }
    Map<String, Action> actions = new LinkedHashMap<>(Route.defaultActions());
    Node a = n.object("actions", false);
    if (a != null) {
      for (String m : Route.knownMethods()) {
        String term = a.optionalText(m);
        if (term != null) {
          Action act = Action.ofTerm(term);
          if (act == null) {
            a.child(m).problem("expected an ODRL action such as read, query or use, found " + term);
          } else {
            actions.put(m, act);
          }
        }
      }
      a.only(Route.knownMethods().toArray(String[]::new));
    }
    for (String m : methods) {
      if (Route.knownMethods().contains(m) && !actions.containsKey(m)) {
        n.child("actions")
            .problem("expected an action for method " + m + " (actions: {" + m + ": ...})");
      }
    }
    Duration connect = Duration.ofSeconds(2);
    Duration firstByte = Duration.ofSeconds(10);
    Duration total = Duration.ofSeconds(30);
    Node to = n.object("timeouts", false);
    if (to != null) {
      to.only("connect", "firstByte", "total");
      connect = to.duration("connect", connect);
      firstByte = to.duration("firstByte", firstByte);
      total = to.duration("total", total);
    }
    Map<String, String> catalog = new LinkedHashMap<>();
    Node cat = n.object("catalog", false);
    if (cat != null) {
      cat.only("source", "updateFrequency", "quality", "price", "keywords");
      for (String k : List.of("source", "updateFrequency", "quality", "price")) {
        String v = cat.optionalText(k);
        if (v != null) {
          catalog.put(k, v);
        }
      }
    }
    long maxRequest = n.size("maxRequestBytes", limits.maxRequestBytes(), 1L << 30);
    if (maxRequest > limits.maxRequestBytes()) {
      n.child("maxRequestBytes")
          .problem(
              "expected at most limits.maxRequestBytes ("
                  + limits.maxRequestBytes()
                  + "), found "
                  + maxRequest);
    }
    if (total.compareTo(limits.idleTimeout()) > 0) {
      n.child("timeouts")
          .problem(
              "expected a total timeout of at most limits.idleTimeout ("
                  + limits.idleTimeout()
                  + "), found "
                  + total);
    }
    if (dataset == null || prefix == null || upstream == null) {
      return null;
    }
    return new Route(
        dataset,
        n.optionalText("provider"),
        n.text("title", dataset),
        n.optionalText("description"),
        prefix,
        upstream,
        Set.copyOf(methods),
        Map.copyOf(actions),
        maxRequest,
        n.size("maxResponseBytes", 16L << 20, 1L << 40),
        connect,
        firstByte,
        total,
        n.bool("sharedLimits", false),
        Map.copyOf(catalog));
  }

  /** For messages: the diagnostics type used throughout. */
  static Diagnostic at(Node n, String message) {
    return new Diagnostic(n.file(), n.line(), 0, n.pointer(), message);
  }
}
