package io.tollgate.gateway.http;

import io.tollgate.gateway.config.Route;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Finds the route of a normalised path: the longest prefix that matches on segment boundaries
 * ({@code /api} matches {@code /api} and {@code /api/x}, not {@code /apix}).
 */
public final class Router {
  private final List<Route> routes;

  public Router(List<Route> routes) {
    List<Route> sorted = new ArrayList<>(routes);
    sorted.sort(Comparator.comparingInt((Route r) -> r.prefix().length()).reversed());
    this.routes = List.copyOf(sorted);
  }

  /** The route for {@code path}, or null. */
  public Route match(String path) {
    for (Route r : routes) {
      String p = r.prefix();
      if (path.startsWith(p) && (path.length() == p.length() || path.charAt(p.length()) == '/')) {
        return r;
      }
    }
    return null;
  }

  /**
   * The route a path names before its dot segments are resolved: its segments taken literally. A
   * path whose literal route differs from its normalised route escapes its prefix.
   */
  public Route matchLiteral(String rawPath) {
    return match(rawPath.replaceAll("/{2,}", "/"));
  }

  public List<Route> routes() {
    return routes;
  }
}
