package io.tollgate.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Renders each overlay with {@code kubectl kustomize} and validates every resource against the
 * schema of its API ({@link ManifestValidator}: the routes, and what each does not check, are in
 * its javadoc and k8s/README.md).
 */
class ManifestsTest {
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"dev", "prod"})
  void everyRenderedResourceIsValidAgainstItsApi(String overlay) {
    List<Resource> resources = Overlays.rendered(overlay);
    ManifestValidator v = new ManifestValidator();
    List<String> problems = v.validate(resources);
    assertThat(problems)
        .as("problems of k8s/overlays/%s:%n%s", overlay, String.join("\n", problems))
        .isEmpty();
    assertThat(v.validated.values().stream().mapToInt(Integer::intValue).sum())
        .as("every resource went through a route")
        .isEqualTo(resources.size());
    assertThat(v.validated).containsOnlyKeys("flink-crd-schema", "strimzi-model", "fabric8-model");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"dev", "prod"})
  void rendersEveryKindOfTheBase(String overlay) {
    Set<String> kinds = new TreeSet<>();
    Overlays.rendered(overlay).forEach(r -> kinds.add(r.kind()));
    assertThat(kinds)
        .containsExactlyInAnyOrder(
            "Namespace",
            "Secret",
            "ServiceAccount",
            "Role",
            "RoleBinding",
            "ConfigMap",
            "Service",
            "Deployment",
            "StatefulSet",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
            "NetworkPolicy",
            "PersistentVolumeClaim",
            "FlinkDeployment",
            "Kafka",
            "KafkaNodePool",
            "KafkaTopic",
            "PodMonitor",
            "ServiceMonitor");
    assertThat(Overlays.rendered(overlay))
        .allSatisfy(
            r -> {
              if (!r.kind().equals("Namespace")) {
                assertThat(r.node().path("metadata").path("namespace").asText())
                    .as(r.id())
                    .isEqualTo("tollgate");
              }
              assertThat(
                      r.node()
                          .path("metadata")
                          .path("labels")
                          .path("app.kubernetes.io/part-of")
                          .asText())
                  .as(r.id())
                  .isEqualTo("tollgate");
            });
  }

  @Test
  void strimziModelMarksTheFieldsV1Removed() {
    assertThat(new StrimziValidator().removedInV1()).containsAll(StrimziValidator.REMOVED_IN_V1);
  }

  @Test
  void flinkKnowsItsOptionsAndTheAutoscalers() {
    assertThat(FlinkConfigKeys.known())
        .hasSizeGreaterThan(500)
        .contains(
            "state.backend.type",
            "execution.checkpointing.incremental",
            "high-availability.type",
            "taskmanager.numberOfTaskSlots",
            "job.autoscaler.enabled",
            "job.autoscaler.target.utilization")
        .doesNotContain("state.backend.typo");
    assertThat(FlinkConfigKeys.isKnown("metrics.reporter.prom.port")).isTrue();
    assertThat(FlinkConfigKeys.isKnown("metrics.reporter.")).isFalse();
  }
}
