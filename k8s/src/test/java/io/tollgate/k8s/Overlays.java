package io.tollgate.k8s;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The overlays, rendered once per test JVM. */
final class Overlays {
  static final List<String> ALL = List.of("dev", "prod");
  private static final Map<String, List<Resource>> RENDERED = new ConcurrentHashMap<>();

  private Overlays() {}

  static List<Resource> rendered(String overlay) {
    return RENDERED.computeIfAbsent(
        overlay, o -> Kustomize.render(o, Kustomize.moduleDir().resolve("overlays").resolve(o)));
  }

  static Resource one(String overlay, String kind, String name) {
    return rendered(overlay).stream()
        .filter(r -> r.kind().equals(kind) && r.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(overlay + " renders no " + kind + "/" + name));
  }

  static List<Resource> all(String overlay, String kind) {
    return rendered(overlay).stream().filter(r -> r.kind().equals(kind)).toList();
  }
}
