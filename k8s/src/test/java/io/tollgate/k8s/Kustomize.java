package io.tollgate.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Renders a kustomization with {@code kubectl kustomize DIR} (kustomize built into kubectl, no
 * cluster needed). The kubectl is the system property {@code kubectl} (the module's pom sets it to
 * {@code kubectl}, {@code -Dkubectl=/path} overrides it), looked up on {@code PATH} when it is a
 * bare name. A missing kubectl fails the test that needs it, naming what was looked for: manifests
 * are never passed unvalidated.
 */
final class Kustomize {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private Kustomize() {}

  /** The module's directory (k8s/). */
  static Path moduleDir() {
    return Path.of(System.getProperty("k8s.dir", ".")).toAbsolutePath().normalize();
  }

  /** The repository's root. */
  static Path repoDir() {
    return Path.of(System.getProperty("repo.dir", "..")).toAbsolutePath().normalize();
  }

  static Path kubectl() {
    String k = System.getProperty("kubectl", "kubectl");
    if (k.isBlank()) {
      k = "kubectl";
    }
    if (k.contains(File.separator)) {
      Path p = Path.of(k);
      if (!Files.isExecutable(p)) {
        throw new IllegalStateException(
            "kubectl not found or not executable at "
                + p
                + " (-Dkubectl=...): the manifests cannot be rendered, so they are not validated");
      }
      return p;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, k);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    throw new IllegalStateException(
        "no "
            + k
            + " on PATH ("
            + System.getenv("PATH")
            + "): install kubectl (v1.27+, kustomize built in) or point -Dkubectl=/path/to/kubectl at"
            + " one; the manifests are never passed unvalidated");
  }

  /** The rendered output of {@code dir}, as text. */
  static String renderText(Path dir) {
    Path kubectl = kubectl();
    try {
      Path out = Files.createTempFile("kustomize", ".yaml");
      Path err = Files.createTempFile("kustomize", ".err");
      try {
        Process p =
            new ProcessBuilder(kubectl.toString(), "kustomize", dir.toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new IllegalStateException(kubectl + " kustomize " + dir + " took over 120 s");
        }
        if (p.exitValue() != 0) {
          throw new IllegalStateException(
              kubectl
                  + " kustomize "
                  + dir
                  + " failed (exit "
                  + p.exitValue()
                  + "): "
                  + Files.readString(err, StandardCharsets.UTF_8).strip());
        }
        return Files.readString(out, StandardCharsets.UTF_8);
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + kubectl + " kustomize " + dir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted rendering " + dir, e);
    }
  }

  /** The resources {@code dir} renders to, in order. */
  static List<Resource> render(String overlay, Path dir) {
    return parse(overlay, renderText(dir));
  }

  static List<Resource> parse(String overlay, String yaml) {
    List<Resource> resources = new ArrayList<>();
    try (YAMLParser parser = (YAMLParser) YAML.getFactory().createParser(yaml)) {
      for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
        JsonNode n = it.next();
        if (n != null && !n.isNull() && !n.isMissingNode()) {
          resources.add(new Resource(overlay, n));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("the output of " + overlay + " is not YAML", e);
    }
    return resources;
  }
}
