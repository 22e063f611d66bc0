package io.tollgate.k8s;

import com.fasterxml.jackson.databind.JsonNode;

/** One rendered resource, and the overlay it came from. */
record Resource(String overlay, JsonNode node) {
  String apiVersion() {
    return node.path("apiVersion").asText("");
  }

  String kind() {
    return node.path("kind").asText("");
  }

  String name() {
    return node.path("metadata").path("name").asText("");
  }

  /** {@code Kind/name}. */
  String id() {
    return kind() + "/" + name();
  }

  /** A problem of this resource at {@code path}: {@code overlay: Kind/name: path: message}. */
  String problem(String path, String message) {
    return overlay + ": " + id() + " (" + apiVersion() + "): " + path + ": " + message;
  }
}
