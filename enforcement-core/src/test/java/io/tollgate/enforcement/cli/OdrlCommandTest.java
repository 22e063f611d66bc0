package io.tollgate.enforcement.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code odrl evaluate}, {@code policy export} and {@code policy simulate}, in process. */
class OdrlCommandTest {
  private static final Path EXAMPLES = Path.of("../examples");
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Run(int exit, String out, String err) {}

  @CommandLine.Command(
      name = "tollgate",
      subcommands = {PolicyCommand.class, OdrlCommand.class, CommandLine.HelpCommand.class})
  static final class Root implements Runnable {
    @Override
    public void run() {}
  }

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
  void evaluateReportsTheExampleAsJsonLdAndAsTurtle() throws Exception {
    String[] args = {
      "odrl", "evaluate",
      "--policy", EXAMPLES.resolve("odrl/partners-policy.ttl").toString(),
      "--request", EXAMPLES.resolve("odrl/request-read.ttl").toString(),
      "--sotw", EXAMPLES.resolve("odrl/sotw.ttl").toString()
    };
    Run r = run(args);
    assertThat(r.err()).isEmpty();
    assertThat(r.exit()).isZero();
    JsonNode report = JSON.readTree(r.out());
    assertThat(report.path("@type").asText()).isEqualTo("report:PolicyReport");
    assertThat(report.path("tg:conclusion").asText()).isEqualTo("Permitted");
    assertThat(report.at("/report:ruleReport/0/report:activationState/@id").asText())
        .isEqualTo("report:Active");
    assertThat(report.at("/report:ruleReport/1/@type").asText())
        .isEqualTo("report:ProhibitionReport");
    // the same report as RDF, and the same bytes for the same inputs
    assertThat(run(args).out()).isEqualTo(r.out());
    String[] turtle = java.util.Arrays.copyOf(args, args.length + 2);
    turtle[args.length] = "--report";
    turtle[args.length + 1] = "turtle";
    Run t = run(turtle);
    assertThat(t.exit()).isZero();
    assertThat(t.out())
        .contains("a report:PolicyReport")
        .contains("report:activationState report:Active");
  }

  @Test
  void evaluateExitsOneWithLocatedErrorsOnBrokenInput(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.ttl");
    Files.writeString(
        bad,
        "@prefix odrl: <http://www.w3.org/ns/odrl/2/> .\n<urn:p> a odrl:Set ;\n  odrl:permission [ odrl:action odrl:use \n");
    Run r =
        run(
            "odrl",
            "evaluate",
            "--policy",
            bad.toString(),
            "--sotw",
            EXAMPLES.resolve("odrl/sotw.ttl").toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("error: " + bad + ":4");
    Run missing =
        run(
            "odrl",
            "evaluate",
            "--policy",
            dir.resolve("none.ttl").toString(),
            "--sotw",
            EXAMPLES.resolve("odrl/sotw.ttl").toString());
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).contains("expected a file, found none");
    Run noTime =
        run(
            "odrl",
            "evaluate",
            "--policy",
            EXAMPLES.resolve("odrl/partners-policy.ttl").toString(),
            "--sotw",
            EXAMPLES.resolve("odrl/request-read.ttl").toString());
    assertThat(noTime.exit()).isEqualTo(1);
    assertThat(noTime.err()).contains("expected sotw:currentTime");
  }

  @Test
  void exportWritesAnOdrlEquivalentThatChecksAsTheSameVersion(@TempDir Path dir) throws Exception {
    Run yaml =
        run("policy", "check", EXAMPLES.resolve("contracts/vehicle-telemetry.yaml").toString());
    assertThat(yaml.exit()).isZero();
    int n = 0;
    for (String line : yaml.out().lines().filter(l -> l.startsWith("ok ")).toList()) {
      n++;
      assertThat(line).contains("version");
    }
    assertThat(n).isEqualTo(2);
    Run many =
        run(
            "policy",
            "export",
            "--odrl",
            EXAMPLES.resolve("contracts/vehicle-telemetry.yaml").toString(),
            "--out",
            dir.resolve("x.jsonld").toString());
    assertThat(many.exit()).as("two contracts, one --out").isEqualTo(1);
    Path one = dir.resolve("one.yaml");
    String text = Files.readString(EXAMPLES.resolve("contracts/credit-report.yaml"));
    Files.writeString(one, text.split("\n---\n")[0]);
    Path out = dir.resolve("one.jsonld");
    Run e = run("policy", "export", "--odrl", one.toString(), "--out", out.toString());
    assertThat(e.exit()).as(e.err()).isZero();
    Run a = run("policy", "check", one.toString());
    Run b = run("policy", "check", out.toString());
    assertThat(b.exit()).as(b.err()).isZero();
    assertThat(b.out()).isEqualTo(a.out()); // same id, consumer, dataset and version
  }

  @Test
  void simulateShowsWhatANarrowedPurposeWouldDeny(@TempDir Path dir) throws Exception {
    Path proposed = dir.resolve("proposed");
    Files.createDirectories(proposed);
    try (var files = Files.list(EXAMPLES.resolve("contracts"))) {
      for (Path f : files.toList()) {
        Files.copy(f, proposed.resolve(f.getFileName()));
      }
    }
    Path cr = proposed.resolve("credit-report.yaml");
    String before = Files.readString(cr);
    String after =
        before.replace(
            "purposes: [credit-assessment, supply-chain-finance]", "purposes: [credit-assessment]");
    assertThat(after).isNotEqualTo(before);
    Files.writeString(cr, after);
    Run r =
        run(
            "policy", "simulate",
            "--current", EXAMPLES.resolve("contracts").toString(),
            "--proposed", proposed.toString(),
            "--calls", EXAMPLES.resolve("calls/credit-report.jsonl").toString(),
            "--format", "json");
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode report = JSON.readTree(r.out());
    assertThat(report.path("changed").asLong()).isPositive();
    boolean narrowed = false;
    for (JsonNode c : report.path("changes")) {
      if (c.path("contract").asText().equals("cr-bank-of-pudong-2026")
          && c.at("/current/outcome").asText().equals("PERMIT")
          && c.at("/proposed/outcome").asText().equals("DENY")) {
        assertThat(c.at("/proposed/reasons/0").asText()).isEqualTo("purpose");
        assertThat(c.path("calls").asLong()).isPositive();
        narrowed = true;
      }
    }
    assertThat(narrowed).as(r.out()).isTrue();
    // the same sets change nothing
    Run same =
        run(
            "policy", "simulate",
            "--current", EXAMPLES.resolve("contracts").toString(),
            "--proposed", EXAMPLES.resolve("contracts").toString(),
            "--calls", EXAMPLES.resolve("calls/credit-report.jsonl").toString());
    assertThat(same.exit()).isZero();
    assertThat(same.out()).contains("0 change(s)").contains("no call changes");
  }
}
