package io.tollgate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.policy.Diagnostic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every problem of a configuration is reported, each with its file, line and key. */
class GatewayConfigTest {
  @TempDir Path dir;

  @Test
  void theShippedExampleReads() throws Exception {
    GatewayConfig c = GatewayConfig.read(Path.of("../examples/gateway/gateway.yaml"));
    assertThat(c.routes()).hasSize(1);
    assertThat(c.participants().all()).hasSize(3);
    assertThat(c.participants().byApiKey("demo-key-demo-lender").id()).isEqualTo("demo-lender");
    assertThat(c.participants().byApiKey("demo-key-demo-lenderX")).isNull();
  }

  @Test
  void anInvalidCreditCodeIsAnErrorNamingItsLine() throws Exception {
    Files.writeString(
        dir.resolve("p.yaml"),
        "participants:\n  - id: a\n    name: A\n    creditCode: 91350100M000100Y44\n");
    Files.writeString(dir.resolve("g.yaml"), "participants: p.yaml\ncatalog: []\n");
    List<Diagnostic> ds = problems(dir.resolve("g.yaml"));
    assertThat(ds).hasSize(1);
    assertThat(ds.get(0).file()).endsWith("p.yaml");
    assertThat(ds.get(0).line()).isEqualTo(4);
    assertThat(ds.get(0).pointer()).isEqualTo("/participants/0/creditCode");
    assertThat(ds.get(0).message()).contains("check character '3'");
  }

  @Test
  void everyProblemIsReportedAtOnce() throws Exception {
    Files.writeString(
        dir.resolve("p.yaml"),
        "participants:\n  - id: a\n    name: A\n    apiKeys: [{sha256: nothex}]\n  - id: a\n    name: B\n");
    Files.writeString(
        dir.resolve("g.yaml"),
        String.join(
            "\n",
            "listen: nowhere",
            "participants: p.yaml",
            "limits: {requestTimeout: 10 seconds}",
            "spool: {whenFull: maybe}",
            "lisen: 127.0.0.1:1",
            "catalog:",
            "  - dataset: d",
            "    prefix: /d/",
            "    upstream: https://x",
            "    methods: [GET, BREW]",
            "  - dataset: d",
            "    prefix: /e",
            "    upstream: http://127.0.0.1:9",
            ""));
    List<Diagnostic> ds = problems(dir.resolve("g.yaml"));
    assertThat(ds.stream().map(Diagnostic::toString).toList())
        .anyMatch(s -> s.contains("g.yaml:1") && s.contains("expected host:port"))
        .anyMatch(s -> s.contains("/limits/requestTimeout") && s.contains("duration"))
        .anyMatch(s -> s.contains("/spool/whenFull"))
        .anyMatch(s -> s.contains("/lisen") && s.contains("unknown key"))
        .anyMatch(s -> s.contains("/catalog/0/prefix"))
        .anyMatch(s -> s.contains("/catalog/0/upstream"))
        .anyMatch(s -> s.contains("/catalog/0/methods") && s.contains("BREW"))
        .anyMatch(s -> s.contains("/catalog/1/dataset") && s.contains("twice"))
        .anyMatch(s -> s.contains("p.yaml:4") && s.contains("64 lower-case hex"))
        .anyMatch(s -> s.contains("p.yaml:5") && s.contains("registered twice"));
  }

  @Test
  void brokenYamlIsLocated() throws Exception {
    Files.writeString(dir.resolve("g.yaml"), "catalog:\n  - dataset: [unclosed\n");
    List<Diagnostic> ds = problems(dir.resolve("g.yaml"));
    assertThat(ds).hasSize(1);
    assertThat(ds.get(0).line()).isGreaterThan(0);
  }

  static List<Diagnostic> problems(Path p) {
    try {
      GatewayConfig.read(p);
    } catch (ConfigException e) {
      return e.problems();
    }
    throw new AssertionError("expected problems in " + p);
  }

  @Test
  void aMissingFileIsOneProblem() {
    assertThatThrownBy(() -> GatewayConfig.read(dir.resolve("none.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cannot read");
  }
}
