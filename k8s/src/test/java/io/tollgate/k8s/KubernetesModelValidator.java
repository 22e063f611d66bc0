package io.tollgate.k8s;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Kubernetes' own kinds, and prometheus-operator's PodMonitor and ServiceMonitor, against the
 * fabric8 model classes of the API version they name (kubernetes-model 7.5.2, the version Strimzi's
 * api is built on; {@code openshift-model-monitoring} for monitoring.coreos.com/v1, generated from
 * prometheus-operator's CRDs). A resource is read into its class with Jackson; a field of the wrong
 * type fails the read, and a field the class does not know lands in an {@code additionalProperties}
 * map, which {@link ModelWalker} reports with its path.
 *
 * <p>What this does not check: the OpenAPI constraints the model classes do not carry (required
 * fields, enums such as a Service's {@code type}, formats, CEL rules, value ranges), nor what only
 * the API server decides (admission, defaults, immutability, references between resources).
 */
final class KubernetesModelValidator {
  /** apiVersion/kind to model class. */
  static final Map<String, Class<?>> KINDS =
      Map.ofEntries(
          Map.entry("v1/Namespace", Namespace.class),
          Map.entry("v1/ServiceAccount", ServiceAccount.class),
          Map.entry("v1/ConfigMap", ConfigMap.class),
          Map.entry("v1/Secret", Secret.class),
          Map.entry("v1/Service", Service.class),
          Map.entry("v1/PersistentVolumeClaim", PersistentVolumeClaim.class),
          Map.entry("rbac.authorization.k8s.io/v1/Role", Role.class),
          Map.entry("rbac.authorization.k8s.io/v1/RoleBinding", RoleBinding.class),
          Map.entry("apps/v1/Deployment", Deployment.class),
          Map.entry("apps/v1/StatefulSet", StatefulSet.class),
          Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
          Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
          Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
          Map.entry("monitoring.coreos.com/v1/PodMonitor", PodMonitor.class),
          Map.entry("monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class));

  private final ObjectMapper mapper =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
  private final ModelWalker walker = new ModelWalker(mapper, null);

  boolean handles(Resource r) {
    return KINDS.containsKey(r.apiVersion() + "/" + r.kind());
  }

  List<String> validate(Resource r) {
    return read(r.node(), KINDS.get(r.apiVersion() + "/" + r.kind()), "$");
  }

  /** A resource's metadata (of any kind, custom resources too) against ObjectMeta. */
  List<String> validateMetadata(JsonNode metadata, String path) {
    return read(metadata, ObjectMeta.class, path);
  }

  /** A pod template embedded in a custom resource (a FlinkDeployment's podTemplate). */
  List<String> validatePod(JsonNode pod, String path) {
    return read(pod, Pod.class, path);
  }

  private List<String> read(JsonNode json, Class<?> type, String path) {
    List<String> problems = new ArrayList<>();
    Object model;
    try {
      model = mapper.treeToValue(json, type);
    } catch (Exception e) {
      problems.add(path + ": not a valid " + type.getSimpleName() + ": " + firstLine(e));
      return problems;
    }
    walker.walk(model, json, path, problems);
    return problems;
  }

  static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
