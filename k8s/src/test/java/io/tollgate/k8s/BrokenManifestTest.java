package io.tollgate.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The validator bites: a temporary copy of the base and the dev overlay with one mistake per route
 * (and a kind without a validator) renders fine but fails validation, each problem naming the
 * overlay, the resource and the JSON path.
 */
class BrokenManifestTest {
  @TempDir static Path tmp;
  static List<String> problems;

  @BeforeAll
  static void renderABrokenCopy() throws IOException {
    copy(Kustomize.moduleDir().resolve("base"), tmp.resolve("base"));
    copy(Kustomize.moduleDir().resolve("overlays/dev"), tmp.resolve("overlays/dev"));
    Path base = tmp.resolve("base");
    // Kubernetes (fabric8): a misspelled field of the Deployment's spec, one deep in a container
    edit(base.resolve("gateway/deployment.yaml"), "  revisionHistoryLimit: 5\n", "  replicaz: 2\n");
    edit(
        base.resolve("gateway/deployment.yaml"),
        "          imagePullPolicy: IfNotPresent\n",
        "          imagePullPolicyy: IfNotPresent\n");
    // Flink: an unknown configuration key, and an unknown field of the job (the CRD schema)
    edit(
        base.resolve("flink/enforcement.yaml"),
        "    state.backend.type: rocksdb\n",
        "    state.backend.typo: rocksdb\n");
    edit(
        base.resolve("flink/enforcement.yaml"),
        "        runAsGroup: 9999\n",
        "        runAsGroupp: 9999\n");
    edit(
        base.resolve("flink/metering.yaml"),
        "    upgradeMode: savepoint\n",
        "    upgradeMod: savepoint\n");
    // Strimzi: a field v1 removed (replicas moved to the node pools), and an unknown one
    edit(
        base.resolve("kafka/kafka.yaml"),
        "  kafka:\n    listeners:\n",
        "  kafka:\n    replicas: 3\n    listeners:\n");
    edit(
        base.resolve("kafka/node-pools.yaml"),
        "  roles:\n    - broker\n",
        "  roles:\n    - broker\n  rolez: []\n");
    // prometheus-operator: a misspelled endpoint field
    edit(
        base.resolve("monitoring/service-monitor.yaml"),
        "      interval: 15s\n",
        "      intervall: 15s\n");
    // a kind no route validates
    Files.writeString(
        base.resolve("limit-range.yaml"),
        "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: defaults\nspec:\n  limits: []\n");
    edit(
        base.resolve("kustomization.yaml"),
        "  - namespace.yaml\n",
        "  - namespace.yaml\n  - limit-range.yaml\n");

    problems =
        new ManifestValidator()
            .validate(Kustomize.render("broken-dev", tmp.resolve("overlays/dev")));
  }

  @Test
  void aMisspelledDeploymentFieldFailsWithItsPath() {
    assertThat(problems)
        .anyMatch(
            p ->
                p.startsWith(
                    "broken-dev: Deployment/gateway (apps/v1): $.spec.replicaz: unknown field"))
        .anyMatch(
            p ->
                p.startsWith(
                    "broken-dev: Deployment/gateway (apps/v1): $.spec.template.spec.containers[0].imagePullPolicyy: unknown field"));
  }

  @Test
  void anUnknownFlinkKeyAndFieldFail() {
    assertThat(problems)
        .anyMatch(
            p ->
                p.startsWith(
                    "broken-dev: FlinkDeployment/enforcement (flink.apache.org/v1beta1): $.spec.flinkConfiguration.state.backend.typo: not a Flink configuration option"))
        .anyMatch(
            p ->
                p.startsWith(
                        "broken-dev: FlinkDeployment/metering (flink.apache.org/v1beta1): $.spec.job.upgradeMod: ")
                    && p.contains("additionalProperties"))
        .anyMatch(
            p ->
                p.startsWith(
                    "broken-dev: FlinkDeployment/enforcement (flink.apache.org/v1beta1): $.spec.podTemplate.spec.securityContext.runAsGroupp: "));
  }

  @Test
  void aFieldV1RemovedAndAnUnknownStrimziFieldFail() {
    assertThat(problems)
        .anyMatch(
            p ->
                p.startsWith(
                    "broken-dev: Kafka/tollgate (kafka.strimzi.io/v1): $.spec.kafka.replicas: removed in kafka.strimzi.io/v1"))
        .anyMatch(
            p ->
                p.startsWith(
                    "broken-dev: KafkaNodePool/broker (kafka.strimzi.io/v1): $.spec.rolez: unknown field"));
  }

  @Test
  void aMisspelledServiceMonitorFieldFails() {
    assertThat(problems)
        .anyMatch(
            p ->
                p.startsWith(
                    "broken-dev: ServiceMonitor/gateway (monitoring.coreos.com/v1): $.spec.endpoints[0].intervall: unknown field"));
  }

  @Test
  void aKindWithoutValidatorFails() {
    assertThat(problems)
        .anyMatch(
            p ->
                p.startsWith(
                    "broken-dev: LimitRange/defaults (v1): $: no validator for v1 LimitRange"));
  }

  @Test
  void nothingElseIsReported() {
    assertThat(problems).as(String.join("\n", problems)).hasSize(9);
  }

  private static void edit(Path file, String from, String to) {
    try {
      String s = Files.readString(file, StandardCharsets.UTF_8);
      if (!s.contains(from)) {
        throw new AssertionError(
            file + " no longer contains " + from.strip() + ": update this test");
      }
      Files.writeString(file, s.replace(from, to), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }
}
