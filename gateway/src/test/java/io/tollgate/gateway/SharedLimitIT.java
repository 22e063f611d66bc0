package io.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.dev.DemoUpstream;
import io.tollgate.dev.KafkaBroker;
import io.tollgate.dev.TopicAdmin;
import io.tollgate.enforcement.Topics;
import io.tollgate.gateway.identity.Participants;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three gateway processes share one contract's limits through the machine's real Redis: together
 * they never permit more than the contract allows, however the requests are spread.
 */
class SharedLimitIT {
  static final String KEY = "shared-key";
  @TempDir Path dir;

  @Test
  void threeProcessesShareOneTotalAndOneRate() throws Exception {
    String contract = "cr-shared-" + UUID.randomUUID().toString().substring(0, 8);
    KafkaBroker broker =
        KafkaBroker.temporary(Path.of("target", "kafka-it").toAbsolutePath()).start();
    List<Process> gateways = new ArrayList<>();
    try (DemoUpstream upstream = DemoUpstream.start("127.0.0.1", 0, 2)) {
      TopicAdmin.create(broker.bootstrapServers(), 2, (short) 1);
      Properties p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
        String c =
            "contract: "
                + contract
                + "\nprovider: p\nconsumer: shared-bank\ndataset: credit-report\n"
                + "actions: [read]\npurposes: [credit-assessment]\nchannels: [http]\n"
                + "limits: {rate: \"100/s\", total: 450}\n";
        producer
            .send(
                new ProducerRecord<>(
                    Topics.POLICIES,
                    contract.getBytes(StandardCharsets.UTF_8),
                    c.getBytes(StandardCharsets.UTF_8)))
            .get();
      }
      Files.writeString(
          dir.resolve("participants.yaml"),
          "participants:\n  - id: shared-bank\n    name: Shared Bank\n    apiKeys: [{sha256: "
              + Participants.sha256Hex(KEY)
              + "}]\n");
      List<Integer> ports = new ArrayList<>();
      List<Integer> admins = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Path config = dir.resolve("gateway-" + i + ".yaml");
        Files.writeString(
            config,
            "id: shared-"
                + i
                + "\nlisten: 127.0.0.1:0\nadmin: {listen: 127.0.0.1:0}\n"
                + "kafka: {bootstrap: "
                + broker.bootstrapServers()
                + "}\n"
                + "redis: {uri: \"redis://127.0.0.1:6379\", replicas: 3, leaseCalls: 100}\n"
                + "participants: participants.yaml\nspool: {dir: spool-"
                + i
                + "}\n"
                + "catalog:\n  - dataset: credit-report\n    prefix: /credit-report\n"
                + "    upstream: http://127.0.0.1:"
                + upstream.port()
                + "/reports\n"
                + "    sharedLimits: true\n");
        Process g =
            new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m",
                    "-cp",
                    System.getProperty("java.class.path"),
                    GatewayCommand.class.getName(),
                    "--config",
                    config.toString())
                .redirectErrorStream(true)
                .start();
        gateways.add(g);
        int[] pp = ports(g);
        ports.add(pp[0]);
        admins.add(pp[1]);
      }
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      AtomicInteger permitted = new AtomicInteger();
      AtomicInteger throttled = new AtomicInteger();
      AtomicInteger denied = new AtomicInteger();
      // waves of 600 requests at once, round robin over the three, a second apart: the first is
      // over the rate (100/s, a bucket of 100) however slowly the replicas serve; waves go on until
      // the total (450) is spent and denies, 30 at most
      int sent = 0;
      for (int wave = 0; wave < 30 && denied.get() == 0; wave++) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < 600; i++, sent++) {
          HttpRequest r =
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:"
                              + ports.get(i % 3)
                              + "/credit-report/91350100M000100Y43"))
                  .header("X-Api-Key", KEY)
                  .header("X-Tollgate-Purpose", "credit-assessment")
                  .build();
          all.add(
              http.sendAsync(r, HttpResponse.BodyHandlers.discarding())
                  .thenAccept(
                      resp -> {
                        switch (resp.statusCode()) {
                          case 200 -> permitted.incrementAndGet();
                          case 429 -> throttled.incrementAndGet();
                          default -> denied.incrementAndGet();
                        }
                      }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        Thread.sleep(1000);
      }
      assertThat(permitted.get() + throttled.get() + denied.get()).isEqualTo(sent);
      assertThat(permitted.get())
          .as("permits across three replicas, total 450")
          .isLessThanOrEqualTo(450);
      assertThat(throttled.get()).as("the rate (100/s) throttled some").isGreaterThan(0);
      assertThat(denied.get()).as("the total, once spent, denies").isGreaterThan(0);
      // and it was Redis that they shared: a replica on its local share (150 of the total, a third
      // of the rate) would pass every assertion above alone
      for (int admin : admins) {
        String metrics =
            http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/metrics"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(gauge(metrics, "tollgate_gateway_redis_fallback")).isZero();
        assertThat(gauge(metrics, "tollgate_gateway_redis_fallback_calls")).isZero();
        assertThat(gauge(metrics, "tollgate_gateway_redis_calls")).isPositive();
      }
    } finally {
      for (Process g : gateways) {
        g.destroy();
        if (!g.waitFor(20, TimeUnit.SECONDS)) {
          g.destroyForcibly();
        }
      }
      broker.close();
    }
  }

  /** The gateway's port, from the line it prints once serving. */
  static int[] ports(Process g) throws Exception {
    BufferedReader r =
        new BufferedReader(new InputStreamReader(g.getInputStream(), StandardCharsets.UTF_8));
    Pattern on = Pattern.compile("gateway \\S+ on :(\\d+), admin on :(\\d+)");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    StringBuilder seen = new StringBuilder();
    String line;
    while (System.nanoTime() < deadline && (line = r.readLine()) != null) {
      seen.append(line).append('\n');
      Matcher m = on.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> r.lines().forEach(l -> {}));
        drain.setDaemon(true);
        drain.start();
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
      }
    }
    throw new AssertionError("the gateway did not start:\n" + seen);
  }

  static double gauge(String metrics, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + " ([0-9.eE+-]+)$").matcher(metrics);
    if (!m.find()) {
      throw new AssertionError("no " + name + " in:\n" + metrics);
    }
    return Double.parseDouble(m.group(1));
  }
}
