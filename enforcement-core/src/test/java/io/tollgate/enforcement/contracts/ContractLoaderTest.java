package io.tollgate.enforcement.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.enforcement.records.PolicyRecord;
import io.tollgate.policy.CompiledPolicy;
import io.tollgate.policy.Diagnostic;
import io.tollgate.policy.PolicyCompiler;
import io.tollgate.policy.model.Policy;
import io.tollgate.policy.source.SourceResult;
import io.tollgate.policy.source.YamlContractSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one contract loader: what policy check, policy eval, up and every publisher read contracts
 * with.
 */
class ContractLoaderTest {
  private static final String MINIMAL = "contract: c1\nprovider: p\nconsumer: acme\ndataset: ds\n";

  @Test
  void loaderReportsDuplicateIdsAcrossFiles(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("a.yaml"), MINIMAL);
    Files.writeString(dir.resolve("b.yml"), MINIMAL);
    Files.writeString(dir.resolve("notes.txt"), "ignored");
    SourceResult r = new ContractLoader().load(List.of(dir));
    assertThat(r.policies()).hasSize(1);
    assertThat(r.diagnostics()).hasSize(1);
    assertThat(r.diagnostics().get(0).toString())
        .endsWith(
            "b.yml:1:11: /contract: expected a unique contract id, found \"c1\" already defined in "
                + dir.resolve("a.yaml"));
  }

  @Test
  void loaderRefusesMissingAndNonUtf8Files(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("bad.yaml"), new byte[] {'a', ':', ' ', (byte) 0xC3, (byte) 0x28});
    SourceResult r =
        new ContractLoader().load(List.of(dir.resolve("bad.yaml"), dir.resolve("missing.yaml")));
    assertThat(r.diagnostics())
        .extracting(Diagnostic::message)
        .containsExactly(
            "expected UTF-8 text, found bytes that are not UTF-8",
            "expected a contract file, found no such file");
  }

  @Test
  void theShippedExamplesAreValid() {
    SourceResult r = new ContractLoader().load(List.of(Path.of("../examples/contracts")));
    assertThat(r.diagnostics()).isEmpty();
    assertThat(r.policies())
        .extracting(Policy::uid)
        .contains("vt-fleet-analytics-2026", "cr-bank-of-pudong-2026");
  }

  @Test
  void directoriesAreReadRecursivelyLikePolicyCheckReadsThem(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("team-a/2026"));
    Files.writeString(dir.resolve("team-a/2026/deep.yaml"), MINIMAL.replace("c1", "deep"));
    Files.writeString(dir.resolve("top.yml"), MINIMAL.replace("c1", "top"));
    SourceResult r = new ContractLoader().load(List.of(dir));
    assertThat(r.diagnostics()).isEmpty();
    assertThat(r.policies()).extracting(Policy::uid).containsExactly("deep", "top");
  }

  /**
   * Each contract of a file of several keeps its own document's text, and that text, published as a
   * policies record and read back, compiles to the very same contract version.
   */
  @Test
  void eachContractKeepsItsOwnDocumentAsTheRecordToPublish(@TempDir Path dir) throws Exception {
    String file =
        "# two contracts, one file\n"
            + MINIMAL
            + "purposes: [navigation]  # a comment\n---\n"
            + "# the second\n"
            + MINIMAL.replace("c1", "c2")
            + "...\n--- {contract: c3, provider: p, consumer: x, dataset: ds}\n";
    Files.writeString(dir.resolve("many.yaml"), file);
    PolicyCompiler compiler = new PolicyCompiler();
    ContractLoader.Compiled c = new ContractLoader().compile(List.of(dir), compiler);
    assertThat(c.diagnostics()).isEmpty();
    assertThat(c.contracts()).extracting(CompiledPolicy::id).containsExactly("c1", "c2", "c3");
    for (CompiledPolicy p : c.contracts()) {
      String text = p.source().origin().text();
      assertThat(text)
          .as("no other document")
          .doesNotContain("\n---")
          .contains("contract: " + p.id());
      PolicyRecord record =
          PolicyRecord.read(
              p.id().getBytes(StandardCharsets.UTF_8),
              text.getBytes(StandardCharsets.UTF_8),
              0,
              0,
              0);
      SourceResult again =
          new YamlContractSource().read("tollgate.policies/0@0", null, record.text);
      assertThat(again.diagnostics()).isEmpty();
      assertThat(again.policies()).hasSize(1);
      assertThat(compiler.compile(again.policies().get(0)).version())
          .as(p.id())
          .isEqualTo(p.version());
    }
  }

  @Test
  void indentedTaggedAndFlowDocumentsArePublishedAsTheyRead(@TempDir Path dir) throws Exception {
    String file =
        "  contract: ind\n  provider: p\n  consumer: acme\n  dataset: ds\n  purposes: [navigation]\n"
            + "--- !!map\ncontract: tagged\nprovider: p\nconsumer: acme\ndataset: ds\n"
            + "--- {contract: flow, provider: p,\n  consumer: acme, dataset: ds}\n";
    Files.writeString(dir.resolve("shapes.yaml"), file);
    PolicyCompiler compiler = new PolicyCompiler();
    ContractLoader.Compiled c = new ContractLoader().compile(List.of(dir), compiler);
    assertThat(c.diagnostics()).isEmpty();
    assertThat(c.contracts())
        .extracting(CompiledPolicy::id)
        .containsExactly("ind", "tagged", "flow");
    assertThat(c.contracts().get(0).source().origin().text()).startsWith("  contract: ind");
    for (CompiledPolicy p : c.contracts()) {
      SourceResult again =
          new YamlContractSource().read("record", null, p.source().origin().text());
      assertThat(again.diagnostics()).as(p.id()).isEmpty();
      assertThat(compiler.compile(again.policies().get(0)).version())
          .as(p.id())
          .isEqualTo(p.version());
    }
  }

  @Test
  void manyDocumentsWithWideCharactersLoadInLinearTime(@TempDir Path dir) throws Exception {
    StringBuilder b =
        new StringBuilder("# \uD83D\uDE00 a supplementary character before them all\n");
    for (int i = 0; i < 3000; i++) {
      b.append(i == 0 ? "" : "---\n")
          .append(MINIMAL.replace("c1", "c" + i))
          .append("# \uD83D\uDE9A\n");
    }
    Files.writeString(dir.resolve("many.yaml"), b);
    ContractLoader.Compiled c = new ContractLoader().compile(List.of(dir), new PolicyCompiler());
    assertThat(c.diagnostics()).isEmpty();
    assertThat(c.contracts()).hasSize(3000);
    assertThat(c.contracts().get(2999).source().origin().text()).startsWith("contract: c2999\n");
  }

  @Test
  void aContractThatDoesNotCompileFailsTheWholeLoad(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("ok.yaml"), MINIMAL);
    Files.writeString(
        dir.resolve("bad.yaml"), MINIMAL.replace("c1", "c2") + "limits: {rate: \"10/sec\"}\n");
    ContractLoader.Compiled c = new ContractLoader().compile(List.of(dir), new PolicyCompiler());
    assertThat(c.ok()).isFalse();
    assertThat(c.contracts()).as("nothing to enforce or publish").isEmpty();
    assertThat(c.diagnostics()).extracting(Diagnostic::pointer).containsExactly("/limits/rate");
  }

  @Test
  void nonAsciiTextSurvivesTheSlicing(@TempDir Path dir) throws Exception {
    String a =
        "# 供应链金融 \uD83D\uDE9A\n"
            + MINIMAL.replace("dataset: ds", "dataset: ds\npurposes: [\"风控\"]");
    Files.writeString(dir.resolve("zh.yaml"), a + "---\n" + MINIMAL.replace("c1", "c2"));
    ContractLoader.Compiled c = new ContractLoader().compile(List.of(dir), new PolicyCompiler());
    assertThat(c.diagnostics()).isEmpty();
    assertThat(c.contracts().get(0).source().origin().text())
        .startsWith("contract: c1")
        .contains("风控");
    assertThat(c.contracts().get(1).source().origin().text()).startsWith("contract: c2");
  }
}
