package io.tollgate.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * FlinkDeployments ({@code flink.apache.org/v1beta1}) against the operator's own CRD: the
 * openAPIV3Schema of {@code META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml} in {@code
 * org.apache.flink:flink-kubernetes-operator-api:1.10.0}, made strict, validated with networknt's
 * json-schema-validator; then every key of {@code spec.flinkConfiguration} against the options
 * Flink knows ({@link FlinkConfigKeys}), and {@code metadata} against fabric8's ObjectMeta.
 *
 * <p>Strict means: every object schema that lists {@code properties} and is not marked {@code
 * x-kubernetes-preserve-unknown-fields} gets {@code additionalProperties: false}, so an unknown
 * field is an error, as the API server's pruning would silently drop it. (The schema has no
 * preserved object; its {@code flinkConfiguration} is a map of strings, judged key by key here.)
 *
 * <p><b>One deliberate extension:</b> the 1.10.0 CRD's {@code flinkVersion} enum stops at {@code
 * v1_20}; this project runs Flink 2.2, so {@code v2_2} is added to the enum here. A cluster must
 * run an operator whose CRD lists {@code v2_2} (k8s/README.md, "Prerequisites").
 *
 * <p>What this does not check: the operator's own validation (its webhook and reconciler: e.g. that
 * a savepoint upgrade mode has a savepoint directory, or the values of Flink options), values of
 * {@code flinkConfiguration} (keys only), {@code format}s and {@code metadata} beyond ObjectMeta.
 */
final class FlinkDeploymentValidator {
  static final String API_VERSION = "flink.apache.org/v1beta1";
  static final String CRD = "META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml";

  /** Added to the CRD's flinkVersion enum, which ends at v1_20 in operator 1.10.0. */
  static final String FLINK_VERSION = "v2_2";

  private final JsonSchema schema;
  private final KubernetesModelValidator metadata;

  FlinkDeploymentValidator(KubernetesModelValidator metadata) {
    this.metadata = metadata;
    this.schema = load();
  }

  boolean handles(Resource r) {
    return r.apiVersion().equals(API_VERSION) && r.kind().equals("FlinkDeployment");
  }

  List<String> validate(Resource r) {
    List<String> problems = new ArrayList<>();
    Set<ValidationMessage> messages = schema.validate(r.node());
    for (ValidationMessage m : messages) {
      String path = m.getInstanceLocation().toString();
      if (m.getProperty() != null && m.getType().equals("additionalProperties")) {
        path = path + "." + m.getProperty();
      }
      problems.add(path + ": " + m.getMessage() + " [" + m.getType() + "]");
    }
    JsonNode conf = r.node().path("spec").path("flinkConfiguration");
    for (Iterator<String> it = conf.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!FlinkConfigKeys.isKnown(key)) {
        problems.add(
            "$.spec.flinkConfiguration."
                + key
                + ": not a Flink configuration option (Flink 2.2.1, autoscaler 1.10.0; nor a"
                + " metrics.reporter.*, s3.* or fs.s3a.* family key)");
      }
    }
    problems.addAll(metadata.validateMetadata(r.node().path("metadata"), "$.metadata"));
    return problems;
  }

  private static JsonSchema load() {
    JsonNode crd;
    try (InputStream in =
        FlinkDeploymentValidator.class.getClassLoader().getResourceAsStream(CRD)) {
      if (in == null) {
        throw new IllegalStateException(
            CRD + " is not on the test classpath (flink-kubernetes-operator-api)");
      }
      crd = new ObjectMapper(new YAMLFactory()).readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + CRD, e);
    }
    JsonNode version = null;
    for (JsonNode v : crd.path("spec").path("versions")) {
      if (v.path("name").asText().equals("v1beta1")) {
        version = v;
      }
    }
    if (version == null) {
      throw new IllegalStateException(CRD + " has no version v1beta1");
    }
    ObjectNode root = (ObjectNode) version.path("schema").path("openAPIV3Schema").deepCopy();
    strict(root);
    ArrayNode flinkVersions =
        (ArrayNode)
            root.path("properties")
                .path("spec")
                .path("properties")
                .path("flinkVersion")
                .path("enum");
    if (flinkVersions.isMissingNode() || flinkVersions.isEmpty()) {
      throw new IllegalStateException(CRD + ": spec.flinkVersion has no enum to extend");
    }
    flinkVersions.add(FLINK_VERSION);
    // a CRD's schema leaves out what every resource has (the API server checks those): here
    // apiVersion and kind are pinned, and metadata is ObjectMeta, checked by the fabric8 model
    ObjectNode props = (ObjectNode) root.path("properties");
    ObjectNode apiVersion = props.putObject("apiVersion").put("type", "string");
    apiVersion.putArray("enum").add(API_VERSION);
    ObjectNode kind = props.putObject("kind").put("type", "string");
    kind.putArray("enum").add("FlinkDeployment");
    props.putObject("metadata").put("type", "object");
    SchemaValidatorsConfig config =
        SchemaValidatorsConfig.builder().pathType(PathType.JSON_PATH).build();
    return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(root, config);
  }

  /**
   * additionalProperties: false on every object schema with properties and no preserved unknown
   * fields; the Kubernetes-only keywords are dropped (int-or-string is already an anyOf).
   */
  static void strict(JsonNode node) {
    if (node instanceof ObjectNode o) {
      boolean preserve = o.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
      if (o.has("properties") && !preserve && !o.has("additionalProperties")) {
        o.set("additionalProperties", BooleanNode.FALSE);
      }
      List<String> drop = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().startsWith("x-kubernetes-") || e.getKey().equals("nullable")) {
          drop.add(e.getKey());
        } else if (!e.getKey().equals("enum")
            && !e.getKey().equals("default")
            && !e.getKey().equals("example")) {
          strict(e.getValue());
        }
      }
      drop.forEach(o::remove);
    } else if (node instanceof ArrayNode a) {
      a.forEach(FlinkDeploymentValidator::strict);
    }
  }
}
