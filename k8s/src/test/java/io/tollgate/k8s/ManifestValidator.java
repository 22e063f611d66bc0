package io.tollgate.k8s;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Validates rendered resources, each against the schema of its API, by one of three routes:
 *
 * <ul>
 *   <li>{@code flink.apache.org/v1beta1} FlinkDeployment: the operator's CRD schema, made strict,
 *       and Flink's known option keys ({@link FlinkDeploymentValidator});
 *   <li>{@code kafka.strimzi.io/v1} Kafka, KafkaNodePool, KafkaTopic: Strimzi's Java model and its
 *       version annotations ({@link StrimziValidator});
 *   <li>Kubernetes' kinds and monitoring.coreos.com/v1 PodMonitor and ServiceMonitor: fabric8's
 *       model classes ({@link KubernetesModelValidator}).
 * </ul>
 *
 * A resource of any other apiVersion and kind is a problem in itself: nothing passes unvalidated.
 * Each problem reads {@code overlay: Kind/name (apiVersion): $.json.path: what is wrong}.
 */
final class ManifestValidator {
  private final KubernetesModelValidator kubernetes = new KubernetesModelValidator();
  private final FlinkDeploymentValidator flink = new FlinkDeploymentValidator(kubernetes);
  private final StrimziValidator strimzi = new StrimziValidator();

  /** Which route validated how many resources, by route name (for the report and the tests). */
  final Map<String, Integer> validated = new TreeMap<>();

  StrimziValidator strimzi() {
    return strimzi;
  }

  List<String> validate(List<Resource> resources) {
    List<String> problems = new ArrayList<>();
    for (Resource r : resources) {
      String route;
      List<String> found;
      if (flink.handles(r)) {
        route = "flink-crd-schema";
        found = flink.validate(r);
      } else if (strimzi.handles(r)) {
        route = "strimzi-model";
        found = strimzi.validate(r);
        found.addAll(kubernetes.validateMetadata(r.node().path("metadata"), "$.metadata"));
      } else if (kubernetes.handles(r)) {
        route = "fabric8-model";
        found = kubernetes.validate(r);
      } else {
        problems.add(
            r.problem(
                "$",
                "no validator for "
                    + r.apiVersion()
                    + " "
                    + r.kind()
                    + " (validated kinds: FlinkDeployment, Kafka, KafkaNodePool, KafkaTopic, "
                    + KubernetesModelValidator.KINDS.keySet()
                    + ")"));
        continue;
      }
      validated.merge(route, 1, Integer::sum);
      for (String p : found) {
        int colon = p.indexOf(": ");
        problems.add(r.problem(p.substring(0, colon), p.substring(colon + 2)));
      }
    }
    return problems;
  }
}
