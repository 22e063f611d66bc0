package io.tollgate.policy;

import io.tollgate.policy.model.Policy;
import io.tollgate.policy.source.SourceResult;
import io.tollgate.policy.source.YamlContractSource;
import java.util.List;

/** Test fixture: contracts from YAML text, failing loudly on any diagnostic. */
public final class Contracts {
  private Contracts() {}

  public static List<Policy> yaml(String text) {
    SourceResult r = new YamlContractSource().read("test.yaml", null, text);
    if (!r.ok()) {
      throw new AssertionError(r.diagnostics().toString());
    }
    return r.policies();
  }

  public static PolicyEngine engine(String text) {
    try {
      return PolicyEngine.of(new PolicyCompiler().compileAll(yaml(text)));
    } catch (PolicyException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }
}
