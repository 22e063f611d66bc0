package io.tollgate.enforcement.contracts;

import io.tollgate.policy.CompiledPolicy;
import io.tollgate.policy.Diagnostic;
import io.tollgate.policy.PolicyCompiler;
import io.tollgate.policy.PolicyException;
import io.tollgate.policy.source.SourceResult;
import java.nio.file.Path;
import java.util.List;

/**
 * The one rule for a record of {@code tollgate.policies}, applied by every enforcement point that
 * follows the topic (the stream job, every gateway replica): its value holds exactly one contract,
 * whose id is the record's key. The value is a YAML contract or an ODRL 2.2 policy (JSON-LD or
 * Turtle), told apart by its first characters ({@link ContractLoader#sourceForText}).
 */
public final class ContractRecords {
  private ContractRecords() {}

  /**
   * Compiles the contract of one record.
   *
   * @param origin where the record came from, for diagnostics ({@code tollgate.policies/0@42})
   * @param opaDir where {@code opa.wasm} paths resolve, or null
   */
  public static CompiledPolicy compile(
      PolicyCompiler compiler, String id, String text, String origin, Path opaDir)
      throws PolicyException {
    SourceResult read = ContractLoader.sourceForText(text).read(origin, opaDir, text);
    if (!read.ok()) {
      throw new PolicyException(read.diagnostics());
    }
    if (read.policies().size() != 1) {
      throw new PolicyException(
          List.of(
              new Diagnostic(
                  origin,
                  0,
                  0,
                  "",
                  "expected exactly one contract per record, found " + read.policies().size())));
    }
    if (!read.policies().get(0).uid().equals(id)) {
      throw new PolicyException(
          List.of(
              new Diagnostic(
                  origin,
                  0,
                  0,
                  "/contract",
                  "expected the contract id to equal the record key \""
                      + id
                      + "\", found \""
                      + read.policies().get(0).uid()
                      + "\"")));
    }
    return compiler.compile(read.policies().get(0));
  }
}
