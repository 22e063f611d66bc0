package io.tollgate.enforcement.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.policy.CompiledPolicy;
import io.tollgate.policy.DataCall;
import io.tollgate.policy.Decision;
import io.tollgate.policy.InMemoryCounterStore;
import io.tollgate.policy.PolicyCompiler;
import io.tollgate.policy.PolicyEngine;
import io.tollgate.policy.json.DataCallCodec;
import io.tollgate.policy.json.DecisionCodec;
import io.tollgate.policy.json.MalformedCallException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tollgate policy simulate}: what a new set of contracts would change, before it is issued
 * (策略下发). Recorded calls are decided under both sets, each with counters of its own from zero, in
 * the order recorded; every call whose outcome, contract, reasons or obligations differ is
 * reported, grouped by contract and by change, with counts.
 */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description =
        "Decide recorded calls under the current and the proposed contracts and report every call"
            + " whose outcome, contract, reasons or obligations change, grouped by contract and"
            + " change, with counts (stdout). Exit 0 when a report was produced, 1 when contracts"
            + " or calls cannot be read.")
final class PolicySimulate implements Callable<Integer> {
  static final ObjectMapper JSON = new ObjectMapper();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--current",
      required = true,
      paramLabel = "DIR_OR_FILE",
      description = "The contracts in force (repeatable).")
  List<Path> current;

  @Option(
      names = "--proposed",
      required = true,
      paramLabel = "DIR_OR_FILE",
      description = "The contracts to issue (repeatable).")
  List<Path> proposed;

  @Option(
      names = "--calls",
      required = true,
      paramLabel = "FILE_OR_TOPIC",
      description =
          "Recorded data calls: a file of one JSON object per line (docs/events.md), '-' for"
              + " stdin, or with --bootstrap-servers a topic such as tollgate.calls, read from"
              + " its beginning to its end offsets.")
  String calls;

  @Option(
      names = "--bootstrap-servers",
      paramLabel = "HOST:PORT",
      description = "Read --calls from this Kafka cluster's topic of that name.")
  String bootstrap;

  @Option(
      names = "--examples",
      defaultValue = "3",
      description = "Call ids shown per change (default ${DEFAULT-VALUE}).")
  int examples;

  @Option(
      names = "--format",
      defaultValue = "text",
      description = "text or json (default ${DEFAULT-VALUE}).")
  String format;

  record Change(String contract, String from, String to) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!format.equals("text") && !format.equals("json")) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--format: expected text or json, found " + format);
    }
    PolicyCompiler compiler = new PolicyCompiler();
    List<CompiledPolicy> a = PolicyCommand.compile(current, compiler, err);
    List<CompiledPolicy> b = a == null ? null : PolicyCommand.compile(proposed, compiler, err);
    if (a == null || b == null) {
      return 1;
    }
    boolean topic = false;
    if (!calls.equals("-") && !Files.isRegularFile(Path.of(calls))) {
      if (bootstrap == null) {
        err.println(
            "error: "
                + calls
                + ": expected a file of data calls, found none (a topic needs"
                + " --bootstrap-servers)");
        err.flush();
        return 1;
      }
      topic = true;
    }
    PolicyEngine ea = PolicyEngine.of(a);
    PolicyEngine eb = PolicyEngine.of(b);
    InMemoryCounterStore ca = new InMemoryCounterStore();
    InMemoryCounterStore cb = new InMemoryCounterStore();
    DataCallCodec codec = new DataCallCodec();
    DecisionCodec decisions = new DecisionCodec();
    DataCall call = new DataCall();
    Decision da = new Decision();
    Decision db = new Decision();
    Map<Change, long[]> counts =
        new TreeMap<>(
            (x, y) -> {
              int c = String.valueOf(x.contract).compareTo(String.valueOf(y.contract));
              if (c == 0) {
                c = x.from.compareTo(y.from);
              }
              return c != 0 ? c : x.to.compareTo(y.to);
            });
    Map<Change, List<String>> shown = new java.util.HashMap<>();
    String name = calls.equals("-") ? "<stdin>" : calls;
    long[] tally = new long[3]; // decided, changed, malformed
    java.util.function.BiConsumer<String, Long> each =
        (line, number) -> {
          try {
            codec.parse(line, call);
          } catch (MalformedCallException e) {
            err.println("skip: " + name + ":" + number + ": " + e.getMessage());
            tally[2]++;
            return;
          }
          try {
            ea.decide(call, ca, da);
            String before = summary(decisions.toJson(da));
            eb.decide(call, cb, db);
            String after = summary(decisions.toJson(db));
            tally[0]++;
            if (!before.equals(after)) {
              tally[1]++;
              String contract = da.contractId() != null ? da.contractId() : db.contractId();
              Change ch = new Change(contract, before, after);
              counts.computeIfAbsent(ch, k -> new long[1])[0]++;
              List<String> ids = shown.computeIfAbsent(ch, k -> new ArrayList<>());
              if (ids.size() < examples) {
                ids.add(call.id());
              }
            }
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        };
    if (topic) {
      java.util.Iterator<TopicCalls> impl =
          java.util.ServiceLoader.load(TopicCalls.class).iterator();
      if (!impl.hasNext()) {
        err.println(
            "error: reading calls from a topic needs the tollgate command line's Kafka reader");
        err.flush();
        return 1;
      }
      long[] n = {0};
      try {
        impl.next()
            .read(
                bootstrap,
                calls,
                err,
                v -> {
                  n[0]++;
                  String line = new String(v, java.nio.charset.StandardCharsets.UTF_8);
                  if (v.length > PolicyCommand.Eval.MAX_LINE_CHARS) {
                    err.println(
                        "skip: "
                            + name
                            + "@"
                            + n[0]
                            + ": a record over "
                            + PolicyCommand.Eval.MAX_LINE_CHARS
                            + " bytes");
                    tally[2]++;
                  } else {
                    each.accept(line, n[0]);
                  }
                });
      } catch (IllegalStateException e) {
        err.println("error: " + e.getMessage());
        err.flush();
        return 1;
      }
    } else {
      try (InputStream in = calls.equals("-") ? System.in : Files.newInputStream(Path.of(calls));
          LineReader lines = new LineReader(in, PolicyCommand.Eval.MAX_LINE_CHARS)) {
        String line;
        while ((line = lines.next()) != null) {
          if (lines.overlong() || line.isBlank()) {
            tally[2] += lines.overlong() ? 1 : 0;
            continue;
          }
          each.accept(line, lines.number());
        }
      }
    }
    long decided = tally[0];
    long changed = tally[1];
    long malformed = tally[2];
    if (format.equals("json")) {
      ObjectNode r = JSON.createObjectNode();
      r.put("decided", decided);
      r.put("changed", changed);
      r.put("malformed", malformed);
      var arr = r.putArray("changes");
      for (Map.Entry<Change, long[]> e : counts.entrySet()) {
        ObjectNode c = arr.addObject();
        c.put("contract", e.getKey().contract);
        c.set("current", JSON.readTree(e.getKey().from));
        c.set("proposed", JSON.readTree(e.getKey().to));
        c.put("calls", e.getValue()[0]);
        var ex = c.putArray("examples");
        shown.get(e.getKey()).forEach(ex::add);
      }
      out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r));
    } else {
      out.printf(
          "decided %,d call(s) under both sets: %,d change(s), %,d unchanged; %,d malformed line(s)"
              + " skipped%n",
          decided, changed, decided - changed, malformed);
      String last = null;
      for (Map.Entry<Change, long[]> e : counts.entrySet()) {
        String c = String.valueOf(e.getKey().contract);
        if (!c.equals(last)) {
          out.printf("%ncontract %s:%n", c);
          last = c;
        }
        out.printf(
            "  %,8d  %s%n            -> %s%n            e.g. %s%n",
            e.getValue()[0],
            readable(e.getKey().from),
            readable(e.getKey().to),
            String.join(", ", shown.get(e.getKey())));
      }
      if (changed == 0) {
        out.println("no call changes its outcome, contract, reasons or obligations");
      }
    }
    out.flush();
    err.flush();
    return 0;
  }

  /** What a decision says, without what always differs between two sets (versions, ids). */
  static String summary(String decisionJson) throws java.io.IOException {
    ObjectNode n = (ObjectNode) JSON.readTree(decisionJson);
    ObjectNode s = JSON.createObjectNode();
    s.set("outcome", n.get("outcome"));
    s.set("contract", n.get("contract"));
    s.set("reasons", n.get("reasons"));
    s.set("obligations", n.get("obligations"));
    return JSON.writeValueAsString(s);
  }

  static String readable(String summary) throws java.io.IOException {
    JsonNode n = JSON.readTree(summary);
    StringBuilder b = new StringBuilder(n.path("outcome").asText());
    if (n.path("reasons").size() > 0) {
      b.append(' ').append(n.get("reasons"));
    }
    if (!n.path("contract").isNull() && n.has("contract")) {
      b.append(" under ").append(n.get("contract").asText());
    }
    JsonNode o = n.path("obligations");
    if (o.path("project").size() > 0) {
      b.append(", fields ").append(o.get("project"));
    }
    if (o.path("mask").size() > 0) {
      b.append(", masks ").append(o.get("mask"));
    }
    return b.toString();
  }
}
