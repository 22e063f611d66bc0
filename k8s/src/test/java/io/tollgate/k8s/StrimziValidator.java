package io.tollgate.k8s;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.apache.flink.shaded.asm9.org.objectweb.asm.AnnotationVisitor;
import org.apache.flink.shaded.asm9.org.objectweb.asm.ClassReader;
import org.apache.flink.shaded.asm9.org.objectweb.asm.ClassVisitor;
import org.apache.flink.shaded.asm9.org.objectweb.asm.FieldVisitor;
import org.apache.flink.shaded.asm9.org.objectweb.asm.MethodVisitor;
import org.apache.flink.shaded.asm9.org.objectweb.asm.Opcodes;

/**
 * Strimzi's {@code kafka.strimzi.io/v1} resources (Kafka, KafkaNodePool, KafkaTopic) against
 * Strimzi's own Java model, {@code io.strimzi:api:0.51.0}.
 *
 * <p>The route, and why: Strimzi's api jars carry no CRD or schema files, and io.strimzi:api 1.x is
 * Java 21 bytecode, which this Java 17 build cannot load. 0.51.0 is Java 11 bytecode and its model
 * already knows v1: each field is annotated with the API versions it exists in ({@code
 * PresentInVersions}, e.g. {@code "v1beta2"} for a field v1 removed) and is required in ({@code
 * RequiredInVersions}, e.g. {@code "v1+"}). Those annotations are retained in the class files but
 * their classes (io.strimzi:crd-annotations) are not on Maven Central, so reflection cannot see
 * them: they are read from the class files with ASM (Flink's shaded copy). Then each resource is
 * read into its model class (a wrong type fails), and the walk beside its JSON reports:
 *
 * <ul>
 *   <li>every unknown field (Strimzi's models keep them in {@code additionalProperties});
 *   <li>every field present only in versions before v1 ({@link #REMOVED_IN_V1} lists the ones this
 *       project could use by mistake: the test checks that the annotations find each);
 *   <li>every field v1 requires that is missing;
 *   <li>an apiVersion other than {@code kafka.strimzi.io/v1}, and a KafkaNodePool or KafkaTopic
 *       without its {@code strimzi.io/cluster} label.
 * </ul>
 *
 * <p>What this does not check: the CRD's OpenAPI constraints the model does not carry as types
 * (patterns, minimums, enums of strings such as a listener's {@code type} are partly types in the
 * model and partly not), the CEL rules of the v1 CRDs, anything the 1.x model added or changed
 * after 0.51.0, and what only the operator decides (e.g. that the node pools' roles cover
 * controllers and brokers, broker config keys and values: {@code spec.kafka.config} is a free map
 * here, as in the CRD).
 */
final class StrimziValidator {
  static final String API_VERSION = "kafka.strimzi.io/v1";

  static final Map<String, Class<?>> KINDS =
      Map.of(
          "Kafka",
          Kafka.class,
          "KafkaNodePool",
          KafkaNodePool.class,
          "KafkaTopic",
          KafkaTopic.class);

  /**
   * Fields v1 removed relative to v1beta2 that a Kafka of this project could carry by habit (from
   * Strimzi's v1 API proposal and conversion documentation: ZooKeeper is gone, replicas, storage
   * and resources moved to the node pools, JMX Trans was removed). The annotations are the check;
   * this list is asserted to be among what they find, so a model that stopped marking them fails.
   */
  static final List<String> REMOVED_IN_V1 =
      List.of(
          "KafkaSpec.zookeeper",
          "KafkaSpec.jmxTrans",
          "KafkaClusterSpec.replicas",
          "KafkaClusterSpec.storage",
          "KafkaClusterSpec.resources");

  private final ObjectMapper mapper =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  /** class name to member (method or field) name to the versions of its annotation. */
  private final Map<String, Map<String, String>> present = new HashMap<>();

  private final Map<String, Map<String, String>> required = new HashMap<>();
  private final ModelWalker walker;

  StrimziValidator() {
    scanAnnotations();
    walker = new ModelWalker(mapper, this::checkVersions);
  }

  boolean handles(Resource r) {
    return r.apiVersion().startsWith("kafka.strimzi.io/") && KINDS.containsKey(r.kind());
  }

  List<String> validate(Resource r) {
    List<String> problems = new ArrayList<>();
    if (!r.apiVersion().equals(API_VERSION)) {
      problems.add("$.apiVersion: " + r.apiVersion() + ", expected " + API_VERSION);
    }
    if (!r.kind().equals("Kafka")
        && r.node()
            .path("metadata")
            .path("labels")
            .path("strimzi.io/cluster")
            .asText("")
            .isEmpty()) {
      problems.add("$.metadata.labels: no strimzi.io/cluster label: no Kafka cluster would own it");
    }
    Object model;
    try {
      model = mapper.treeToValue(r.node(), KINDS.get(r.kind()));
    } catch (Exception e) {
      problems.add("$: not a valid " + r.kind() + ": " + KubernetesModelValidator.firstLine(e));
      return problems;
    }
    walker.walk(model, r.node(), "$", problems);
    return problems;
  }

  /** {@code Class.property} of every field the model marks as absent from v1, for the test. */
  TreeSet<String> removedInV1() {
    TreeSet<String> out = new TreeSet<>();
    present.forEach(
        (cls, members) ->
            members.forEach(
                (member, versions) -> {
                  if (!includesV1(versions)) {
                    out.add(simpleName(cls) + "." + propertyName(member));
                  }
                }));
    return out;
  }

  private void checkVersions(
      Class<?> beanClass,
      BeanPropertyDefinition p,
      JsonNode json,
      String path,
      List<String> problems) {
    if (json == null || !json.isObject()) {
      return;
    }
    String presentIn = versions(present, p);
    if (presentIn != null && !includesV1(presentIn) && json.has(p.getName())) {
      problems.add(
          path
              + ": removed in "
              + API_VERSION
              + " (the "
              + beanClass.getSimpleName()
              + " field exists only in "
              + presentIn
              + ")");
    }
    String requiredIn = versions(required, p);
    if (requiredIn != null && includesV1(requiredIn) && !json.has(p.getName())) {
      problems.add(path + ": required in " + API_VERSION + " (" + beanClass.getSimpleName() + ")");
    }
  }

  private static String versions(Map<String, Map<String, String>> index, BeanPropertyDefinition p) {
    for (AnnotatedMember m : new AnnotatedMember[] {p.getGetter(), p.getField(), p.getSetter()}) {
      if (m == null) {
        continue;
      }
      for (Class<?> c = m.getDeclaringClass(); c != null; c = c.getSuperclass()) {
        Map<String, String> members = index.get(c.getName());
        if (members != null && members.containsKey(m.getName())) {
          return members.get(m.getName());
        }
      }
    }
    return null;
  }

  /** Strimzi's version ranges: {@code v1beta2}, {@code v1+}, {@code v1alpha1-v1beta2}. */
  static boolean includesV1(String range) {
    for (String part : range.split(",")) {
      String r = part.strip();
      if (r.endsWith("+")) {
        if (rank(r.substring(0, r.length() - 1)) <= rank("v1")) {
          return true;
        }
      } else if (r.contains("-")) {
        String[] ab = r.split("-", 2);
        if (rank(ab[0]) <= rank("v1") && rank("v1") <= rank(ab[1])) {
          return true;
        }
      } else if (r.equals("v1")) {
        return true;
      }
    }
    return false;
  }

  private static int rank(String v) {
    return switch (v) {
      case "v1alpha1" -> 0;
      case "v1beta1" -> 1;
      case "v1beta2" -> 2;
      case "v1" -> 3;
      default -> throw new IllegalArgumentException("unknown Strimzi API version " + v);
    };
  }

  private static String simpleName(String cls) {
    return cls.substring(cls.lastIndexOf('.') + 1);
  }

  private static String propertyName(String member) {
    for (String prefix : new String[] {"get", "is", "set"}) {
      if (member.startsWith(prefix) && member.length() > prefix.length()) {
        String rest = member.substring(prefix.length());
        return Character.toLowerCase(rest.charAt(0)) + rest.substring(1);
      }
    }
    return member;
  }

  private void scanAnnotations() {
    Path jar;
    try {
      jar = Path.of(Kafka.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    try (JarFile jf = new JarFile(jar.toFile())) {
      for (Enumeration<JarEntry> en = jf.entries(); en.hasMoreElements(); ) {
        JarEntry e = en.nextElement();
        if (e.getName().startsWith("io/strimzi/api/") && e.getName().endsWith(".class")) {
          try (InputStream in = jf.getInputStream(e)) {
            new ClassReader(in).accept(new Scanner(), ClassReader.SKIP_CODE);
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the Strimzi model's classes in " + jar, e);
    }
    if (present.isEmpty()) {
      throw new IllegalStateException(
          "no PresentInVersions annotation found in " + jar + ": the v1 checks would be vacuous");
    }
  }

  private static final String PRESENT = "Lio/strimzi/crdgenerator/annotations/PresentInVersions;";
  private static final String REQUIRED = "Lio/strimzi/crdgenerator/annotations/RequiredInVersions;";

  private final class Scanner extends ClassVisitor {
    private String cls;

    Scanner() {
      super(Opcodes.ASM9);
    }

    @Override
    public void visit(
        int version, int access, String name, String sig, String superName, String[] ifaces) {
      cls = name.replace('/', '.');
    }

    @Override
    public MethodVisitor visitMethod(
        int access, String name, String desc, String sig, String[] exceptions) {
      return new MethodVisitor(Opcodes.ASM9) {
        @Override
        public AnnotationVisitor visitAnnotation(String d, boolean visible) {
          return annotation(d, name);
        }
      };
    }

    @Override
    public FieldVisitor visitField(int access, String name, String desc, String sig, Object v) {
      return new FieldVisitor(Opcodes.ASM9) {
        @Override
        public AnnotationVisitor visitAnnotation(String d, boolean visible) {
          return annotation(d, name);
        }
      };
    }

    private AnnotationVisitor annotation(String desc, String member) {
      Map<String, Map<String, String>> index =
          desc.equals(PRESENT) ? present : desc.equals(REQUIRED) ? required : null;
      if (index == null) {
        return null;
      }
      return new AnnotationVisitor(Opcodes.ASM9) {
        @Override
        public void visit(String name, Object value) {
          if ("value".equals(name)) {
            index.computeIfAbsent(cls, k -> new HashMap<>()).put(member, String.valueOf(value));
          }
        }
      };
    }
  }
}
