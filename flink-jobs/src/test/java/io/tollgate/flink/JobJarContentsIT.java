package io.tollgate.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The job jar a Flink cluster runs (target/tollgate-flink-jobs.jar, built in the package phase,
 * before failsafe) holds the job and what it needs: no demo, no broker, no load generator, no test
 * classes, no test libraries, and not the Flink runtime a cluster provides.
 */
class JobJarContentsIT {
  static List<String> entries() throws Exception {
    Path jar = Path.of("target", "tollgate-flink-jobs.jar");
    assertThat(jar).as("the shaded job jar").exists();
    try (JarFile j = new JarFile(jar.toFile())) {
      return j.stream().map(e -> e.getName()).collect(Collectors.toList());
    }
  }

  @Test
  void holdsTheJobTheCoreAndTheConnector() throws Exception {
    List<String> names = entries();
    assertThat(names)
        .contains(
            "io/tollgate/flink/EnforcementJob.class",
            "io/tollgate/flink/EnforcementFunction.class",
            "io/tollgate/enforcement/records/CallRecordCodec.class",
            "io/tollgate/policy/PolicyEngine.class",
            "org/apache/flink/connector/kafka/source/KafkaSource.class",
            "org/apache/kafka/clients/consumer/KafkaConsumer.class");
  }

  @Test
  void holdsNoDemoNoBrokerNoTestsAndNoClusterRuntime() throws Exception {
    List<String> names = entries();
    assertThat(names)
        .filteredOn(n -> n.startsWith("io/tollgate/dev/"))
        .as("the dev module")
        .isEmpty();
    assertThat(names)
        .filteredOn(n -> n.startsWith("io/tollgate/cli/"))
        .as("the command line")
        .isEmpty();
    assertThat(names).filteredOn(n -> n.startsWith("io/tollgate/load")).as("load tests").isEmpty();
    assertThat(names)
        .filteredOn(
            n -> n.startsWith("io/tollgate/") && n.matches(".*(Test|IT|Fixture)(\\$.*)?\\.class"))
        .as("test classes")
        .isEmpty();
    assertThat(names)
        .filteredOn(n -> (n.startsWith("kafka/") || n.startsWith("scala/")) && n.endsWith(".class"))
        .as("the Kafka broker and Scala")
        .isEmpty();
    assertThat(names)
        .filteredOn(n -> n.startsWith("org/HdrHistogram/"))
        .as("HdrHistogram")
        .isEmpty();
    assertThat(names)
        .filteredOn(
            n ->
                n.startsWith("org/junit/")
                    || n.startsWith("org/assertj/")
                    || n.startsWith("com/tngtech/"))
        .as("test libraries")
        .isEmpty();
    assertThat(names)
        .filteredOn(
            n ->
                n.startsWith("org/apache/flink/runtime/")
                    || n.startsWith("org/apache/flink/streaming/api/environment/"))
        .as("the Flink runtime a cluster provides")
        .isEmpty();
    assertThat(names)
        .filteredOn(n -> n.startsWith("org/apache/logging/log4j/core/"))
        .as("a logging backend")
        .isEmpty();
  }

  @Test
  void itsManifestRunsTheEnforcementJob() throws Exception {
    try (JarFile j = new JarFile(Path.of("target", "tollgate-flink-jobs.jar").toFile())) {
      assertThat(j.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo(EnforcementJob.class.getName());
    }
    assertThat(Files.size(Path.of("target", "tollgate-flink-jobs.jar"))).isPositive();
  }
}
