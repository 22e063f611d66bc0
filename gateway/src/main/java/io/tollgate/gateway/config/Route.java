package io.tollgate.gateway.config;

import io.tollgate.policy.Action;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A dataset of the catalog as the gateway serves it: the path prefix it answers on, the upstream it
 * forwards to, the methods allowed and the action each is decided as, and its limits.
 */
public record Route(
    String dataset,
    String provider,
    String title,
    String description,
    String prefix,
    URI upstream,
    Set<String> methods,
    Map<String, Action> actions,
    long maxRequestBytes,
    long maxResponseBytes,
    Duration connectTimeout,
    Duration firstByteTimeout,
    Duration totalTimeout,
    boolean sharedLimits,
    Map<String, String> catalog) {

  public String upstreamHost() {
    return upstream.getHost();
  }

  public int upstreamPort() {
    return upstream.getPort() > 0 ? upstream.getPort() : 80;
  }

  /** The upstream path the prefix maps to, without a trailing slash ("" for the root). */
  public String upstreamPath() {
    String p = upstream.getRawPath();
    if (p == null || p.equals("/")) {
      return "";
    }
    return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }

  /** The action a method is decided as. */
  public Action action(String method) {
    return actions.get(method);
  }

  /** Default: GET and HEAD read, POST query. */
  public static Map<String, Action> defaultActions() {
    return Map.of("GET", Action.READ, "HEAD", Action.READ, "POST", Action.QUERY);
  }

  public static List<String> knownMethods() {
    return List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE");
  }
}
