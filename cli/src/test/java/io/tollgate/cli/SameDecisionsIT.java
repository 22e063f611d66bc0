package io.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.dev.DemoUpstream;
import io.tollgate.dev.KafkaBroker;
import io.tollgate.dev.KafkaFacts;
import io.tollgate.dev.LocalFlink;
import io.tollgate.dev.TopicAdmin;
import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.records.DeliveredEvent;
import io.tollgate.enforcement.records.EventReader;
import io.tollgate.enforcement.records.FeedbackEvent;
import io.tollgate.flink.EnforcementJob;
import io.tollgate.flink.kafka.PolicyOffsets;
import io.tollgate.gateway.Gateway;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One enforcement core: the same calls, decided by the HTTP gateway and by the stream job, get the
 * same decisions, the same feedback fields (but the gateway's own: status, upstreamMs; and the id
 * and enforcement point, which tell them apart) and byte for byte the same masked data.
 */
class SameDecisionsIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "parity-key";
  static final String CONTRACT =
      "contract: cr-parity\nprovider: sh-credit-bureau\nconsumer: parity-bank\ndataset: credit-report\n"
          + "actions: [read, query]\npurposes: [credit-assessment]\n"
          + "fields:\n  allow: [credit_code, name, rating, score, legal_rep_id, shareholders]\n"
          + "  mask: {legal_rep_id: hash, name: redact}\n";

  @TempDir Path dir;

  record Call(String code, String purpose, List<String> fields) {}

  @Test
  void theGatewayAndTheStreamDecideAndMaskAlike() throws Exception {
    List<Call> calls = new ArrayList<>();
    for (String code : List.of("91310115MA1K3YJ2X5", "91350100M000100Y43", "91440300MA5F0QWH8X")) {
      for (String purpose : List.of("credit-assessment", "marketing")) {
        calls.add(new Call(code, purpose, null));
        calls.add(new Call(code, purpose, List.of("name", "rating", "legal_rep_id")));
        calls.add(new Call(code, purpose, List.of("legal_rep_phone")));
      }
    }
    KafkaBroker broker =
        KafkaBroker.temporary(Path.of("target", "kafka-it").toAbsolutePath()).start();
    try (KafkaFacts facts = new KafkaFacts(broker.bootstrapServers());
        DemoUpstream upstream = DemoUpstream.start("127.0.0.1", 0, 1)) {
      String bootstrap = broker.bootstrapServers();
      TopicAdmin.create(bootstrap, 2, (short) 1);
      try (KafkaProducer<byte[], byte[]> p = producer(bootstrap)) {
        p.send(new ProducerRecord<>(Topics.POLICIES, bytes("cr-parity"), bytes(CONTRACT))).get();
      }

      // over HTTP
      Files.writeString(
          dir.resolve("participants.yaml"),
          "participants:\n  - id: parity-bank\n    name: Parity Bank\n    apiKeys: [{sha256: "
              + Participants.sha256Hex(KEY)
              + "}]\n");
      Files.writeString(
          dir.resolve("gateway.yaml"),
          "id: parity\nlisten: 127.0.0.1:0\nadmin: {listen: 127.0.0.1:0}\nkafka: {bootstrap: "
              + bootstrap
              + "}\n"
              + "participants: participants.yaml\nspool: {dir: spool}\ncatalog:\n  - dataset: credit-report\n"
              + "    prefix: /credit-report\n    upstream: http://127.0.0.1:"
              + upstream.port()
              + "/reports\n");
      Map<String, Integer> httpIndex = new HashMap<>();
      List<HttpResponse<String>> responses = new ArrayList<>();
      try (Gateway g =
          new Gateway(GatewayConfig.read(dir.resolve("gateway.yaml")))
              .start(Duration.ofSeconds(30))) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int i = 0; i < calls.size(); i++) {
          Call c = calls.get(i);
          String q = c.fields() == null ? "" : "?fields=" + String.join(",", c.fields());
          HttpResponse<String> r =
              http.send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:" + g.port() + "/credit-report/" + c.code() + q))
                      .header("X-Api-Key", KEY)
                      .header("X-Tollgate-Purpose", c.purpose())
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          responses.add(r);
          httpIndex.put(r.headers().firstValue("X-Tollgate-Call-Id").orElseThrow(), i);
        }
      }

      // on the stream: the same calls, with the upstream's data as their payload
      EnforcementJob.Settings s = new EnforcementJob.Settings().bootstrapServers(bootstrap);
      String run = UUID.randomUUID().toString().substring(0, 8);
      s.groupId = "parity-" + run;
      s.transactionalIdPrefix = "parity-" + run;
      s.checkpointIntervalMs = 500;
      s.parallelism = 1;
      Configuration conf = EnforcementJob.configuration(s);
      try (LocalFlink flink = LocalFlink.start(conf, 1)) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        EnforcementJob.build(env, s, PolicyOffsets.end(bootstrap));
        JobID job = flink.submit(env, "parity");
        flink.awaitRunning(job, Duration.ofMinutes(2));
        try (KafkaProducer<byte[], byte[]> p = producer(bootstrap)) {
          for (int i = 0; i < calls.size(); i++) {
            Call c = calls.get(i);
            HttpResponse<String> r = responses.get(i);
            ObjectNode rec = JSON.createObjectNode();
            rec.put("v", 1).put("id", "s-" + i).put("ts", System.currentTimeMillis());
            rec.put("consumer", "parity-bank")
                .put("dataset", "credit-report")
                .put("action", "read");
            rec.put("purpose", c.purpose()).put("channel", "http").put("records", 1);
            rec.put(
                "bytes",
                r.statusCode() == 200 ? r.body().getBytes(StandardCharsets.UTF_8).length : 0);
            if (c.fields() != null) {
              c.fields().forEach(rec.putArray("fields")::add);
            }
            rec.set("payload", JSON.readTree(DemoUpstream.report(c.code())));
            p.send(
                    new ProducerRecord<>(
                        Topics.CALLS, bytes("parity-bank"), JSON.writeValueAsBytes(rec)))
                .get();
          }
        }
        facts.awaitDrained(
            s.groupId,
            Topics.CALLS,
            List.of(Topics.FEEDBACK, Topics.DELIVERED, Topics.DLQ),
            Duration.ofMinutes(2),
            () -> flink.check(job));
        flink.cancel(job);
      }

      Map<Integer, FeedbackEvent> streamFb = new HashMap<>();
      Map<Integer, FeedbackEvent> httpFb = new HashMap<>();
      facts.readAll(
          Topics.FEEDBACK,
          IsolationLevel.READ_COMMITTED,
          r -> {
            FeedbackEvent e = EventReader.feedback(r.value());
            if (e.callId().startsWith("s-")) {
              streamFb.put(Integer.parseInt(e.callId().substring(2)), e);
            } else if (httpIndex.containsKey(e.callId())) {
              httpFb.put(httpIndex.get(e.callId()), e);
            }
          });
      Map<Integer, DeliveredEvent> delivered = new HashMap<>();
      facts.readAll(
          Topics.DELIVERED,
          IsolationLevel.READ_COMMITTED,
          r -> {
            DeliveredEvent e = EventReader.delivered(r.value());
            delivered.put(Integer.parseInt(e.callId().substring(2)), e);
          });
      assertThat(streamFb).hasSize(calls.size());
      assertThat(httpFb).hasSize(calls.size());
      int permits = 0;
      for (int i = 0; i < calls.size(); i++) {
        FeedbackEvent a = httpFb.get(i);
        FeedbackEvent b = streamFb.get(i);
        String what = calls.get(i).toString();
        assertThat(a.decision()).as(what).isEqualTo(b.decision());
        assertThat(a.reasons()).as(what).isEqualTo(b.reasons());
        assertThat(a.contract()).as(what).isEqualTo(b.contract());
        assertThat(a.policyVersion()).as(what).isEqualTo(b.policyVersion());
        assertThat(a.consumer()).isEqualTo(b.consumer());
        assertThat(a.dataset()).isEqualTo(b.dataset());
        assertThat(a.action()).isEqualTo(b.action());
        assertThat(a.purpose()).isEqualTo(b.purpose());
        assertThat(a.records()).as(what).isEqualTo(b.records());
        assertThat(a.bytes()).as(what).isEqualTo(b.bytes());
        assertThat(a.provider()).as(what).isEqualTo(b.provider());
        assertThat(a.channel()).isEqualTo("http");
        assertThat(b.channel()).isEqualTo("http"); // the stream call's own channel
        // what tells them apart: the enforcement point and the event id
        assertThat(a.point()).startsWith("gateway/");
        assertThat(b.point()).isEqualTo("enforcement-job");
        assertThat(a.id()).isEqualTo("h-" + a.callId());
        assertThat(b.id()).matches("s-\\d+-\\d+");
        if (a.decision() == io.tollgate.policy.Outcome.PERMIT) {
          permits++;
          assertThat(responses.get(i).statusCode()).isEqualTo(200);
          assertThat(responses.get(i).body()).as(what).isEqualTo(delivered.get(i).payload());
        } else {
          assertThat(delivered).doesNotContainKey(i);
        }
      }
      assertThat(permits).as("permits among the calls").isEqualTo(6);
      JsonNode one = JSON.readTree(responses.get(0).body());
      assertThat(one.get("name").asText()).isEqualTo("[redacted]");
    } finally {
      broker.close();
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }
}
