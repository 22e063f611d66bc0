package io.tollgate.policy.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.Diagnostic;
import io.tollgate.policy.PolicyCompiler;
import io.tollgate.policy.model.Policy;
import org.junit.jupiter.api.Test;

/**
 * What every {@link PolicySource} promises, whatever its notation: a valid document gives its
 * contract, compiled to the same version as the same contract in any other notation; a broken one
 * gives located diagnostics naming the file and no policy at all; an empty one is an error, not an
 * empty success. Each notation's test extends this with its own documents.
 */
public abstract class PolicySourceContract {
  /** The source under test. */
  protected abstract PolicySource source();

  /** The file name its documents go by (the extension matters to some sources). */
  protected abstract String file();

  /**
   * The reference contract in this notation: contract {@code ref-1}, provider {@code prov},
   * consumer {@code cons}, dataset {@code data}, action read, purposes credit-assessment, valid
   * until 2027-01-01T00:00:00Z, at most 10 calls a second.
   */
  protected abstract String reference();

  /** A document with a syntax error on line {@link #brokenLine()}. */
  protected abstract String broken();

  protected abstract int brokenLine();

  /** A well-formed document whose constraint has a value of the wrong type. */
  protected abstract String wrongValue();

  static final String REFERENCE_YAML =
      "contract: ref-1\nprovider: prov\nconsumer: cons\ndataset: data\nactions: [read]\n"
          + "purposes: [credit-assessment]\nvalid: {until: \"2027-01-01T00:00:00Z\"}\n"
          + "limits: {rate: 10/s}\n";

  @Test
  void aValidDocumentGivesItsContractWithTheSameVersionInEveryNotation() throws Exception {
    SourceResult r = source().read(file(), null, reference());
    assertThat(r.diagnostics()).isEmpty();
    assertThat(r.policies()).hasSize(1);
    Policy p = r.policies().get(0);
    assertThat(p.uid()).isEqualTo("ref-1");
    assertThat(p.assignee()).isEqualTo("cons");
    assertThat(p.target()).isEqualTo("data");
    Policy yaml = new YamlContractSource().read("ref.yaml", null, REFERENCE_YAML).policies().get(0);
    assertThat(new PolicyCompiler().compile(p).version())
        .isEqualTo(new PolicyCompiler().compile(yaml).version());
  }

  @Test
  void aBrokenDocumentGivesLocatedDiagnosticsAndNoPolicy() {
    SourceResult r = source().read(file(), null, broken());
    assertThat(r.policies()).isEmpty();
    assertThat(r.diagnostics()).isNotEmpty();
    Diagnostic d = r.diagnostics().get(0);
    assertThat(d.file()).isEqualTo(file());
    assertThat(d.line()).isEqualTo(brokenLine());
  }

  @Test
  void aValueOfTheWrongTypeIsAnErrorNotASilentPermit() {
    SourceResult r = source().read(file(), null, wrongValue());
    assertThat(r.policies()).isEmpty();
    assertThat(r.diagnostics()).isNotEmpty();
    assertThat(r.diagnostics().get(0).pointer()).isNotEmpty();
  }

  @Test
  void anEmptyDocumentIsAnError() {
    SourceResult r = source().read(file(), null, "");
    assertThat(r.policies()).isEmpty();
    assertThat(r.diagnostics()).isNotEmpty();
  }
}
