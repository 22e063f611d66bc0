package io.tollgate.enforcement.cli;

import io.tollgate.enforcement.contracts.ContractLoader;
import io.tollgate.policy.Diagnostic;
import io.tollgate.policy.odrl.Odrl;
import io.tollgate.policy.odrl.OdrlEvaluator;
import io.tollgate.policy.odrl.OdrlInputs;
import io.tollgate.policy.odrl.OdrlRdf;
import io.tollgate.policy.odrl.OdrlReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.eclipse.rdf4j.model.Model;
import org.eclipse.rdf4j.rio.RDFFormat;
import org.eclipse.rdf4j.rio.Rio;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tollgate odrl ...}: ODRL 2.2 policies, evaluated and explained. */
@Command(
    name = "odrl",
    mixinStandardHelpOptions = true,
    description = "ODRL 2.2 policies: evaluate one against a request and a state of the world.",
    subcommands = {OdrlCommand.Evaluate.class})
public final class OdrlCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "evaluate",
      mixinStandardHelpOptions = true,
      description =
          "Evaluate an ODRL policy against a request and a state of the world, and print a"
              + " compliance report (the ODRL Compliance Report Model,"
              + " https://w3id.org/force/compliance-report#) on stdout: for the policy and each"
              + " rule, whether the request attempted it, its activation state, and each premise"
              + " with its satisfaction state and the value it was compared with. Exit 0 when a"
              + " report was produced, whatever it says; 1 when an input is broken (located"
              + " errors on stderr).")
  static final class Evaluate implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--policy",
        required = true,
        paramLabel = "FILE",
        description = "The ODRL policy (.jsonld, .json, .ttl).")
    Path policy;

    @Option(
        names = "--request",
        paramLabel = "FILE",
        description =
            "The request: an odrl:Request with one rule, or a sotw:EvaluationRequest. Without it,"
                + " every rule is evaluated against the state of the world alone.")
    Path request;

    @Option(
        names = "--sotw",
        required = true,
        paramLabel = "FILE",
        description =
            "The state of the world: sotw:currentTime, memberships (odrl:partOf), duty reports,"
                + " context values (tg:value).")
    Path sotw;

    @Option(
        names = "--format",
        paramLabel = "jsonld|turtle",
        description = "The inputs' notation, when their extensions do not say.")
    String format;

    @Option(
        names = "--report",
        defaultValue = "json",
        paramLabel = "json|turtle",
        description = "The report as JSON-LD (default) or as Turtle.")
    String report;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      OdrlRdf.Format f = null;
      if (format != null) {
        f = OdrlRdf.Format.named(format);
        if (f == null) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--format: expected jsonld or turtle, found " + format);
        }
      }
      if (!report.equals("json") && !report.equals("turtle")) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--report: expected json or turtle, found " + report);
      }
      List<Diagnostic> problems = new ArrayList<>();
      String pt = text(policy, problems);
      String st = text(sotw, problems);
      String rt = request == null ? null : text(request, problems);
      OdrlReader.Result pr = null;
      OdrlInputs.Read<OdrlEvaluator.World> world = null;
      OdrlInputs.Read<OdrlEvaluator.Request> req = null;
      if (pt != null) {
        pr = OdrlReader.read(policy.toString(), pt, f);
        problems.addAll(pr.diagnostics());
        if (pr.ok() && pr.policies().isEmpty()) {
          problems.add(
              new Diagnostic(policy.toString(), 0, 0, "", "expected a policy, found none"));
        }
      }
      if (st != null) {
        world = OdrlInputs.world(sotw.toString(), st, f);
        problems.addAll(world.diagnostics());
      }
      if (rt != null) {
        req = OdrlInputs.request(request.toString(), rt, f);
        problems.addAll(req.diagnostics());
      }
      if (!problems.isEmpty()) {
        problems.forEach(d -> err.println("error: " + d));
        err.flush();
        return 1;
      }
      List<com.fasterxml.jackson.databind.node.ObjectNode> reports = new ArrayList<>();
      for (Odrl.Policy p : pr.policies()) {
        if (p.type() == Odrl.PolicyType.REQUEST) {
          continue;
        }
        reports.add(
            new OdrlEvaluator(p, pr.model(), req == null ? null : req.value(), world.value())
                .report());
      }
      com.fasterxml.jackson.databind.node.ObjectNode doc;
      if (reports.size() == 1) {
        doc = reports.get(0);
      } else {
        doc = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        doc.set("@context", reports.get(0).get("@context"));
        var graph = doc.putArray("@graph");
        for (var r : reports) {
          r.remove("@context");
          graph.add(r);
        }
      }
      String json =
          new com.fasterxml.jackson.databind.ObjectMapper()
              .writerWithDefaultPrettyPrinter()
              .writeValueAsString(doc);
      if (report.equals("json")) {
        out.println(json);
      } else {
        Model m;
        try {
          m = OdrlRdf.parse("report", json, OdrlRdf.Format.JSONLD).model();
        } catch (OdrlRdf.ParseError e) {
          throw new IllegalStateException(
              "the report does not read back as JSON-LD: " + e.getMessage(), e);
        }
        m.setNamespace("report", OdrlEvaluator.REPORT);
        m.setNamespace("odrl", Odrl.NS);
        m.setNamespace("dct", "http://purl.org/dc/terms/");
        m.setNamespace("xsd", "http://www.w3.org/2001/XMLSchema#");
        m.setNamespace("tg", Odrl.TG);
        StringWriter w = new StringWriter();
        Rio.write(m, w, RDFFormat.TURTLE);
        out.print(w);
      }
      out.flush();
      return 0;
    }

    private static String text(Path p, List<Diagnostic> problems) throws IOException {
      if (!Files.isRegularFile(p)) {
        problems.add(new Diagnostic(p.toString(), 0, 0, "", "expected a file, found none"));
        return null;
      }
      if (Files.size(p) > ContractLoader.MAX_FILE_BYTES) {
        problems.add(
            new Diagnostic(
                p.toString(),
                0,
                0,
                "",
                "expected at most " + ContractLoader.MAX_FILE_BYTES + " bytes"));
        return null;
      }
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(p)))
            .toString();
      } catch (CharacterCodingException e) {
        problems.add(
            new Diagnostic(
                p.toString(), 0, 0, "", "expected UTF-8 text, found bytes that are not UTF-8"));
        return null;
      }
    }
  }
}
