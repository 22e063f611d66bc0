package io.tollgate.flink.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.dev.OciImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobs' OCI image tarball ({@code mvn verify}, target/jib-image.tar) for the Flink Kubernetes
 * Operator: the shaded job jar at /opt/flink/usrlib/tollgate-flink-jobs.jar (the FlinkDeployment's
 * jarURI), no Jib /app layers, user 9999; with the offline base also Flink's lib and a runtime, and
 * its entrypoint run in the unpacked layers (Linux, root). With -DskipImages these are skipped.
 */
class FlinkJobsImageIT {
  static OciImage image;
  static boolean offline;

  @BeforeAll
  static void read() throws Exception {
    String tar = System.getProperty("tollgate.image.tar");
    Assumptions.assumeTrue(tar != null, "images off (-DskipImages): no image to inspect");
    offline = Boolean.parseBoolean(System.getProperty("tollgate.image.offline"));
    image = new OciImage(Path.of(tar));
  }

  @Test
  void isAnOciLayoutWhoseBlobsMatchTheirDigests() throws Exception {
    assertThat(OciImage.JSON.readTree(image.file("oci-layout")).path("imageLayoutVersion").asText())
        .isEqualTo("1.0.0");
    assertThat(image.index.path("manifests")).hasSize(1);
    JsonNode m = image.index.path("manifests").path(0);
    assertThat(m.path("annotations").path("org.opencontainers.image.ref.name").asText())
        .isEqualTo("tollgate/flink-jobs:" + System.getProperty("tollgate.image.version"));
    for (Map.Entry<String, byte[]> f : image.files.entrySet()) {
      if (f.getKey().startsWith("blobs/sha256/")) {
        assertThat(OciImage.sha256(f.getValue()))
            .as(f.getKey())
            .isEqualTo("sha256:" + f.getKey().substring("blobs/sha256/".length()));
      }
    }
    assertThat(image.blob(m.path("digest").asText())).hasSize(m.path("size").asInt());
    JsonNode diffIds = image.config.path("rootfs").path("diff_ids");
    assertThat(diffIds).hasSize(image.layers.size());
    for (int i = 0; i < image.layers.size(); i++) {
      OciImage.Layer l = image.layers.get(i);
      assertThat(l.mediaType()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
      assertThat((long) image.blob(l.digest()).length).isEqualTo(l.size());
      assertThat(OciImage.sha256(l.uncompressed())).isEqualTo(diffIds.path(i).asText());
    }
  }

  @Test
  void configIsTheFlinkUsersAndOursLabels() {
    JsonNode c = image.containerConfig();
    assertThat(c.path("User").asText()).isEqualTo("9999:9999");
    assertThat(c.path("WorkingDir").asText()).isEqualTo("/opt/flink");
    assertThat(names(c.path("ExposedPorts"))).contains("6123/tcp", "8081/tcp");
    JsonNode labels = c.path("Labels");
    assertThat(labels.path("org.opencontainers.image.title").asText())
        .isEqualTo("tollgate-flink-jobs");
    assertThat(labels.path("org.opencontainers.image.version").asText())
        .isEqualTo(System.getProperty("tollgate.image.version"));
    assertThat(labels.path("org.opencontainers.image.description").asText())
        .contains("/opt/flink/usrlib/tollgate-flink-jobs.jar");
    if (offline) {
      assertThat(strings(c.path("Entrypoint")))
          .containsExactly(
              "/opt/java/openjdk/bin/java",
              "-XX:MaxRAMPercentage=75",
              "-XX:+ExitOnOutOfMemoryError",
              "-Djava.io.tmpdir=/tmp",
              "-cp",
              "/opt/flink/usrlib/tollgate-flink-jobs.jar:/opt/flink/lib/*",
              "io.tollgate.flink.EnforcementJob");
      assertThat(strings(c.path("Cmd"))).containsExactly("--help");
      assertThat(strings(c.path("Env"))).contains("FLINK_HOME=/opt/flink");
    } else {
      // flink:2.2.1-java17's own, which the operator drives
      assertThat(strings(c.path("Entrypoint"))).containsExactly("/docker-entrypoint.sh");
    }
  }

  @Test
  void layersHoldTheJobJarAndNoJibAppLayers() throws Exception {
    Map<String, OciImage.Entry> fs = image.fileSystem();
    assertThat(fs.keySet()).noneMatch(p -> p.equals("app") || p.startsWith("app/"));
    OciImage.Entry jar = fs.get("opt/flink/usrlib/tollgate-flink-jobs.jar");
    assertThat(jar).isNotNull();
    assertThat(jar.mode() & 0444).isEqualTo(0444);
    // this build's shaded jar, not an earlier one
    assertThat(OciImage.sha256(jar.content()))
        .isEqualTo(OciImage.sha256(Files.readAllBytes(Path.of("target/tollgate-flink-jobs.jar"))));
    Set<String> classes = new HashSet<>();
    try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(jar.content()))) {
      for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
        classes.add(e.getName());
      }
    }
    assertThat(classes)
        .contains(
            "io/tollgate/flink/EnforcementJob.class",
            "org/apache/flink/connector/kafka/source/KafkaSource.class")
        .noneMatch(n -> n.startsWith("org/apache/flink/runtime/"));
    // the job jar is one layer of its own
    assertThat(image.layers)
        .filteredOn(
            l ->
                l.entries().stream()
                    .anyMatch(e -> e.path().equals("opt/flink/usrlib/tollgate-flink-jobs.jar")))
        .singleElement()
        .satisfies(l -> assertThat(l.entries()).allMatch(e -> e.path().startsWith("opt")));
    if (!offline) {
      return;
    }
    // the runtime, Flink's lib, the job jar
    assertThat(image.layers).hasSize(3);
    assertThat(fs.keySet())
        .anyMatch(p -> p.matches("opt/flink/lib/flink-runtime-[0-9.]+\\.jar"))
        .anyMatch(p -> p.matches("opt/flink/lib/flink-statebackend-rocksdb-[0-9.]+\\.jar"))
        .anyMatch(p -> p.matches("opt/flink/lib/log4j-core-[0-9.]+\\.jar"))
        .anyMatch(p -> p.matches("opt/flink/lib/commons-lang3-[0-9.]+\\.jar"))
        .contains(
            "opt/java/openjdk/lib/server/libjvm.so",
            "lib64/ld-linux-x86-64.so.2",
            "lib/x86_64-linux-gnu/libstdc++.so.6",
            "lib/x86_64-linux-gnu/libpthread.so.0");
    assertThat(fs.get("opt/java/openjdk/bin/java").mode() & 0755).isEqualTo(0755);
    assertThat(new String(fs.get("etc/passwd").content(), java.nio.charset.StandardCharsets.UTF_8))
        .contains("flink:x:9999:9999:");
  }

  @Test
  void entrypointRunsInTheUnpackedLayers(@TempDir Path root) throws Exception {
    Assumptions.assumeTrue(offline, "a real base is not run here");
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name"))
            && Files.isExecutable(Path.of("/usr/sbin/chroot"))
            && Files.isExecutable(Path.of("/usr/bin/unshare")),
        "needs root, chroot and unshare");
    image.extract(root);
    Files.createDirectories(root.resolve("proc"));
    JsonNode c = image.containerConfig();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "/usr/bin/unshare",
                "--mount",
                "--pid",
                "--fork",
                "--mount-proc=" + root.resolve("proc"),
                "/usr/sbin/chroot",
                "--userspec=" + c.path("User").asText(),
                root.toString()));
    cmd.addAll(strings(c.path("Entrypoint")));
    cmd.addAll(strings(c.path("Cmd")));
    Map<String, String> env = new HashMap<>();
    for (String e : strings(c.path("Env"))) {
      env.put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
    }
    Map.Entry<Integer, String> r = OciImage.run(cmd, env);
    assertThat(r.getValue()).contains("Usage: enforcement-job").contains("--bootstrap-servers");
    assertThat(r.getKey()).isZero();
  }

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  static List<String> names(JsonNode object) {
    List<String> out = new ArrayList<>();
    object.fieldNames().forEachRemaining(out::add);
    return out;
  }
}
