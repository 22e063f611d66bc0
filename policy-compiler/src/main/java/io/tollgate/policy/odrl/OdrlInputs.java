package io.tollgate.policy.odrl;

import io.tollgate.policy.Diagnostic;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.rdf4j.model.IRI;
import org.eclipse.rdf4j.model.Literal;
import org.eclipse.rdf4j.model.Model;
import org.eclipse.rdf4j.model.Resource;
import org.eclipse.rdf4j.model.Statement;
import org.eclipse.rdf4j.model.Value;
import org.eclipse.rdf4j.model.util.Values;
import org.eclipse.rdf4j.model.vocabulary.RDF;

/**
 * The request and the state of the world {@code tollgate odrl evaluate} reads (docs/odrl.md). A
 * request is either an {@code odrl:Request} policy with one rule (its action, assignee, target, and
 * {@code eq} constraints as the values it brings), or a FORCE {@code sotw:EvaluationRequest}
 * ({@code requestedAction}, {@code requestingParty}, {@code requestedTarget}). A state of the world
 * is a {@code sotw:SotW} with {@code sotw:currentTime}; its graph gives memberships ({@code
 * odrl:partOf}) and types, {@code report:DutyReport}s give duty states, and {@code tg:value [
 * odrl:leftOperand L ; rdf:value V ]} gives context values.
 */
public final class OdrlInputs {
  private OdrlInputs() {}

  /** An input read, or its problems. */
  public record Read<T>(T value, List<Diagnostic> diagnostics) {}

  public static Read<OdrlEvaluator.Request> request(
      String file, String text, OdrlRdf.Format format) {
    Read<OdrlRdf.Parsed> parsed = parse(file, text, format);
    if (parsed.value() == null) {
      return new Read<>(null, parsed.diagnostics());
    }
    OdrlRdf.Parsed p = parsed.value();
    Model m = p.model();
    IRI er = Values.iri(OdrlEvaluator.SOTW + "EvaluationRequest");
    for (Resource s : m.filter(null, RDF.TYPE, er).subjects()) {
      String action = one(m, s, OdrlEvaluator.SOTW + "requestedAction");
      String party = one(m, s, OdrlEvaluator.SOTW + "requestingParty");
      String target = one(m, s, OdrlEvaluator.SOTW + "requestedTarget");
      if (action == null) {
        return new Read<>(
            null,
            List.of(
                new Diagnostic(
                    file,
                    0,
                    0,
                    "",
                    "expected sotw:requestedAction on the evaluation request, found none")));
      }
      Map<String, List<Value>> vals = OdrlEvaluator.values(m);
      Diagnostic clock = clock(file, vals);
      if (clock != null) {
        return new Read<>(null, List.of(clock));
      }
      return new Read<>(
          new OdrlEvaluator.Request(s.stringValue(), null, action, party, target, vals), List.of());
    }
    OdrlReader.Result r = OdrlReader.read(file, m, p.lines());
    if (!r.ok()) {
      return new Read<>(null, r.diagnostics());
    }
    if (r.policies().size() != 1 || r.policies().get(0).rules().size() != 1) {
      return new Read<>(
          null,
          List.of(
              new Diagnostic(
                  file,
                  0,
                  0,
                  "",
                  "expected a request: one odrl:Request with one rule, or a sotw:EvaluationRequest;"
                      + " found "
                      + r.policies().size()
                      + " policies")));
    }
    Odrl.Policy q = r.policies().get(0);
    Odrl.Rule rule = q.rules().get(0);
    Map<String, List<Value>> values = new HashMap<>(OdrlEvaluator.values(m));
    for (Odrl.Constraint c : rule.constraints()) {
      if (c instanceof Odrl.Atomic a
          && (a.operator().equals("eq") || a.operator().equals("isAnyOf"))) {
        values.put(a.leftOperand(), a.rightOperand());
      }
    }
    Diagnostic clock = clock(file, values);
    if (clock != null) {
      return new Read<>(null, List.of(clock));
    }
    return new Read<>(
        new OdrlEvaluator.Request(
            q.uid(),
            rule.uid(),
            rule.action() == null ? null : rule.action().iri(),
            rule.assignee() == null ? null : rule.assignee().iri(),
            rule.target() == null ? null : rule.target().iri(),
            values),
        List.of());
  }

  public static Read<OdrlEvaluator.World> world(String file, String text, OdrlRdf.Format format) {
    Read<OdrlRdf.Parsed> parsed = parse(file, text, format);
    if (parsed.value() == null) {
      return new Read<>(null, parsed.diagnostics());
    }
    OdrlRdf.Parsed p = parsed.value();
    Model m = p.model();
    Instant now = null;
    List<Diagnostic> problems = new ArrayList<>();
    IRI current = Values.iri(OdrlEvaluator.SOTW + "currentTime");
    for (Statement st : m.filter(null, current, null)) {
      Value v = st.getObject();
      if (v instanceof Resource node) {
        for (Statement t : m.filter(node, Values.iri(OdrlEvaluator.DCT + "issued"), null)) {
          v = t.getObject();
        }
      }
      if (v instanceof Literal l) {
        try {
          now = OdrlEvaluator.instant(l.getLabel());
        } catch (RuntimeException e) {
          problems.add(
              new Diagnostic(
                  file,
                  0,
                  0,
                  "",
                  "expected an xsd:dateTime as sotw:currentTime, found \"" + l.getLabel() + "\""));
        }
      }
    }
    if (now == null && problems.isEmpty()) {
      problems.add(
          new Diagnostic(
              file,
              0,
              0,
              "",
              "expected sotw:currentTime (an xsd:dateTime, or a node with dct:issued), found none"));
    }
    Map<String, String> duties = new HashMap<>();
    IRI dutyReport = Values.iri(OdrlEvaluator.REPORT + "DutyReport");
    for (Resource d : m.filter(null, RDF.TYPE, dutyReport).subjects()) {
      String rule = one(m, d, OdrlEvaluator.REPORT + "rule");
      String deontic = one(m, d, OdrlEvaluator.REPORT + "deonticState");
      String performed = one(m, d, OdrlEvaluator.REPORT + "performanceState");
      String state =
          deontic != null
              ? "report:" + deontic.substring(deontic.lastIndexOf('#') + 1)
              : performed != null && performed.endsWith("#Performed") ? "report:Fulfilled" : null;
      if (rule != null && state != null) {
        duties.put(rule, state);
      }
    }
    Map<String, List<Value>> values = OdrlEvaluator.values(m);
    for (String clock : OdrlEvaluator.CLOCK) {
      if (values.containsKey(clock)) {
        problems.add(
            new Diagnostic(
                file,
                0,
                0,
                "",
                "expected the time as sotw:currentTime alone, found a tg:value of "
                    + Odrl.shortName(clock)));
      }
    }
    return problems.isEmpty()
        ? new Read<>(new OdrlEvaluator.World(now, m, values, duties), List.of())
        : new Read<>(null, problems);
  }

  /** A document parsed in {@code format}, or by its file's extension. */
  private static Read<OdrlRdf.Parsed> parse(String file, String text, OdrlRdf.Format format) {
    OdrlRdf.Format f = format != null ? format : OdrlRdf.Format.of(file);
    if (f == null) {
      return new Read<>(
          null,
          List.of(
              new Diagnostic(
                  file, 0, 0, "", "expected a .jsonld, .json or .ttl file, or --format")));
    }
    try {
      return new Read<>(OdrlRdf.parse(file, text, f), List.of());
    } catch (OdrlRdf.ParseError e) {
      return new Read<>(null, List.of(e.diagnostic));
    }
  }

  /** The time is the world's: a request bringing a value of the clock's is refused. */
  private static Diagnostic clock(String file, Map<String, List<Value>> values) {
    for (String clock : OdrlEvaluator.CLOCK) {
      if (values.containsKey(clock)) {
        return new Diagnostic(
            file,
            0,
            0,
            "",
            "expected the time from the state of the world (sotw:currentTime), found a request"
                + " bringing "
                + Odrl.shortName(clock));
      }
    }
    return null;
  }

  private static String one(Model m, Resource s, String p) {
    for (Statement st : m.filter(s, Values.iri(p), null)) {
      return st.getObject().stringValue();
    }
    return null;
  }
}
