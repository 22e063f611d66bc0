package io.tollgate.enforcement.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line over the shipped examples and over broken input, in process. */
class PolicyCommandTest {
  private static final Path EXAMPLES = Path.of("../examples");
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Run(int exit, String out, String err) {}

  /** A root like the composition root's, holding only this module's command. */
  @CommandLine.Command(
      name = "tollgate",
      subcommands = {PolicyCommand.class, CommandLine.HelpCommand.class})
  static final class Root implements Runnable {
    @Override
    public void run() {}
  }

  /** Runs a command line in process; the commands write to the streams they are given. */
  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new Root());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void policyHelpListsItsCommands() {
    Run p = run("policy", "--help");
    assertThat(p.out()).contains("check").contains("eval");
  }

  @Test
  void checkAcceptsTheShippedExamples() {
    Run r = run("policy", "check", EXAMPLES.resolve("contracts").toString());
    assertThat(r.err()).isEmpty();
    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .contains("vt-fleet-analytics-2026")
        .contains("cr-bank-of-pudong-2026")
        .contains("cr-demo-lender-2026")
        .contains("8 contract(s) ok");
  }

  @Test
  void checkPrintsEveryErrorOfEveryFileAndExitsOne(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("a.yaml"), "contract: a\nprovider: p\nconsumer: c\ndataset: d\npurposes: []\n");
    Files.writeString(
        dir.resolve("b.yaml"),
        "contract: b\nprovider: p\nconsumer: c\ndataset: d\n"
            + "valid: {from: \"2026-02-01T00:00:00Z\", until: \"2026-01-01T00:00:00Z\"}\nlimits: {rate: lots}\n");
    Run r =
        run(
            "policy",
            "check",
            dir.resolve("a.yaml").toString(),
            dir.resolve("b.yaml").toString(),
            EXAMPLES.resolve("contracts").toString());
    assertThat(r.exit()).isEqualTo(1);
    List<String> errors = r.err().lines().toList();
    assertThat(errors).hasSize(3);
    assertThat(errors.get(0))
        .endsWith(
            "a.yaml:5:1: /purposes: expected a non-empty list of purposes (an empty list would permit nothing), found []");
    assertThat(errors.get(1))
        .contains("b.yaml:5:")
        .contains("/valid/until: expected an instant after from");
    assertThat(errors.get(2)).contains("b.yaml:6:").contains("/limits/rate: expected a rate");
  }

  @Test
  void theShippedBrokenContractShowsEveryProblem() {
    Run r = run("policy", "check", EXAMPLES.resolve("invalid/broken-contract.yaml").toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(
            r.err()
                .lines()
                .map(
                    l ->
                        l.replaceAll(
                            "^error: .*broken-contract.yaml:(\\d+):\\d+: (/[^:]*):.*$", "$1 $2")))
        .containsExactly(
            "7 /purpose",
            "8 /valid/until",
            "9 /hours/from",
            "10 /fields/allow",
            "11 /regions/1",
            "12 /geofence",
            "13 /limits/rate",
            "13 /limits/quota");
  }

  @Test
  void checkOfAMissingFileFails() {
    Run r = run("policy", "check", "no/such/file.yaml");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("no/such/file.yaml: expected a contract file, found no such file");
  }

  @Test
  void evalDecidesTheShippedCallsAndSkipsMalformedLines() throws Exception {
    Run r =
        run(
            "policy",
            "eval",
            "--contracts",
            EXAMPLES.resolve("contracts").toString(),
            "--calls",
            EXAMPLES.resolve("calls/vehicle-telemetry.jsonl").toString());
    assertThat(r.exit()).isZero();
    List<JsonNode> decisions = new ArrayList<>();
    for (String line : r.out().lines().toList()) {
      decisions.add(JSON.readTree(line));
    }
    long lines = Files.readAllLines(EXAMPLES.resolve("calls/vehicle-telemetry.jsonl")).size();
    assertThat(decisions).hasSize((int) lines - 2);
    assertThat(r.err())
        .contains("vehicle-telemetry.jsonl:11: expected valid JSON")
        .contains("vehicle-telemetry.jsonl:12: action: expected one of")
        .contains("2 malformed line(s) skipped");
    assertThat(decisions)
        .extracting(d -> d.get("outcome").asText())
        .contains("PERMIT", "DENY", "THROTTLE");
    JsonNode first = decisions.get(0);
    assertThat(first.get("id").asText()).isEqualTo("v-001");
    assertThat(first.get("outcome").asText()).isEqualTo("PERMIT");
    assertThat(first.get("contract").asText()).isEqualTo("vt-fleet-analytics-2026");
    assertThat(first.at("/obligations/mask/vehicle_id").asText()).isEqualTo("hash");
    JsonNode v004 = decisions.get(3);
    assertThat(v004.get("outcome").asText()).isEqualTo("DENY");
    assertThat(v004.get("reasons").toString()).isEqualTo("[\"fields\",\"geofence\",\"region\"]");
  }

  @Test
  void evalAcceptsAByteOrderMark(@TempDir Path dir) throws Exception {
    Path calls = dir.resolve("bom.jsonl");
    String ok = Files.readAllLines(EXAMPLES.resolve("calls/credit-report.jsonl")).get(0);
    Files.writeString(calls, "\uFEFF" + ok + "\n");
    Run r =
        run(
            "policy",
            "eval",
            "--contracts",
            EXAMPLES.resolve("contracts").toString(),
            "--calls",
            calls.toString());
    assertThat(r.out().lines().toList()).hasSize(1);
    assertThat(r.err()).contains("0 malformed line(s) skipped");
  }

  @Test
  void evalRefusesToRunOnInvalidContracts(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("bad.yaml"), "contract: a\n");
    Files.writeString(dir.resolve("calls.jsonl"), "");
    Run r =
        run(
            "policy",
            "eval",
            "--contracts",
            dir.resolve("bad.yaml").toString(),
            "--calls",
            dir.resolve("calls.jsonl").toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("expected key 'provider'");
  }

  @Test
  void evalSkipsOverlongAndBinaryLines(@TempDir Path dir) throws Exception {
    Path calls = dir.resolve("calls.jsonl");
    String ok = Files.readAllLines(EXAMPLES.resolve("calls/credit-report.jsonl")).get(0);
    byte[] binary = {(byte) 0xFF, (byte) 0xFE, 0, 1, 2, '\n'};
    try (var out = Files.newOutputStream(calls)) {
      out.write(
          ("x".repeat(PolicyCommand.Eval.MAX_LINE_CHARS + 10) + "\n")
              .getBytes(StandardCharsets.UTF_8));
      out.write(binary);
      out.write((ok + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.write(
          ok.replace("credit-assessment", "credit-\rassessment").getBytes(StandardCharsets.UTF_8));
    }
    Run r =
        run(
            "policy",
            "eval",
            "--contracts",
            EXAMPLES.resolve("contracts").toString(),
            "--calls",
            calls.toString());
    assertThat(r.exit()).isZero();
    assertThat(r.out().lines().toList()).hasSize(1);
    assertThat(r.err())
        .contains(":1: line longer than")
        .contains(":2: expected valid JSON")
        .as("a CR inside a line is not dropped")
        .contains(":4: expected valid JSON")
        .contains("3 malformed line(s) skipped");
  }
}
