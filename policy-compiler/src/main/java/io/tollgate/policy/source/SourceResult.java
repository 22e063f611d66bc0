package io.tollgate.policy.source;

import io.tollgate.policy.Diagnostic;
import io.tollgate.policy.model.Policy;
import java.util.List;

/** What a source read: the policies it could build and every problem it found. */
public record SourceResult(List<Policy> policies, List<Diagnostic> diagnostics) {

  public SourceResult {
    policies = List.copyOf(policies);
    diagnostics = List.copyOf(diagnostics);
  }

  public boolean ok() {
    return diagnostics.isEmpty();
  }
}
