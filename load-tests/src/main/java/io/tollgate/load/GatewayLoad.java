package io.tollgate.load;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tollgate.dev.DemoUpstream;
import io.tollgate.dev.KafkaBroker;
import io.tollgate.dev.Logs;
import io.tollgate.dev.TopicAdmin;
import io.tollgate.enforcement.Topics;
import io.tollgate.gateway.identity.Participants;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The gateway's load, in one run against one upstream and one 1 KB JSON response: the upstream
 * directly, nginx as a keep-alive reverse proxy, and Tollgate's full path (API key, a contract of
 * six constraints, a local rate limit not reached, projection and a hash mask, feedback to Kafka),
 * with a JWT, and with the Redis limiter. Throughput from wrk; latency at a fraction of Tollgate's
 * peak from a constant-rate generator with coordinated-omission correction; then the overshoot of
 * three replicas sharing one limit, and the revocation delay. Loopback only; it stops by itself.
 */
@Command(
    name = "gateway-load",
    mixinStandardHelpOptions = true,
    description = {
      "Load the HTTP gateway beside the upstream alone and nginx (wrk for throughput, a constant-rate",
      "generator for latency), then measure shared-limit overshoot and revocation delay.",
      "Needs wrk and nginx: on Debian, `sudo apt-get install wrk nginx`.",
    })
public final class GatewayLoad implements Callable<Integer> {
  @Option(
      names = "--seconds",
      defaultValue = "10",
      description = "Each throughput run (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(
      names = "--warmup",
      defaultValue = "10",
      description =
          "Warm-up before each throughput run, in seconds: the JIT compiles the gateway's path in the first (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--connections",
      defaultValue = "64",
      description = "wrk connections (default: ${DEFAULT-VALUE}).")
  int connections;

  @Option(
      names = "--rate-fraction",
      defaultValue = "0.7",
      description = "Latency runs at this fraction of Tollgate's peak (default: ${DEFAULT-VALUE}).")
  double rateFraction;

  @Option(
      names = "--latency-rate",
      defaultValue = "2000",
      description =
          "A second set of latency runs at this fixed rate, a load the generator, the upstream and the broker leave room for on small machines; 0 skips it (default: ${DEFAULT-VALUE}).")
  int latencyRate;

  @Option(
      names = "--latency-seconds",
      defaultValue = "15",
      description = "Each latency run (default: ${DEFAULT-VALUE}).")
  int latencySeconds;

  @Option(
      names = "--overshoot-seconds",
      defaultValue = "60",
      description = "The shared-limit run (default: ${DEFAULT-VALUE}); 0 skips it.")
  int overshootSeconds;

  @Option(
      names = "--pin",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Latency runs with the gateway (or nginx) on core 1 and the generator, the upstream and the broker on core 0 (taskset), at a fraction of the peak measured so; --no-pin shares both cores (default: ${DEFAULT-VALUE}; off on one core or without taskset).")
  boolean pin;

  @Option(
      names = "--dir",
      defaultValue = ".tollgate/gateway-load",
      description = "Working directory (default: ${DEFAULT-VALUE}); cleaned at each start.")
  Path dir;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private PrintWriter out;
  static final String KEY = "load-key";

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
    if (seconds < 1
        || seconds > 600
        || connections < 1
        || connections > 10_000
        || rateFraction <= 0
        || rateFraction > 1
        || latencySeconds < 1
        || latencySeconds > 600
        || overshootSeconds < 0
        || overshootSeconds > 3600) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--seconds, --latency-seconds 1..600; --connections 1..10000; --rate-fraction (0, 1]; --overshoot-seconds 0..3600");
    }
    for (String tool : List.of("wrk", "nginx")) {
      if (!onPath(tool)) {
        throw new IllegalStateException(
            tool
                + " not found: install it with `sudo apt-get install wrk nginx` (Debian's packages)");
      }
    }
    deleteTree(dir);
    Files.createDirectories(dir);
    Logs.toFile(dir.resolve("gateway-load.log"));
    KafkaBroker broker = KafkaBroker.at(dir.resolve("kafka").toAbsolutePath(), 0, 0, "1g");
    Process nginx = null;
    List<GatewayProcess> gateways = new ArrayList<>();
    try (DemoUpstream upstream = DemoUpstream.start("127.0.0.1", 0, 1)) {
      out.println("gateway-load: starting a broker, the upstream, nginx and the gateway ...");
      broker.start();
      TopicAdmin.create(broker.bootstrapServers(), 2, (short) 1);
      publish(broker.bootstrapServers());
      int nginxPort = freePort();
      nginx = nginx(upstream.port(), nginxPort);
      RSAKey rsa = new RSAKeyGenerator(2048).keyID("load").generate();
      Files.writeString(dir.resolve("jwks.json"), new JWKSet(rsa.toPublicJWK()).toString());
      Path config = config(broker.bootstrapServers(), upstream.port(), "load-1", 1);
      GatewayProcess g = GatewayProcess.start(config, dir.resolve("gateway-load-1.log"));
      gateways.add(g);
      String jwt = jwt(rsa);
      String code = "91310115MA1K3YJ2X5";
      String direct = "http://127.0.0.1:" + upstream.port() + "/reports/" + code;
      String viaNginx = "http://127.0.0.1:" + nginxPort + "/reports/" + code;
      String viaTollgate = "http://127.0.0.1:" + g.port() + "/credit-report/" + code;
      String viaShared = "http://127.0.0.1:" + g.port() + "/credit-report-shared/" + code;
      Map<String, String> key =
          Map.of(
              "X-Api-Key",
              KEY,
              "X-Tollgate-Purpose",
              "credit-assessment",
              "X-Tollgate-Region",
              "CN-SH");
      Map<String, String> bearer =
          Map.of(
              "Authorization",
              "Bearer " + jwt,
              "X-Tollgate-Purpose",
              "credit-assessment",
              "X-Tollgate-Region",
              "CN-SH");
      check(viaTollgate, key);
      check(viaTollgate, bearer);
      check(viaShared, key);

      out.printf(
          "%nthroughput: wrk -t2 -c%d -d%ds --latency (a first round of %d s each warms every path)%n",
          connections, seconds, warmup);
      out.printf("%-28s %12s %9s %9s %9s%n", "target", "requests/s", "p50", "p99", "errors");
      Map<String, Double> rps = new LinkedHashMap<>();
      Map<String, String[]> targets = new LinkedHashMap<>();
      targets.put("upstream directly", new String[] {direct});
      targets.put("nginx proxy_pass keepalive", new String[] {viaNginx});
      targets.put("tollgate, API key", new String[] {viaTollgate, "key"});
      targets.put("tollgate, JWT", new String[] {viaTollgate, "jwt"});
      targets.put("tollgate, Redis limiter", new String[] {viaShared, "key"});
      // a first round warms every path (the JIT, the pools, the broker's transactions), the second
      // is measured: measured right after its own short warm-up, the first Tollgate path ran at
      // half the speed of the next, which does more
      for (Map.Entry<String, String[]> t : targets.entrySet()) {
        wrk(t.getValue()[0], headers(t.getValue(), key, bearer), warmup, false);
      }
      Map<String, long[]> cpu = new LinkedHashMap<>();
      for (Map.Entry<String, String[]> t : targets.entrySet()) {
        boolean viaNginxRun = t.getValue()[0].equals(viaNginx);
        CpuMeter meter =
            CpuMeter.start(
                t.getValue().length == 1 && !viaNginxRun
                    ? List.of()
                    : List.of(viaNginxRun ? nginx.toHandle() : g.process().toHandle()));
        String o = wrk(t.getValue()[0], headers(t.getValue(), key, bearer), seconds, true);
        long[] used = meter.stop();
        rps.put(t.getKey(), report(t.getKey(), o));
        long requests = Math.max(1, (long) number(o, "(\\d+) requests in"));
        cpu.put(t.getKey(), new long[] {used[0] / requests, used[1] / requests});
      }
      out.printf(
          "%nCPU per request in the same runs, from /proc (less sensitive than a rate to a neighbour taking"
              + " the shared cores for a while):%n");
      out.printf("%-28s %14s %14s%n", "target", "machine, us", "proxy, us");
      for (Map.Entry<String, long[]> c : cpu.entrySet()) {
        boolean proxied = !c.getKey().equals("upstream directly");
        out.printf(
            "%-28s %14.1f %14s%n",
            c.getKey(),
            c.getValue()[0] / 1000.0,
            proxied ? String.format("%.1f", c.getValue()[1] / 1000.0) : "-");
      }
      long[] ngCpu = cpu.get("nginx proxy_pass keepalive");
      long[] tgCpu = cpu.get("tollgate, API key");
      out.printf(
          "tollgate (API key) per request over nginx: %.2fx the proxy's CPU, %.2fx the machine's%n",
          (double) tgCpu[1] / Math.max(1, ngCpu[1]), (double) tgCpu[0] / Math.max(1, ngCpu[0]));
      double ng = rps.get("nginx proxy_pass keepalive");
      out.printf(
          "ratios to nginx: API key %.2fx, JWT %.2fx, Redis limiter %.2fx; to the upstream alone: nginx %.2fx, API key %.2fx%n",
          rps.get("tollgate, API key") / ng,
          rps.get("tollgate, JWT") / ng,
          rps.get("tollgate, Redis limiter") / ng,
          ng / rps.get("upstream directly"),
          rps.get("tollgate, API key") / rps.get("upstream directly"));

      boolean pinned = pin && Runtime.getRuntime().availableProcessors() >= 2 && onPath("taskset");
      double peak = rps.get("tollgate, API key");
      if (pinned) {
        List<ProcessHandle> proxies = List.of(g.process().toHandle(), nginx.toHandle());
        pin(List.of(ProcessHandle.current()), "0");
        pin(proxies, "1");
        wrkPrefix = List.of("taskset", "-c", "0");
        out.printf(
            "%npinned: the gateway and nginx on core 1; this JVM (upstream, broker, latency generator) and wrk on core 0%n");
        wrk(viaTollgate, key, warmup, false);
        peak = number(wrk(viaTollgate, key, seconds, true), "Requests/sec:\\s+([0-9.]+)");
        out.printf("tollgate, API key, on core 1 alone: %,.0f requests/s%n", peak);
      }
      int peakRate = (int) Math.max(1, peak * rateFraction);
      latencies(
          String.format("%,d requests/s (%.0f%% of Tollgate's peak)", peakRate, rateFraction * 100),
          peakRate,
          direct,
          viaNginx,
          viaTollgate,
          key);
      if (latencyRate > 0) {
        latencies(
            String.format("%,d requests/s (--latency-rate)", latencyRate),
            latencyRate,
            direct,
            viaNginx,
            viaTollgate,
            key);
      }

      if (pinned) {
        String all = "0-" + (Runtime.getRuntime().availableProcessors() - 1);
        pin(List.of(ProcessHandle.current(), g.process().toHandle(), nginx.toHandle()), all);
        wrkPrefix = List.of();
      }
      revocation(g);
      if (overshootSeconds > 0) {
        for (int i = 2; i <= 3; i++) {
          GatewayProcess r =
              GatewayProcess.start(
                  config(broker.bootstrapServers(), upstream.port(), "load-" + i, 3),
                  dir.resolve("gateway-load-" + i + ".log"));
          gateways.add(r);
          // a new process starts cold: warmed on the unlimited contract, so that the shared
          // limit, not the JIT, is what holds the rate
          wrk("http://127.0.0.1:" + r.port() + "/credit-report/" + code, key, warmup, false);
        }
        overshoot(gateways, code, key);
      }
      out.println("gateway-load: done");
      return 0;
    } finally {
      for (GatewayProcess g : gateways) {
        try {
          g.close();
        } catch (Exception e) {
          // stopping
        }
      }
      if (nginx != null) {
        nginx.destroy();
        nginx.waitFor(10, TimeUnit.SECONDS);
      }
      broker.close();
    }
  }

  private static Map<String, String> headers(
      String[] t, Map<String, String> key, Map<String, String> bearer) {
    return t.length == 1 ? Map.of() : t[1].equals("key") ? key : bearer;
  }

  /** What wrk runs under ({@code taskset -c 0} while pinned). */
  private List<String> wrkPrefix = List.of();

  /** Every thread of {@code processes} and their children onto {@code cores}. */
  private void pin(List<ProcessHandle> processes, String cores) throws Exception {
    for (ProcessHandle p : processes) {
      for (ProcessHandle q :
          java.util.stream.Stream.concat(java.util.stream.Stream.of(p), p.descendants()).toList()) {
        exec(List.of("taskset", "-a", "-p", "-c", cores, Long.toString(q.pid())));
      }
    }
  }

  private String wrk(String url, Map<String, String> headers, int secs, boolean latency)
      throws Exception {
    List<String> cmd = new ArrayList<>(wrkPrefix);
    cmd.addAll(List.of("wrk", "-t2", "-c" + connections, "-d" + secs + "s"));
    if (latency) {
      cmd.add("--latency");
    }
    cmd.add(url);
    headers.forEach(
        (k, v) -> {
          cmd.add("-H");
          cmd.add(k + ": " + v);
        });
    return secs == 0 ? "" : exec(cmd);
  }

  private double report(String name, String o) {
    double r = number(o, "Requests/sec:\\s+([0-9.]+)");
    String p50 = text(o, "\\s50%\\s+(\\S+)");
    String p99 = text(o, "\\s99%\\s+(\\S+)");
    Matcher m = Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(o);
    Matcher s = Pattern.compile("Socket errors: (.*)").matcher(o);
    String errors = m.find() ? m.group(1) : "0";
    if (s.find()) {
      errors += " (" + s.group(1).trim() + ")";
    }
    out.printf("%-28s %,12.0f %9s %9s %9s%n", name, r, p50, p99, errors);
    out.flush();
    return r;
  }

  private void latencies(
      String what,
      int rate,
      String direct,
      String viaNginx,
      String viaTollgate,
      Map<String, String> key)
      throws Exception {
    out.printf(
        "%nlatency at %s, %d s each, 32 connections, corrected for coordinated omission%n",
        what, latencySeconds);
    out.printf(
        "%-28s %9s %9s %9s %9s %7s%n",
        "target", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "errors");
    ConstantRate.Result d = latency("upstream directly", URI.create(direct), Map.of(), rate);
    latency("nginx proxy_pass keepalive", URI.create(viaNginx), Map.of(), rate);
    ConstantRate.Result t = latency("tollgate, API key", URI.create(viaTollgate), key, rate);
    out.printf(
        "tollgate adds %.3f ms at p50 and %.3f ms at p99 over the upstream alone%n",
        (t.latencyMicros().getValueAtPercentile(50) - d.latencyMicros().getValueAtPercentile(50))
            / 1000.0,
        (t.latencyMicros().getValueAtPercentile(99) - d.latencyMicros().getValueAtPercentile(99))
            / 1000.0);
  }

  private ConstantRate.Result latency(String name, URI url, Map<String, String> headers, int rate)
      throws Exception {
    ConstantRate.run(url, headers, rate, 32, 5); // warm-up
    ConstantRate.Result r = ConstantRate.run(url, headers, rate, 32, latencySeconds);
    var h = r.latencyMicros();
    out.printf(
        "%-28s %9.3f %9.3f %9.3f %9.3f %7d%n",
        name,
        h.getValueAtPercentile(50) / 1000.0,
        h.getValueAtPercentile(99) / 1000.0,
        h.getValueAtPercentile(99.9) / 1000.0,
        h.getMaxValue() / 1000.0,
        r.errors() + (r.sent() - r.ok() - r.errors()));
    out.flush();
    return r;
  }

  /**
   * Publish a contract, wait for its first permit, revoke it, time to the first 403: five times.
   */
  private void revocation(GatewayProcess g) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String admin = "http://127.0.0.1:" + g.adminPort() + "/contracts";
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String id = "cr-revoke-" + i;
      String c =
          "contract: "
              + id
              + "\nprovider: p\nconsumer: revoke-bank\ndataset: credit-report\nactions: [read]\npurposes: [credit-assessment]\n";
      http.send(
          HttpRequest.newBuilder(URI.create(admin))
              .header("Authorization", "Bearer load-admin")
              .POST(HttpRequest.BodyPublishers.ofString(c))
              .build(),
          HttpResponse.BodyHandlers.ofString());
      HttpRequest call =
          HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + g.port() + "/credit-report/91310115MA1K3YJ2X5"))
              .header("X-Api-Key", "revoke-key")
              .header("X-Tollgate-Purpose", "credit-assessment")
              .build();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (http.send(call, HttpResponse.BodyHandlers.discarding()).statusCode() != 200
          && System.nanoTime() < until) {
        Thread.sleep(5);
      }
      long start = System.nanoTime();
      http.send(
          HttpRequest.newBuilder(URI.create(admin + "/" + id))
              .header("Authorization", "Bearer load-admin")
              .DELETE()
              .build(),
          HttpResponse.BodyHandlers.ofString());
      while (http.send(call, HttpResponse.BodyHandlers.discarding()).statusCode() == 200
          && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30)) {
        Thread.sleep(1);
      }
      delays.add((System.nanoTime() - start) / 1_000_000);
    }
    delays.sort(null);
    out.printf(
        "%nrevocation, DELETE /contracts/{id} to the first 403, 5 times: median %d ms, max %d ms%n",
        delays.get(2), delays.get(4));
  }

  /** Three replicas share a 1,000/s limit in Redis, offered about 1,500/s for the run. */
  private void overshoot(List<GatewayProcess> gateways, String code, Map<String, String> key)
      throws Exception {
    out.printf(
        "%nshared limit: three replicas, one contract of 1,000 calls/s in Redis, about 1,500/s offered for %d s ...%n",
        overshootSeconds);
    out.flush();
    AtomicLong permitted = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    List<ConstantRate.Result> results = new ArrayList<>();
    Map<String, String> shared = new LinkedHashMap<>(key);
    shared.put("X-Api-Key", "shared-key");
    for (GatewayProcess g : gateways) {
      Thread t =
          new Thread(
              () -> {
                try {
                  ConstantRate.Result r =
                      ConstantRate.run(
                          URI.create(
                              "http://127.0.0.1:" + g.port() + "/credit-report-shared/" + code),
                          shared,
                          500,
                          16,
                          overshootSeconds);
                  synchronized (results) {
                    results.add(r);
                  }
                  permitted.addAndGet(r.ok());
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              });
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    double took =
        results.stream().mapToDouble(ConstantRate.Result::seconds).max().orElse(overshootSeconds);
    // the refill over the time the permits were given in (longer than asked when the replicas fall
    // behind), and one full bucket
    long allowed = (long) (1000 * Math.max(overshootSeconds, took)) + 1000;
    for (ConstantRate.Result r : results) {
      out.printf(
          "  a replica's generator: %,d sent, %,d answered 2xx, %,d otherwise, in %.1f s; p50 %.1f ms, p99 %.1f ms%n",
          r.sent(),
          r.ok(),
          r.errors(),
          r.seconds(),
          r.latencyMicros().getValueAtPercentile(50) / 1000.0,
          r.latencyMicros().getValueAtPercentile(99) / 1000.0);
    }
    out.printf(
        "permitted %,d in %.1f s; the limit allows %,d (1,000/s and one full bucket): %s%n",
        permitted.get(),
        took,
        allowed,
        permitted.get() <= allowed
            ? String.format(
                "no overshoot (%.2f%% of the allowance used)", 100.0 * permitted.get() / allowed)
            : String.format("overshoot %.2f%%", 100.0 * (permitted.get() - allowed) / allowed));
  }

  private void check(String url, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    headers.forEach(b::header);
    HttpResponse<String> r =
        HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
    }
  }

  private String jwt(RSAKey rsa) throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("load").build(),
            new JWTClaimsSet.Builder()
                .issuer("https://idp.load")
                .subject("load-client")
                .audience("tollgate")
                .expirationTime(new java.util.Date(System.currentTimeMillis() + 3_600_000))
                .build());
    jwt.sign(new RSASSASigner(rsa));
    return jwt.serialize();
  }

  private void publish(String bootstrap) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    // six constraints: actions, purposes, validity, fields, regions, channels; a rate not reached
    String full =
        "provider: sh-credit-bureau\nactions: [read, query]\npurposes: [credit-assessment, supply-chain-finance]\n"
            + "valid: {from: \"2026-01-01T00:00:00+08:00\", until: \"2030-01-01T00:00:00+08:00\"}\n"
            + "fields:\n  allow: [credit_code, name, rating, score, overdue_90d, legal_rep_id]\n  mask: {legal_rep_id: hash}\n"
            + "regions: [CN]\nchannels: [http]\n";
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      send(
          producer,
          "cr-load",
          "contract: cr-load\nconsumer: load-bank\ndataset: credit-report\n"
              + full
              + "limits: {rate: \"1000000/s\"}\n");
      send(
          producer,
          "cr-load-shared",
          "contract: cr-load-shared\nconsumer: load-bank\ndataset: credit-report-shared\n"
              + full
              + "limits: {rate: \"1000000/s\"}\n");
      send(
          producer,
          "cr-load-1000",
          "contract: cr-load-1000\nconsumer: shared-bank\ndataset: credit-report-shared\n"
              + full
              + "limits: {rate: \"1000/s\"}\n");
    }
  }

  private static void send(KafkaProducer<byte[], byte[]> p, String id, String text)
      throws Exception {
    p.send(
            new ProducerRecord<>(
                Topics.POLICIES,
                id.getBytes(StandardCharsets.UTF_8),
                text.getBytes(StandardCharsets.UTF_8)))
        .get();
  }

  private Path config(String bootstrap, int upstreamPort, String id, int replicas)
      throws IOException {
    Files.writeString(
        dir.resolve("participants.yaml"),
        "issuers:\n  - issuer: https://idp.load\n    jwks: jwks.json\n    audience: tollgate\n    algorithms: [RS256]\n"
            + "participants:\n"
            + "  - id: load-bank\n    name: Load Bank\n    apiKeys: [{sha256: "
            + Participants.sha256Hex(KEY)
            + "}]\n"
            + "    jwt: [{issuer: https://idp.load, subject: load-client}]\n"
            + "  - id: shared-bank\n    name: Shared Bank\n    apiKeys: [{sha256: "
            + Participants.sha256Hex("shared-key")
            + "}]\n"
            + "  - id: revoke-bank\n    name: Revoke Bank\n    apiKeys: [{sha256: "
            + Participants.sha256Hex("revoke-key")
            + "}]\n");
    Path c = dir.resolve(id + ".yaml");
    String catalog =
        "  - dataset: credit-report\n    prefix: /credit-report\n    upstream: http://127.0.0.1:"
            + upstreamPort
            + "/reports\n"
            + "  - dataset: credit-report-shared\n    prefix: /credit-report-shared\n    upstream: http://127.0.0.1:"
            + upstreamPort
            + "/reports\n"
            + "    sharedLimits: true\n";
    Files.writeString(
        c,
        "id: "
            + id
            + "\nlisten: 127.0.0.1:0\nadmin: {listen: 127.0.0.1:0, tokenSha256: "
            + Participants.sha256Hex("load-admin")
            + "}\n"
            + "kafka: {bootstrap: \""
            + bootstrap
            + "\"}\nredis: {uri: \"redis://127.0.0.1:6379\", replicas: "
            + replicas
            + "}\n"
            + "participants: participants.yaml\nspool: {dir: spool-"
            + id
            + "}\ncatalog:\n"
            + catalog);
    return c;
  }

  private Process nginx(int upstreamPort, int port) throws Exception {
    Path n = dir.resolve("nginx").toAbsolutePath();
    Files.createDirectories(n.resolve("logs"));
    Files.writeString(
        n.resolve("nginx.conf"),
        "worker_processes 2;\ndaemon off;\npid "
            + n.resolve("nginx.pid")
            + ";\nerror_log "
            + n.resolve("logs/error.log")
            + " warn;\n"
            + "events { worker_connections 4096; }\n"
            + "http {\n  access_log off;\n  keepalive_requests 1000000;\n  client_body_temp_path "
            + n
            + "/body;\n  proxy_temp_path "
            + n
            + "/proxy;\n"
            + "  fastcgi_temp_path "
            + n
            + "/fastcgi;\n  uwsgi_temp_path "
            + n
            + "/uwsgi;\n  scgi_temp_path "
            + n
            + "/scgi;\n"
            + "  upstream demo { server 127.0.0.1:"
            + upstreamPort
            + "; keepalive 64; }\n"
            + "  server {\n    listen 127.0.0.1:"
            + port
            + ";\n    location / {\n      proxy_pass http://demo;\n"
            + "      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n    }\n  }\n}\n");
    Process p =
        new ProcessBuilder("nginx", "-p", n.toString(), "-c", n.resolve("nginx.conf").toString())
            .redirectErrorStream(true)
            .redirectOutput(n.resolve("logs/stdout.log").toFile())
            .start();
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < until) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return p;
      } catch (IOException e) {
        if (!p.isAlive()) {
          throw new IllegalStateException(
              "nginx did not start: " + Files.readString(n.resolve("logs/error.log")));
        }
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException("nginx did not listen on " + port + " within 10 s");
  }

  private static String exec(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String o = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed: " + o);
    }
    return o;
  }

  private static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return Files.isExecutable(Path.of("/usr/sbin", tool));
  }

  private static double number(String s, String regex) {
    Matcher m = Pattern.compile(regex).matcher(s);
    if (!m.find()) {
      throw new IllegalStateException("no " + regex + " in: " + s);
    }
    return Double.parseDouble(m.group(1));
  }

  private static String text(String s, String regex) {
    Matcher m = Pattern.compile(regex).matcher(s);
    return m.find() ? m.group(1) : "-";
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void deleteTree(Path d) throws IOException {
    if (!Files.exists(d)) {
      return;
    }
    try (var s = Files.walk(d)) {
      for (Path p : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
