package io.tollgate.gateway.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.dev.OciImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's OCI image tarball ({@code mvn verify}, target/jib-image.tar): its layout, digests,
 * config and files; and, on Linux as root, its entrypoint run in the unpacked layers with chroot.
 * With -DskipImages there is no tarball and these are skipped.
 */
class GatewayImageIT {
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
    assertThat(m.path("mediaType").asText())
        .isEqualTo("application/vnd.oci.image.manifest.v1+json");
    assertThat(m.path("annotations").path("org.opencontainers.image.ref.name").asText())
        .startsWith("tollgate/gateway:")
        .endsWith(":" + System.getProperty("tollgate.image.version", ""));
    for (Map.Entry<String, byte[]> f : image.files.entrySet()) {
      if (f.getKey().startsWith("blobs/sha256/")) {
        assertThat(OciImage.sha256(f.getValue()))
            .as(f.getKey())
            .isEqualTo("sha256:" + f.getKey().substring("blobs/sha256/".length()));
      }
    }
    assertThat(image.blob(m.path("digest").asText())).hasSize(m.path("size").asInt());
    assertThat(image.manifest.path("config").path("mediaType").asText())
        .isEqualTo("application/vnd.oci.image.config.v1+json");
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
  void configRunsTheGatewayAsNonRoot() {
    JsonNode c = image.containerConfig();
    assertThat(image.config.path("os").asText()).isEqualTo("linux");
    assertThat(strings(c.path("Entrypoint")))
        .containsExactly(
            "/opt/java/openjdk/bin/java",
            "-XX:MaxRAMPercentage=75",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.io.tmpdir=/tmp",
            "-cp",
            "/app/resources:/app/classes:/app/libs/*",
            "io.tollgate.gateway.GatewayCommand");
    assertThat(strings(c.path("Cmd"))).containsExactly("--config", "/etc/tollgate/gateway.yaml");
    assertThat(c.path("User").asText()).isEqualTo("65532:65532");
    assertThat(c.path("WorkingDir").asText()).isEqualTo("/app");
    assertThat(names(c.path("ExposedPorts"))).contains("8080/tcp", "8081/tcp");
    assertThat(names(c.path("Volumes"))).contains("/tmp");
    JsonNode labels = c.path("Labels");
    assertThat(labels.path("org.opencontainers.image.title").asText())
        .isEqualTo("tollgate-gateway");
    assertThat(labels.path("org.opencontainers.image.version").asText())
        .isEqualTo(System.getProperty("tollgate.image.version"));
    assertThat(labels.path("org.opencontainers.image.vendor").asText()).isEqualTo("Tollgate");
    assertThat(labels.path("org.opencontainers.image.description").asText()).isNotBlank();
  }

  @Test
  void layersHoldTheApplicationAndTheRuntime() throws Exception {
    // Jib's dependencies, snapshot dependencies, resources, classes, extra files (the offline
    // runtime) and its jvm arg files; a real base adds its own below them
    if (offline) {
      assertThat(image.layers).hasSize(6);
    } else {
      assertThat(image.layers.size()).isGreaterThan(5);
    }
    Map<String, OciImage.Entry> fs = image.fileSystem();
    assertThat(fs.get("app/classes/io/tollgate/gateway/GatewayCommand.class").content())
        .isEqualTo(
            Files.readAllBytes(Path.of("target/classes/io/tollgate/gateway/GatewayCommand.class")));
    assertThat(fs.keySet())
        .anyMatch(p -> p.matches("app/libs/enforcement-core-.*\\.jar"))
        .anyMatch(p -> p.matches("app/libs/policy-compiler-.*\\.jar"))
        .anyMatch(p -> p.matches("app/libs/netty-codec-http-.*\\.jar"))
        .anyMatch(p -> p.matches("app/libs/netty-transport-native-epoll-.*-linux-x86_64\\.jar"))
        .noneMatch(p -> p.matches("app/libs/flink-.*"));
    if (!offline) {
      return;
    }
    assertThat(fs.get("opt/java/openjdk/bin/java").mode() & 0755).isEqualTo(0755);
    assertThat(fs.get("lib64/ld-linux-x86-64.so.2").mode() & 0755).isEqualTo(0755);
    assertThat(fs)
        .containsKeys(
            "opt/java/openjdk/lib/server/libjvm.so",
            "opt/java/openjdk/lib/modules",
            "opt/java/openjdk/lib/security/cacerts",
            "lib/x86_64-linux-gnu/libc.so.6",
            "lib/x86_64-linux-gnu/libz.so.1",
            "lib/x86_64-linux-gnu/libdl.so.2",
            "etc/nsswitch.conf");
    assertThat(fs).doesNotContainKey("opt/java/openjdk/lib/libawt_xawt.so");
    assertThat(fs.get("opt/java/openjdk/lib/security/cacerts").content().length)
        .isGreaterThan(1000);
    assertThat(new String(fs.get("etc/passwd").content(), StandardCharsets.UTF_8))
        .contains("nonroot:x:65532:65532:");
    assertThat(fs.get("tmp").isDirectory()).isTrue();
    assertThat(fs.get("tmp").mode() & 0777).isEqualTo(0777);
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
    // the example configuration, as a ConfigMap would mount it
    Files.createDirectories(root.resolve("etc/tollgate"));
    for (String f : List.of("gateway.yaml", "participants.yaml")) {
      Files.copy(Path.of("../examples/gateway", f), root.resolve("etc/tollgate").resolve(f));
    }
    Map.Entry<Integer, String> version = inImage(root, List.of("--version"));
    assertThat(version.getKey()).as(version.getValue()).isZero();
    Map.Entry<Integer, String> check =
        inImage(root, List.of("--config", "/etc/tollgate/gateway.yaml", "--check"));
    assertThat(check.getValue()).contains("ok: 1 dataset(s)");
    assertThat(check.getKey()).isZero();
  }

  /**
   * The image's entrypoint with {@code args}, its user and environment, chrooted in {@code root}.
   */
  static Map.Entry<Integer, String> inImage(Path root, List<String> args) throws Exception {
    JsonNode c = image.containerConfig();
    Files.createDirectories(root.resolve("proc"));
    List<String> cmd = new ArrayList<>();
    cmd.addAll(
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
    cmd.addAll(args);
    Map<String, String> env = new HashMap<>();
    for (String e : strings(c.path("Env"))) {
      env.put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
    }
    return OciImage.run(cmd, env);
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
