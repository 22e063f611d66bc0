package io.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.dev.DemoUpstream;
import io.tollgate.dev.KafkaBroker;
import io.tollgate.dev.KafkaFacts;
import io.tollgate.dev.TopicAdmin;
import io.tollgate.enforcement.Topics;
import io.tollgate.gateway.config.GatewayConfig;
import io.tollgate.gateway.identity.Participants;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka goes away while requests keep coming: their feedback waits in the spool, through a restart
 * of the gateway too, and reaches {@code tollgate.feedback} when Kafka returns, every event once
 * ({@code read_committed}), nothing lost, nothing doubled.
 */
class FeedbackOutageIT {
  static final String KEY = "outage-key";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void feedbackSurvivesAKafkaOutageAndAGatewayRestart() throws Exception {
    KafkaBroker broker =
        KafkaBroker.temporary(Path.of("target", "kafka-it").toAbsolutePath()).start();
    try (DemoUpstream upstream = DemoUpstream.start("127.0.0.1", 0, 1)) {
      TopicAdmin.create(broker.bootstrapServers(), 2, (short) 1);
      publish(broker.bootstrapServers());
      Path config = config(broker.bootstrapServers(), upstream.port());
      List<String> ids = new ArrayList<>();

      Gateway g = new Gateway(GatewayConfig.read(config)).start(Duration.ofSeconds(30));
      try {
        ids.addAll(send(g, 50));
        awaitShipped(g);
        broker.close(); // Kafka is gone
        ids.addAll(send(g, 200)); // still served: the feedback goes to the spool
        assertThat(g.feedback().spoolBytes()).isGreaterThan(0);
        broker.start();
        awaitShipped(g);
        broker.close(); // gone again, and the gateway restarts before it returns
        ids.addAll(send(g, 100));
      } finally {
        g.close();
      }
      assertThat(Files.list(dir.resolve("spool")).count()).isGreaterThan(0);
      broker.start();
      Gateway again = new Gateway(GatewayConfig.read(config)).start(Duration.ofSeconds(30));
      try {
        awaitShipped(again);
      } finally {
        again.close();
      }

      List<String> fed = new ArrayList<>();
      try (KafkaFacts facts = new KafkaFacts(broker.bootstrapServers())) {
        facts.readAll(
            Topics.FEEDBACK,
            IsolationLevel.READ_COMMITTED,
            r -> {
              try {
                fed.add(JSON.readTree(r.value()).get("callId").asText());
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
      }
      assertThat(ids).hasSize(350).doesNotHaveDuplicates();
      assertThat(fed).hasSize(350).doesNotHaveDuplicates();
      Set<String> want = new HashSet<>(ids);
      assertThat(new HashSet<>(fed)).isEqualTo(want);
    } finally {
      broker.close();
    }
  }

  /** Until the spool holds nothing unshipped (a fact the gateway keeps), at most 90 s. */
  static void awaitShipped(Gateway g) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while ((g.feedback().spoolBytes() > 0 || g.feedback().buffered() > 0)
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(g.feedback().spoolBytes()).as("spool bytes left").isZero();
  }

  static List<String> send(Gateway g, int n) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:" + g.port() + "/credit-report/91350100M000100Y43"))
                  .header("X-Api-Key", KEY)
                  .header("X-Tollgate-Purpose", "credit-assessment")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      ids.add(r.headers().firstValue("X-Tollgate-Call-Id").orElseThrow());
    }
    return ids;
  }

  void publish(String bootstrap) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      String c =
          "contract: cr-outage\nprovider: p\nconsumer: outage-bank\ndataset: credit-report\n"
              + "actions: [read]\npurposes: [credit-assessment]\nchannels: [http]\n";
      producer
          .send(
              new ProducerRecord<>(
                  Topics.POLICIES,
                  "cr-outage".getBytes(StandardCharsets.UTF_8),
                  c.getBytes(StandardCharsets.UTF_8)))
          .get();
    }
  }

  Path config(String bootstrap, int upstreamPort) throws Exception {
    Files.writeString(
        dir.resolve("participants.yaml"),
        "participants:\n  - id: outage-bank\n    name: Outage Bank\n    apiKeys: [{sha256: "
            + Participants.sha256Hex(KEY)
            + "}]\n");
    Path config = dir.resolve("gateway.yaml");
    Files.writeString(
        config,
        "id: outage-1\nlisten: 127.0.0.1:0\nadmin: {listen: 127.0.0.1:0}\n"
            + "kafka: {bootstrap: "
            + bootstrap
            + "}\nparticipants: participants.yaml\n"
            + "spool: {dir: spool}\n"
            + "catalog:\n  - dataset: credit-report\n    prefix: /credit-report\n"
            + "    upstream: http://127.0.0.1:"
            + upstreamPort
            + "/reports\n");
    return config;
  }
}
