package io.tollgate.enforcement.cli;

import io.tollgate.enforcement.contracts.ContractLoader;
import io.tollgate.policy.CompiledPolicy;
import io.tollgate.policy.DataCall;
import io.tollgate.policy.Decision;
import io.tollgate.policy.Diagnostic;
import io.tollgate.policy.InMemoryCounterStore;
import io.tollgate.policy.Outcome;
import io.tollgate.policy.PolicyCompiler;
import io.tollgate.policy.PolicyEngine;
import io.tollgate.policy.json.DataCallCodec;
import io.tollgate.policy.json.DecisionCodec;
import io.tollgate.policy.json.MalformedCallException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tollgate policy ...}: check and evaluate contracts offline. */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = "Check contracts and evaluate data calls against them.",
    subcommands = {
      PolicyCommand.Check.class,
      PolicyCommand.Eval.class,
      PolicyCommand.Export.class,
      PolicySimulate.class
    })
public final class PolicyCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * Loads and compiles contracts ({@link ContractLoader}); prints every diagnostic; null when any.
   */
  static List<CompiledPolicy> compile(List<Path> paths, PolicyCompiler compiler, PrintWriter err) {
    ContractLoader.Compiled c = new ContractLoader().compile(paths, compiler);
    for (Diagnostic d : c.diagnostics()) {
      err.println("error: " + d);
    }
    err.flush();
    return c.ok() ? c.contracts() : null;
  }

  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      description =
          "Check contract files (YAML, or ODRL 2.2 as .jsonld or .ttl); print every error with"
              + " file, line and JSON pointer; exit 1 on any.")
  static final class Check implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(
        arity = "1..*",
        paramLabel = "FILE",
        description = "Contract files or directories of *.yaml, *.yml, *.jsonld, *.ttl.")
    List<Path> files;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      List<CompiledPolicy> compiled = compile(files, new PolicyCompiler(), err);
      if (compiled == null) {
        return 1;
      }
      for (CompiledPolicy p : compiled) {
        out.printf(
            "ok   %-32s %s -> %s  version %s%n", p.id(), p.consumer(), p.dataset(), p.version());
      }
      out.printf("%d contract(s) ok%n", compiled.size());
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "eval",
      mixinStandardHelpOptions = true,
      description =
          "Decide data calls (JSON lines) against contracts; write one decision per line to stdout.")
  static final class Eval implements Callable<Integer> {
    /** Longer call lines are reported and skipped. */
    static final int MAX_LINE_CHARS = 1 << 20;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--contracts",
        required = true,
        paramLabel = "DIR_OR_FILE",
        description = "Contract files or directories (repeatable).")
    List<Path> contracts;

    @Option(
        names = "--calls",
        required = true,
        paramLabel = "FILE",
        description = "Data calls, one JSON object per line; '-' reads standard input.")
    String calls;

    @Override
    public Integer call() throws IOException {
      PrintWriter err = spec.commandLine().getErr();
      PolicyCompiler compiler = new PolicyCompiler();
      List<CompiledPolicy> compiled = compile(contracts, compiler, err);
      if (compiled == null) {
        return 1;
      }
      PolicyEngine engine = PolicyEngine.of(compiled);
      InMemoryCounterStore counters = new InMemoryCounterStore();
      DataCallCodec callCodec = new DataCallCodec();
      DecisionCodec decisionCodec = new DecisionCodec();
      DataCall call = new DataCall();
      Decision decision = new Decision();
      long[] outcomes = new long[Outcome.values().length];
      long malformed = 0;
      String name = calls.equals("-") ? "<stdin>" : calls;
      if (!calls.equals("-") && !Files.isRegularFile(Path.of(calls))) {
        err.println("error: " + calls + ": expected a file of data calls, found none");
        err.flush();
        return 1;
      }
      BufferedWriter out = new BufferedWriter(spec.commandLine().getOut(), 1 << 16);
      try (InputStream in = calls.equals("-") ? System.in : Files.newInputStream(Path.of(calls));
          LineReader lines = new LineReader(in, MAX_LINE_CHARS)) {
        String line;
        long lastReport = System.nanoTime(); // progress only: the decisions use each call's ts
        while ((line = lines.next()) != null) {
          if ((lines.number() & 0xFFFF) == 0 && System.nanoTime() - lastReport > 5_000_000_000L) {
            lastReport = System.nanoTime();
            err.printf(
                "progress: %,d lines read, %,d decided%n",
                lines.number(), outcomes[0] + outcomes[1] + outcomes[2]);
            err.flush();
          }
          if (lines.overlong()) {
            err.println(
                "skip: "
                    + name
                    + ":"
                    + lines.number()
                    + ": line longer than "
                    + MAX_LINE_CHARS
                    + " characters");
            malformed++;
            continue;
          }
          if (line.isBlank()) {
            continue;
          }
          try {
            callCodec.parse(line, call);
          } catch (MalformedCallException e) {
            err.println("skip: " + name + ":" + lines.number() + ": " + e.getMessage());
            malformed++;
            continue;
          }
          engine.decide(call, counters, decision);
          outcomes[decision.outcome().ordinal()]++;
          out.write(decisionCodec.toJson(decision));
          out.newLine();
        }
      }
      out.flush();
      err.printf(
          "decided %d call(s): %d permit, %d deny, %d throttle; %d malformed line(s) skipped%n",
          outcomes[0] + outcomes[1] + outcomes[2],
          outcomes[Outcome.PERMIT.ordinal()],
          outcomes[Outcome.DENY.ordinal()],
          outcomes[Outcome.THROTTLE.ordinal()],
          malformed);
      err.flush();
      return 0;
    }
  }

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description =
          "Write a contract's ODRL 2.2 equivalent as JSON-LD (stdout, or --out): the ODRL"
              + " vocabulary where it has the term, the Tollgate profile (docs/odrl.md) where it"
              + " has not. Read back, it is the same contract: same version, same decisions.")
  static final class Export implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--odrl",
        required = true,
        paramLabel = "FILE",
        description = "The contract file (YAML) to export; every contract in it is written.")
    Path file;

    @Option(
        names = "--out",
        paramLabel = "FILE",
        description =
            "Write here instead of stdout (one contract per file: the file must hold one).")
    Path out;

    @Override
    public Integer call() throws IOException {
      PrintWriter err = spec.commandLine().getErr();
      io.tollgate.policy.source.SourceResult r = new ContractLoader().loadFile(file);
      if (!r.ok()) {
        r.diagnostics().forEach(d -> err.println("error: " + d));
        err.flush();
        return 1;
      }
      if (r.policies().isEmpty()) {
        err.println("error: " + file + ": expected a contract, found none");
        err.flush();
        return 1;
      }
      try {
        new PolicyCompiler().compileAll(r.policies());
      } catch (io.tollgate.policy.PolicyException e) {
        e.diagnostics().forEach(d -> err.println("error: " + d));
        err.flush();
        return 1;
      }
      if (out != null && r.policies().size() != 1) {
        err.println(
            "error: " + file + " holds " + r.policies().size() + " contracts: --out takes one");
        err.flush();
        return 1;
      }
      StringBuilder b = new StringBuilder();
      io.tollgate.policy.model.Policy first = r.policies().get(0);
      if (first.origin().text() != null
          && io.tollgate.policy.odrl.OdrlRdf.Format.of(first.origin().file()) != null) {
        b.append(first.origin().text()); // already ODRL: as written
      } else if (r.policies().size() == 1) {
        b.append(io.tollgate.policy.odrl.OdrlExport.text(first));
      } else {
        // several contracts: one document, one @graph
        com.fasterxml.jackson.databind.node.ObjectNode doc = null;
        com.fasterxml.jackson.databind.node.ArrayNode graph = null;
        for (io.tollgate.policy.model.Policy p : r.policies()) {
          com.fasterxml.jackson.databind.node.ObjectNode one =
              io.tollgate.policy.odrl.OdrlExport.toJsonLd(p);
          if (doc == null) {
            doc = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            doc.set("@context", one.get("@context"));
            graph = doc.putArray("@graph");
          }
          one.remove("@context");
          graph.add(one);
        }
        b.append(
                new com.fasterxml.jackson.databind.ObjectMapper()
                    .writerWithDefaultPrettyPrinter()
                    .writeValueAsString(doc))
            .append('\n');
      }
      if (out != null) {
        Files.writeString(out, b.toString());
        err.println("wrote " + out);
        err.flush();
      } else {
        spec.commandLine().getOut().print(b);
        spec.commandLine().getOut().flush();
      }
      return 0;
    }
  }
}
