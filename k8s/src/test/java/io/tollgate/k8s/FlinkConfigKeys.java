package io.tollgate.k8s;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.FallbackKey;

/**
 * The configuration keys Flink knows: every {@code ConfigOption} constant (its key, and its
 * fallback and deprecated keys) of the option classes in the Flink jars on the test classpath:
 * flink-core, flink-runtime, flink-clients, flink-streaming-java, flink-statebackend-rocksdb and
 * flink-metrics-prometheus at 2.2.1, and the operator's autoscaler (flink-autoscaler 1.10.0, {@code
 * job.autoscaler.*}). A class counts as an option class when its simple name contains {@code
 * Option} or {@code Config} (Flink's convention: {@code CheckpointingOptions}, {@code
 * RocksDBConfigurableOptions}, {@code AutoScalerOptions}).
 *
 * <p>Not on Maven Central, hence not checked key by key: flink-kubernetes 2.2.1 ({@code
 * kubernetes.*}, {@code high-availability.kubernetes.*}) and flink-kubernetes-operator 1.10.0
 * ({@code kubernetes.operator.*}): the manifests use none of those keys, and a key under them fails
 * as unknown. Families whose keys are open by design are matched by prefix: {@link #FAMILIES}.
 */
final class FlinkConfigKeys {
  /**
   * Prefix-matched families: a metric reporter's keys ({@code metrics.reporter.<name>.*}, the
   * reporter's own options, e.g. the Prometheus reporter's {@code port}), and the S3 file systems'
   * keys ({@code s3.*}, {@code fs.s3a.*}), which the s3 plugins pass on to their clients.
   */
  static final List<String> FAMILIES = List.of("metrics.reporter.", "s3.", "fs.s3a.");

  private static volatile Set<String> known;

  private FlinkConfigKeys() {}

  static boolean isKnown(String key) {
    for (String f : FAMILIES) {
      if (key.startsWith(f) && key.length() > f.length()) {
        return true;
      }
    }
    return known().contains(key);
  }

  static Set<String> known() {
    Set<String> k = known;
    if (k == null) {
      synchronized (FlinkConfigKeys.class) {
        if (known == null) {
          known = collect();
        }
        k = known;
      }
    }
    return k;
  }

  private static Set<String> collect() {
    TreeSet<String> keys = new TreeSet<>();
    ClassLoader loader = FlinkConfigKeys.class.getClassLoader();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String file = new File(entry).getName();
      if (!file.startsWith("flink-") || !file.endsWith(".jar") || file.startsWith("flink-shaded")) {
        continue;
      }
      try (JarFile jar = new JarFile(entry)) {
        for (Enumeration<JarEntry> en = jar.entries(); en.hasMoreElements(); ) {
          String name = en.nextElement().getName();
          if (!name.startsWith("org/apache/flink/")
              || !name.endsWith(".class")
              || name.contains("$")) {
            continue;
          }
          String simple = name.substring(name.lastIndexOf('/') + 1, name.length() - 6);
          if (!simple.contains("Option") && !simple.contains("Config")) {
            continue;
          }
          addOptions(name.substring(0, name.length() - 6).replace('/', '.'), loader, keys);
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + entry, e);
      }
    }
    if (keys.size() < 500 || !keys.contains("state.backend.type")) {
      throw new IllegalStateException(
          "only " + keys.size() + " Flink option keys found: the classpath lacks Flink's jars");
    }
    return keys;
  }

  private static void addOptions(String className, ClassLoader loader, Set<String> keys) {
    Class<?> c;
    try {
      c = Class.forName(className, false, loader);
    } catch (LinkageError | ClassNotFoundException e) {
      return; // a class that needs what is not on this classpath holds no option we could use
    }
    Field[] fields;
    try {
      fields = c.getDeclaredFields();
    } catch (LinkageError e) {
      return;
    }
    for (Field f : fields) {
      if (!Modifier.isStatic(f.getModifiers())
          || !ConfigOption.class.isAssignableFrom(f.getType())) {
        continue;
      }
      try {
        f.setAccessible(true);
        ConfigOption<?> o = (ConfigOption<?>) f.get(null);
        if (o != null) {
          keys.add(o.key());
          for (FallbackKey fk : o.fallbackKeys()) {
            keys.add(fk.getKey());
          }
        }
      } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
        // an option class whose static initialiser needs more than this classpath: skipped
      }
    }
  }
}
