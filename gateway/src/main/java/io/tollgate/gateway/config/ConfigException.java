package io.tollgate.gateway.config;

import io.tollgate.policy.Diagnostic;
import java.util.List;

/** A configuration that cannot be used: every problem found, each located in its file. */
public final class ConfigException extends Exception {
  private final List<Diagnostic> problems;

  public ConfigException(List<Diagnostic> problems) {
    super(summary(problems));
    this.problems = List.copyOf(problems);
  }

  public List<Diagnostic> problems() {
    return problems;
  }

  private static String summary(List<Diagnostic> problems) {
    StringBuilder sb = new StringBuilder();
    for (Diagnostic d : problems) {
      if (sb.length() > 0) {
        sb.append('\n');
      }
      sb.append(d);
    }
    return sb.toString();
  }
}
