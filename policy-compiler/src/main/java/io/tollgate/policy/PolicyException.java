package io.tollgate.policy;

import java.util.List;
import java.util.stream.Collectors;

/** A policy (or set of policies) was rejected; {@link #diagnostics()} says exactly why. */
public final class PolicyException extends Exception {
  private final List<Diagnostic> diagnostics;

  public PolicyException(List<Diagnostic> diagnostics) {
    super(diagnostics.stream().map(Diagnostic::toString).collect(Collectors.joining("\n")));
    if (diagnostics.isEmpty()) {
      throw new IllegalArgumentException("a PolicyException needs at least one diagnostic");
    }
    this.diagnostics = List.copyOf(diagnostics);
  }

  public List<Diagnostic> diagnostics() {
    return diagnostics;
  }
}
