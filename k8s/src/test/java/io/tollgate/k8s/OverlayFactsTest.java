package io.tollgate.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Facts the manifests must keep beside their schemas: the topics of docs/events.md, the prod
 * figures of the sizing example, the images, and agreement between the jobs' arguments (their real
 * picocli options) and their Flink configuration.
 */
class OverlayFactsTest {
  private static final Map<String, String> ENTRY_SOURCES =
      Map.of(
          "io.tollgate.flink.EnforcementJob",
          "flink-jobs/src/main/java/io/tollgate/flink/EnforcementJob.java",
          "io.tollgate.flink.metering.MeteringJobCommand",
          "flink-jobs/src/main/java/io/tollgate/flink/metering/MeteringJobCommand.java",
          "io.tollgate.flink.evidence.EvidenceJobCommand",
          "flink-jobs/src/main/java/io/tollgate/flink/evidence/EvidenceJobCommand.java");

  /** The topics of docs/events.md's table. */
  static Set<String> documentedTopics() throws IOException {
    String doc = Files.readString(Kustomize.repoDir().resolve("docs/events.md"));
    Set<String> topics = new LinkedHashSet<>();
    Matcher m = Pattern.compile("(?m)^\\| `(tollgate\\.[a-z]+)` \\|").matcher(doc);
    while (m.find()) {
      topics.add(m.group(1));
    }
    assertThat(topics).as("the topic table of docs/events.md").hasSizeGreaterThanOrEqualTo(7);
    return topics;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"dev", "prod"})
  void everyDocumentedTopicIsAKafkaTopicWithItsSettings(String overlay) throws IOException {
    Map<String, JsonNode> byName = new java.util.HashMap<>();
    for (Resource r : Overlays.all(overlay, "KafkaTopic")) {
      byName.put(r.node().path("spec").path("topicName").asText(), r.node().path("spec"));
    }
    assertThat(byName.keySet()).containsExactlyInAnyOrderElementsOf(documentedTopics());
    assertThat(byName.get("tollgate.policies").path("partitions").asInt()).isEqualTo(1);
    assertThat(byName.get("tollgate.policies").path("config").path("cleanup.policy").asText())
        .isEqualTo("compact");
    assertThat(byName.get("tollgate.calls").path("config").path("message.timestamp.type").asText())
        .isEqualTo("LogAppendTime");
    assertThat(byName.get("tollgate.evidence").path("partitions").asInt()).isEqualTo(1);
    assertThat(byName.get("tollgate.evidence").path("config").path("retention.ms").asLong())
        .isEqualTo(-1);
    for (String out :
        List.of("tollgate.feedback", "tollgate.delivered", "tollgate.dlq", "tollgate.usage")) {
      assertThat(byName.get(out).path("config").path("max.message.bytes").asInt())
          .as(out)
          .isEqualTo(4 << 20);
    }
    int brokers =
        Overlays.one(overlay, "KafkaNodePool", "broker")
            .node()
            .path("spec")
            .path("replicas")
            .asInt();
    JsonNode config =
        Overlays.one(overlay, "Kafka", "tollgate").node().path("spec").path("kafka").path("config");
    for (JsonNode t : byName.values()) {
      assertThat(t.path("replicas").asInt()).isLessThanOrEqualTo(brokers);
      assertThat(t.path("replicas").asInt())
          .isGreaterThan(config.path("min.insync.replicas").asInt() - (brokers == 1 ? 1 : 0));
    }
    assertThat(config.path("transaction.state.log.replication.factor").asInt())
        .isLessThanOrEqualTo(brokers);
  }

  @Test
  void prodHasTheSizingFigures() {
    String p = "prod";
    assertThat(spec(p, "KafkaNodePool", "controller").path("replicas").asInt()).isEqualTo(3);
    assertThat(spec(p, "KafkaNodePool", "broker").path("replicas").asInt()).isEqualTo(36);
    JsonNode kafka = spec(p, "Kafka", "tollgate").path("kafka").path("config");
    assertThat(kafka.path("transaction.state.log.replication.factor").asInt()).isEqualTo(3);
    assertThat(kafka.path("transaction.state.log.min.isr").asInt()).isEqualTo(2);
    assertThat(kafka.path("min.insync.replicas").asInt()).isEqualTo(2);
    assertThat(kafka.path("default.replication.factor").asInt()).isEqualTo(3);

    JsonNode enforcement = spec(p, "FlinkDeployment", "enforcement");
    assertThat(enforcement.path("job").path("parallelism").asInt()).isEqualTo(400);
    assertThat(
            enforcement.path("flinkConfiguration").path("taskmanager.numberOfTaskSlots").asText())
        .isEqualTo("4");
    assertThat(enforcement.path("taskManager").path("resource").path("cpu").asDouble())
        .isEqualTo(4.0);
    assertThat(enforcement.path("taskManager").path("resource").path("memory").asText())
        .isEqualTo("8192m");
    assertThat(spec(p, "FlinkDeployment", "metering").path("job").path("parallelism").asInt())
        .isEqualTo(400);
    // not 8: EvidenceJob pins its operators to parallelism 1
    // (overlays/prod/flink-evidence-sizing.yaml)
    assertThat(spec(p, "FlinkDeployment", "evidence").path("job").path("parallelism").asInt())
        .isEqualTo(1);

    JsonNode hpa = spec(p, "HorizontalPodAutoscaler", "gateway");
    assertThat(hpa.path("minReplicas").asInt()).isEqualTo(4);
    assertThat(hpa.path("maxReplicas").asInt()).isEqualTo(12);
    assertThat(redisReplicasOfTheGateway(p)).isEqualTo("12");
    assertThat(spec(p, "StatefulSet", "redis").path("replicas").asInt()).isEqualTo(1);
    for (Resource t : Overlays.all(p, "KafkaTopic")) {
      if (t.node().path("metadata").path("labels").has("tollgate.io/partitions")) {
        assertThat(t.node().path("spec").path("partitions").asInt())
            .as(t.id())
            .isGreaterThanOrEqualTo(
                enforcement
                    .path("flinkConfiguration")
                    .path("job.autoscaler.vertex.max-parallelism")
                    .asInt());
      }
    }
  }

  @Test
  void devRunsOneOfEverything() {
    String d = "dev";
    assertThat(spec(d, "KafkaNodePool", "controller").path("replicas").asInt()).isEqualTo(1);
    assertThat(spec(d, "KafkaNodePool", "broker").path("replicas").asInt()).isEqualTo(1);
    for (Resource f : Overlays.all(d, "FlinkDeployment")) {
      assertThat(f.node().path("spec").path("job").path("parallelism").asInt())
          .as(f.id())
          .isEqualTo(1);
    }
    assertThat(spec(d, "HorizontalPodAutoscaler", "gateway").path("maxReplicas").asInt())
        .isEqualTo(1);
    assertThat(redisReplicasOfTheGateway(d)).isEqualTo("1");
    assertThat(spec(d, "StatefulSet", "redis").path("replicas").asInt()).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"dev", "prod"})
  void imagesAreTollgatesOwn(String overlay) {
    List<String> images = new ArrayList<>();
    for (Resource f : Overlays.all(overlay, "FlinkDeployment")) {
      assertThat(f.node().path("spec").path("image").asText())
          .as(f.id())
          .isEqualTo("tollgate/flink-jobs:0.1.0-SNAPSHOT");
      assertThat(f.node().path("spec").path("flinkVersion").asText()).isEqualTo("v2_2");
      assertThat(f.node().path("spec").path("job").path("jarURI").asText())
          .isEqualTo("local:///opt/flink/usrlib/tollgate-flink-jobs.jar");
    }
    JsonNode pod = spec(overlay, "Deployment", "gateway").path("template").path("spec");
    assertThat(pod.path("containers").get(0).path("image").asText())
        .isEqualTo("tollgate/gateway:0.1.0-SNAPSHOT");
    for (Resource r : Overlays.rendered(overlay)) {
      r.node().findValues("image").forEach(i -> images.add(i.asText()));
    }
    assertThat(images)
        .allMatch(
            i ->
                i.startsWith("tollgate/gateway:")
                    || i.startsWith("tollgate/flink-jobs:")
                    || i.equals("redis:7")
                    || i.equals("busybox:1.37"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"dev", "prod"})
  void jobArgumentsAreTheirEntryClassesOptionsAndAgreeWithTheConfiguration(String overlay)
      throws IOException {
    long brokerTxMax =
        spec(overlay, "Kafka", "tollgate")
            .path("kafka")
            .path("config")
            .path("transaction.max.timeout.ms")
            .asLong();
    for (Resource f : Overlays.all(overlay, "FlinkDeployment")) {
      JsonNode job = f.node().path("spec").path("job");
      JsonNode conf = f.node().path("spec").path("flinkConfiguration");
      String entry = job.path("entryClass").asText();
      assertThat(ENTRY_SOURCES).as(f.id() + " entryClass").containsKey(entry);
      String source = Files.readString(Kustomize.repoDir().resolve(ENTRY_SOURCES.get(entry)));
      List<String> args = new ArrayList<>();
      job.path("args").forEach(a -> args.add(a.asText()));
      for (int i = 0; i < args.size(); i += 2) {
        String opt = args.get(i);
        assertThat(opt).as(f.id() + " args[" + i + "]").startsWith("--");
        assertThat(source)
            .as(f.id() + ": " + opt + " is an option of " + entry)
            .contains("names = \"" + opt + "\"");
      }
      assertThat(arg(args, "--bootstrap-servers")).isEqualTo("tollgate-kafka-bootstrap:9092");
      if (arg(args, "--parallelism") != null) {
        assertThat(Integer.parseInt(arg(args, "--parallelism")))
            .as(f.id() + ": --parallelism equals job.parallelism")
            .isEqualTo(job.path("parallelism").asInt());
      }
      assertThat(arg(args, "--checkpoint-dir"))
          .as(f.id() + ": --checkpoint-dir equals execution.checkpointing.dir")
          .isEqualTo(conf.path("execution.checkpointing.dir").asText());
      String backend = arg(args, "--state-backend");
      assertThat(backend == null ? "hashmap" : backend)
          .as(f.id() + ": the state backend the job sets in code is the configuration's")
          .isEqualTo(conf.path("state.backend.type").asText());
      String tx = arg(args, "--transaction-timeout-ms");
      assertThat(Math.max(tx == null ? 0 : Long.parseLong(tx), 600_000L))
          .as(f.id() + ": transaction timeout within the brokers' transaction.max.timeout.ms")
          .isLessThanOrEqualTo(brokerTxMax);
      assertThat(conf.path("high-availability.type").asText()).isEqualTo("kubernetes");
      assertThat(conf.path("high-availability.storageDir").asText())
          .startsWith("s3://tollgate-flink/");
      assertThat(conf.path("execution.checkpointing.mode").asText()).isEqualTo("EXACTLY_ONCE");
      assertThat(conf.path("metrics.reporter.prom.factory.class").asText())
          .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
      assertThat(job.path("upgradeMode").asText()).isIn("savepoint", "last-state");
    }
    assertThat(
            Overlays.one(overlay, "FlinkDeployment", "enforcement")
                .node()
                .path("spec")
                .path("flinkConfiguration")
                .path("state.backend.type")
                .asText())
        .isEqualTo("rocksdb");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"dev", "prod"})
  void gatewayConfigListensOnTheProbedPorts(String overlay) throws IOException {
    Resource cm =
        Overlays.rendered(overlay).stream()
            .filter(r -> r.kind().equals("ConfigMap") && r.name().startsWith("gateway-config"))
            .findFirst()
            .orElseThrow();
    JsonNode conf =
        new ObjectMapper(new YAMLFactory())
            .readTree(cm.node().path("data").path("gateway.yaml").asText());
    assertThat(conf.path("listen").asText()).isEqualTo("0.0.0.0:8080");
    assertThat(conf.path("admin").path("listen").asText()).isEqualTo("0.0.0.0:8081");
    JsonNode c =
        spec(overlay, "Deployment", "gateway")
            .path("template")
            .path("spec")
            .path("containers")
            .get(0);
    assertThat(c.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/ready");
    assertThat(c.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/health");
    JsonNode sc = c.path("securityContext");
    assertThat(sc.path("runAsUser").asInt()).isEqualTo(65532);
    assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
    assertThat(sc.path("capabilities").path("drop").get(0).asText()).isEqualTo("ALL");
    // the gateway's config keys are those GatewayConfig reads (gateway/README.md)
    String reader =
        Files.readString(
            Kustomize.repoDir()
                .resolve("gateway/src/main/java/io/tollgate/gateway/config/GatewayConfig.java"));
    conf.fieldNames()
        .forEachRemaining(k -> assertThat(reader).as("gateway key " + k).contains("\"" + k + "\""));
  }

  private static String redisReplicasOfTheGateway(String overlay) {
    for (JsonNode e :
        spec(overlay, "Deployment", "gateway")
            .path("template")
            .path("spec")
            .path("initContainers")
            .get(0)
            .path("env")) {
      if (e.path("name").asText().equals("REDIS_REPLICAS")) {
        return e.path("value").asText();
      }
    }
    return null;
  }

  private static String arg(List<String> args, String name) {
    int i = args.indexOf(name);
    return i < 0 || i + 1 >= args.size() ? null : args.get(i + 1);
  }

  private static JsonNode spec(String overlay, String kind, String name) {
    return Overlays.one(overlay, kind, name).node().path("spec");
  }
}
