package io.tollgate.policy.odrl;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.policy.Diagnostic;
import io.tollgate.policy.source.LocatedDocuments;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.rdf4j.model.BNode;
import org.eclipse.rdf4j.model.IRI;
import org.eclipse.rdf4j.model.Literal;
import org.eclipse.rdf4j.model.Model;
import org.eclipse.rdf4j.model.Resource;
import org.eclipse.rdf4j.model.Statement;
import org.eclipse.rdf4j.model.Value;
import org.eclipse.rdf4j.model.util.RDFCollections;
import org.eclipse.rdf4j.model.vocabulary.RDF;
import org.eclipse.rdf4j.model.vocabulary.XSD;

/**
 * Reads ODRL 2.2 policies out of an RDF graph, strictly: every problem is a located {@link
 * Diagnostic}, and a policy with any problem is not returned. What is checked: a policy has a type
 * (Set, Offer, Agreement, or Request) and a uid; its profiles are known ({@link Odrl#TG_PROFILE});
 * each rule has one known action; each constraint is atomic (a known left operand, one of the
 * twelve operators, a right operand or a reference to one, of the datatype its left operand takes)
 * or logical, never empty (a dangling blank node); ODRL properties are known ones; {@code
 * inheritFrom} and {@code partOf} have no cycle. Policy-level targets, parties and actions are
 * pushed into the rules, and a rule with several targets or assignees becomes one rule each (ODRL's
 * atomic form).
 */
public final class OdrlReader {
  private static final String N = Odrl.NS;
  static final int MAX_DEPTH = 32;
  private static final Set<String> TYPES =
      Set.of(N + "Policy", N + "Set", N + "Offer", N + "Agreement", N + "Request");
  private static final Set<String> RULE_PROPS =
      Set.of(
          "action",
          "target",
          "assigner",
          "assignee",
          "constraint",
          "duty",
          "consequence",
          "remedy",
          "uid",
          "failure",
          "output",
          "relation",
          "function");
  private static final Set<String> CONSTRAINT_PROPS =
      Set.of(
          "leftOperand",
          "operator",
          "rightOperand",
          "rightOperandReference",
          "unit",
          "dataType",
          "status",
          "uid",
          "and",
          "or",
          "xone",
          "andSequence");
  private static final Set<String> ACTION_PROPS = Set.of("refinement", "includedIn", "implies");
  private static final Set<String> POLICY_PROPS =
      Set.of(
          "permission",
          "prohibition",
          "obligation",
          "uid",
          "profile",
          "conflict",
          "inheritFrom",
          "inheritAllowed",
          "target",
          "assigner",
          "assignee",
          "action",
          "hasPolicy",
          "constraint");

  private final String file;
  private final Model m;
  private final Map<Resource, Integer> lines;
  private final Map<String, int[]> positions;
  final List<Diagnostic> diagnostics = new ArrayList<>();
  private List<Odrl.Constraint> policyConstraints = List.of();
  private final Set<Resource> reached = new HashSet<>();

  private OdrlReader(
      String file, Model m, Map<Resource, Integer> lines, Map<String, int[]> positions) {
    this.file = file;
    this.m = m;
    this.lines = lines;
    this.positions = positions;
  }

  /** What was read: the policies without a problem, and every problem. */
  public record Result(
      List<Odrl.Policy> policies,
      List<Diagnostic> diagnostics,
      Model model,
      Map<String, int[]> positions) {
    public Result(List<Odrl.Policy> policies, List<Diagnostic> diagnostics, Model model) {
      this(policies, diagnostics, model, Map.of());
    }

    public boolean ok() {
      return diagnostics.isEmpty();
    }
  }

  /** Parses and reads {@code text}; {@code format} null: by the file's extension. */
  public static Result read(String file, String text, OdrlRdf.Format format) {
    OdrlRdf.Format f = format != null ? format : OdrlRdf.Format.of(file);
    if (f == null) {
      return failure(file, "expected a .jsonld, .json or .ttl file, or --format");
    }
    Map<String, int[]> positions = Map.of();
    List<Diagnostic> pre = new ArrayList<>();
    if (f == OdrlRdf.Format.JSONLD) {
      try {
        List<LocatedDocuments.Document> docs = LocatedDocuments.yaml(text);
        if (docs.size() == 1) {
          positions = docs.get(0).positions();
          JsonTerms.check(file, docs.get(0), pre);
        }
      } catch (LocatedDocuments.SyntaxError e) {
        return new Result(
            List.of(),
            List.of(
                new Diagnostic(
                    file, e.line, e.column, "", "expected JSON-LD, found " + e.getMessage())),
            null);
      }
    }
    OdrlRdf.Parsed parsed;
    try {
      parsed = OdrlRdf.parse(file, text, f);
    } catch (OdrlRdf.ParseError e) {
      pre.add(e.diagnostic);
      return new Result(List.of(), pre, null);
    }
    OdrlReader r = new OdrlReader(file, parsed.model(), parsed.lines(), positions);
    r.diagnostics.addAll(pre);
    List<Odrl.Policy> policies = r.policies();
    return r.diagnostics.isEmpty()
        ? new Result(policies, List.of(), parsed.model(), positions)
        : new Result(List.of(), r.diagnostics, parsed.model(), positions);
  }

  static Result failure(String file, String message) {
    return new Result(List.of(), List.of(new Diagnostic(file, 0, 0, "", message)), null);
  }

  /** Reads the policies of an already parsed graph (a request's, a state of the world's). */
  static Result read(String file, Model model, Map<Resource, Integer> lines) {
    OdrlReader r = new OdrlReader(file, model, lines, Map.of());
    List<Odrl.Policy> policies = r.policies();
    return new Result(r.diagnostics.isEmpty() ? policies : List.of(), r.diagnostics, model);
  }

  // the policies

  private List<Odrl.Policy> policies() {
    Map<String, Odrl.Policy> byUid = new LinkedHashMap<>();
    Set<Resource> subjects = new java.util.LinkedHashSet<>();
    for (Statement st : m.filter(null, RDF.TYPE, null)) {
      if (TYPES.contains(st.getObject().stringValue())) {
        subjects.add(st.getSubject());
      }
    }
    for (String p : List.of("permission", "prohibition", "obligation")) {
      for (Statement st : m.filter(null, iri(p), null)) {
        if (!subjects.contains(st.getSubject()) && !isRuleNode(st.getSubject())) {
          error(
              st.getSubject(),
              "",
              "expected a policy type (odrl:Set, odrl:Offer, odrl:Agreement or odrl:Request) on the"
                  + " node that has rules, found none");
          subjects.add(st.getSubject());
        }
      }
    }
    if (subjects.isEmpty()) {
      diagnostics.add(
          new Diagnostic(
              file,
              0,
              0,
              "",
              "expected an ODRL policy (a node typed odrl:Set, odrl:Offer, odrl:Agreement or"
                  + " odrl:Request), found none"));
    }
    int i = 0;
    for (Resource s : subjects) {
      String where = subjects.size() == 1 ? "" : "/@graph/" + i;
      i++;
      Odrl.Policy p = policy(s, where);
      if (p != null) {
        if (byUid.putIfAbsent(p.uid(), p) != null) {
          error(s, where, "expected a unique policy uid, found " + p.uid() + " twice");
        }
      }
    }
    cycles(iri("partOf"), "partOf");
    // rules and constraints no policy reaches would be ignored: they are errors
    Set<Resource> stray = new java.util.LinkedHashSet<>();
    for (String t :
        List.of(
            "Permission",
            "Prohibition",
            "Duty",
            "Obligation",
            "Constraint",
            "LogicalConstraint",
            "Rule")) {
      stray.addAll(m.filter(null, RDF.TYPE, iri(t)).subjects());
    }
    for (String p : List.of("leftOperand", "action", "and", "or", "xone", "andSequence")) {
      stray.addAll(m.filter(null, iri(p), null).subjects());
    }
    stray.removeAll(reached);
    stray.removeAll(subjects);
    for (Resource r : stray) {
      error(
          r,
          "",
          "expected every rule and constraint to belong to a policy, found "
              + (r instanceof IRI ? r.stringValue() : "a blank node")
              + " that no policy reaches: it would be ignored");
    }
    // inheritance: a child takes its parents' rules; no cycles
    List<Odrl.Policy> out = new ArrayList<>();
    for (Odrl.Policy p : byUid.values()) {
      out.add(inherit(p, byUid, new ArrayList<>()));
    }
    return out;
  }

  /** No node reaches itself through {@code p} (a collection within itself). */
  private void cycles(IRI p, String name) {
    Map<Value, List<Value>> edges = new HashMap<>();
    for (Statement st : m.filter(null, p, null)) {
      edges.computeIfAbsent(st.getSubject(), k -> new ArrayList<>()).add(st.getObject());
    }
    Set<Value> done = new HashSet<>();
    for (Value start : edges.keySet()) {
      List<Value> path = new ArrayList<>();
      if (cycle(start, edges, path, new HashSet<>(), done)) {
        diagnostics.add(
            new Diagnostic(
                file,
                lines.getOrDefault((Resource) start, 0),
                0,
                "",
                "expected no cycle of "
                    + name
                    + ", found "
                    + String.join(" → ", path.stream().map(Value::stringValue).toList())));
        return;
      }
    }
  }

  private boolean cycle(
      Value v,
      Map<Value, List<Value>> edges,
      List<Value> path,
      Set<Value> onPath,
      Set<Value> done) {
    if (onPath.contains(v)) {
      path.add(v);
      return true;
    }
    if (!done.add(v)) {
      return false;
    }
    onPath.add(v);
    path.add(v);
    for (Value n : edges.getOrDefault(v, List.of())) {
      if (cycle(n, edges, path, onPath, done)) {
        return true;
      }
    }
    onPath.remove(v);
    path.remove(path.size() - 1);
    return false;
  }

  private boolean isRuleNode(Resource s) {
    for (String p : List.of("duty", "consequence", "remedy")) {
      if (m.contains(null, iri(p), s)) {
        return true;
      }
    }
    return false;
  }

  private Odrl.Policy inherit(Odrl.Policy p, Map<String, Odrl.Policy> all, List<String> path) {
    if (p.inheritFrom().isEmpty()) {
      return p;
    }
    if (path.contains(p.uid())) {
      diagnostics.add(
          new Diagnostic(
              file,
              0,
              0,
              p.where() + "/inheritFrom",
              "expected no cycle of inheritFrom, found "
                  + String.join(" → ", path)
                  + " → "
                  + p.uid()));
      return p;
    }
    path.add(p.uid());
    List<Odrl.Rule> rules = new ArrayList<>();
    for (String parent : p.inheritFrom()) {
      Odrl.Policy q = all.get(parent);
      if (q == null) {
        diagnostics.add(
            new Diagnostic(
                file,
                0,
                0,
                p.where() + "/inheritFrom",
                "expected the parent policy " + parent + " in the documents read, found none"));
        continue;
      }
      rules.addAll(inherit(q, all, path).rules());
    }
    path.remove(path.size() - 1);
    rules.addAll(p.rules());
    return new Odrl.Policy(
        p.uid(),
        p.type(),
        p.profiles(),
        p.conflict(),
        p.inheritFrom(),
        rules,
        p.extensions(),
        p.where());
  }

  private Odrl.Policy policy(Resource s, String where) {
    int before = diagnostics.size();
    if (!(s instanceof IRI)) {
      error(s, where, "expected a policy uid (an IRI), found a blank node");
    }
    String uid = s.stringValue();
    Odrl.PolicyType type = null;
    for (Value t : objects(s, RDF.TYPE)) {
      String local = t.stringValue().startsWith(N) ? t.stringValue().substring(N.length()) : "";
      Odrl.PolicyType pt =
          switch (local) {
            case "Set", "Policy" -> Odrl.PolicyType.SET;
            case "Offer" -> Odrl.PolicyType.OFFER;
            case "Agreement" -> Odrl.PolicyType.AGREEMENT;
            case "Request" -> Odrl.PolicyType.REQUEST;
            default -> null;
          };
      if (pt != null) {
        if (type != null && type != pt && !(local.equals("Policy"))) {
          error(s, where + "/@type", "expected one policy type, found " + type + " and " + pt);
        }
        if (type == null || !local.equals("Policy")) {
          type = pt;
        }
      }
    }
    if (type == null) {
      type = Odrl.PolicyType.SET;
    }
    for (Value u : objects(s, iri("uid"))) {
      if (!u.stringValue().equals(uid) && s instanceof IRI) {
        error(s, where + "/uid", "expected uid to name the policy itself, found " + u);
      }
    }
    unknownProperties(s, POLICY_PROPS, where);
    List<String> profiles = new ArrayList<>();
    for (Value v : objects(s, iri("profile"))) {
      profiles.add(v.stringValue());
      if (!v.stringValue().equals(Odrl.TG_PROFILE)) {
        error(
            s,
            where + "/profile",
            "expected a profile this engine knows ("
                + Odrl.TG_PROFILE
                + "), found "
                + v
                + ": its terms cannot be evaluated");
      }
    }
    Odrl.Conflict conflict = Odrl.Conflict.INVALID;
    for (Value v : objects(s, iri("conflict"))) {
      switch (v.stringValue()) {
        case N + "perm" -> conflict = Odrl.Conflict.PERM;
        case N + "prohibit" -> conflict = Odrl.Conflict.PROHIBIT;
        case N + "invalid" -> conflict = Odrl.Conflict.INVALID;
        default ->
            error(
                s, where + "/conflict", "expected conflict perm, prohibit or invalid, found " + v);
      }
    }
    List<String> inheritFrom = new ArrayList<>();
    for (Value v : objects(s, iri("inheritFrom"))) {
      inheritFrom.add(v.stringValue());
    }
    // policy-level elements apply to every rule that has none of its own
    Odrl.Entity target = single(entities(s, "target", where), s, where + "/target");
    Odrl.Entity assigner = single(entities(s, "assigner", where), s, where + "/assigner");
    List<Odrl.Entity> assignees = entities(s, "assignee", where);
    Odrl.Action action = null;
    if (m.contains(s, iri("action"), null)) {
      action = action(s, where);
    }
    // a policy-level constraint applies to every rule, as its other policy-level elements do
    policyConstraints = constraints(s, "constraint", where);
    List<Odrl.Rule> rules = new ArrayList<>();
    for (String p : List.of("permission", "prohibition", "obligation")) {
      Odrl.RuleKind kind = Odrl.RuleKind.valueOf(p.toUpperCase(java.util.Locale.ROOT));
      int i = 0;
      for (Value v : objects(s, iri(p))) {
        String w = where + "/" + p + "/" + i++;
        if (!(v instanceof Resource r)) {
          error(s, w, "expected a rule, found the literal " + v);
          continue;
        }
        rules.addAll(rule(kind, r, w, target, assigner, assignees, action));
      }
    }
    if (!m.contains(s, iri("permission"), null)
        && !m.contains(s, iri("prohibition"), null)
        && !m.contains(s, iri("obligation"), null)) {
      error(s, where, "expected at least one permission, prohibition or obligation, found none");
    }
    Map<String, Value> extensions = new LinkedHashMap<>();
    for (Statement st : m.filter(s, null, null)) {
      String pr = st.getPredicate().stringValue();
      if (pr.startsWith(Odrl.TG)) {
        extensions.put(pr.substring(Odrl.TG.length()), st.getObject());
      }
    }
    return diagnostics.size() != before
        ? null
        : new Odrl.Policy(uid, type, profiles, conflict, inheritFrom, rules, extensions, where);
  }

  private List<Odrl.Rule> rule(
      Odrl.RuleKind kind,
      Resource r,
      String where,
      Odrl.Entity target,
      Odrl.Entity assigner,
      List<Odrl.Entity> assignees,
      Odrl.Action action) {
    reached.add(r);
    if (!m.contains(r, null, null)) {
      error(r, where, "expected a rule, found a node with no content (a dangling blank node)");
      return List.of();
    }
    unknownProperties(r, RULE_PROPS, where);
    Odrl.Action a = m.contains(r, iri("action"), null) ? action(r, where) : action;
    if (a == null) {
      error(r, where, "expected an action, found none");
    }
    List<Odrl.Entity> targets = entities(r, "target", where);
    if (targets.isEmpty() && target != null) {
      targets = List.of(target);
    }
    Odrl.Entity as = single(entities(r, "assigner", where), r, where + "/assigner");
    if (as == null) {
      as = assigner;
    }
    List<Odrl.Entity> ees = entities(r, "assignee", where);
    if (ees.isEmpty()) {
      ees = assignees;
    }
    List<Odrl.Constraint> constraints =
        new ArrayList<>(kind == Odrl.RuleKind.DUTY ? List.of() : policyConstraints);
    constraints.addAll(constraints(r, "constraint", where));
    List<Odrl.Rule> duties = new ArrayList<>();
    List<Odrl.Rule> consequences = new ArrayList<>();
    List<Odrl.Rule> remedies = new ArrayList<>();
    subRules(r, "duty", where, duties, kind == Odrl.RuleKind.PERMISSION ? null : "duty");
    subRules(r, "consequence", where, consequences, null);
    subRules(r, "remedy", where, remedies, kind == Odrl.RuleKind.PROHIBITION ? null : "remedy");
    String uid = r instanceof IRI ? r.stringValue() : null;
    List<Odrl.Rule> out = new ArrayList<>();
    for (Odrl.Entity t :
        targets.isEmpty() ? java.util.Collections.<Odrl.Entity>singletonList(null) : targets) {
      for (Odrl.Entity e :
          ees.isEmpty() ? java.util.Collections.<Odrl.Entity>singletonList(null) : ees) {
        out.add(
            new Odrl.Rule(
                kind, uid, a, t, as, e, constraints, duties, consequences, remedies, where));
      }
    }
    return out;
  }

  private void subRules(
      Resource r, String prop, String where, List<Odrl.Rule> out, String refusedOn) {
    int i = 0;
    for (Value v : objects(r, iri(prop))) {
      String w = where + "/" + prop + "/" + i++;
      if (refusedOn != null) {
        error(r, w, "expected no " + refusedOn + " on this kind of rule, found one");
        continue;
      }
      if (!(v instanceof Resource d)) {
        error(r, w, "expected a duty, found the literal " + v);
        continue;
      }
      out.addAll(rule(Odrl.RuleKind.DUTY, d, w, null, null, List.of(), null));
    }
  }

  private Odrl.Action action(Resource r, String where) {
    List<Value> vs = objects(r, iri("action"));
    if (vs.size() != 1) {
      error(r, where + "/action", "expected one action, found " + vs.size());
      return null;
    }
    Value v = vs.get(0);
    String name;
    List<Odrl.Constraint> refinements = List.of();
    if (v instanceof IRI) {
      name = v.stringValue();
    } else if (v instanceof Resource node) {
      List<Value> value = objects(node, RDF.VALUE);
      if (value.size() != 1 || !(value.get(0) instanceof IRI)) {
        error(
            r,
            where + "/action",
            "expected an action (an IRI, or rdf:value with refinements), found none");
        return null;
      }
      name = value.get(0).stringValue();
      reached.add(node);
      unknownProperties(node, ACTION_PROPS, where + "/action/0");
      refinements = constraints(node, "refinement", where + "/action/0");
    } else {
      error(
          r,
          where + "/action",
          "expected an action IRI, found the literal \"" + v.stringValue() + "\"");
      return null;
    }
    if (!Odrl.knownAction(name)) {
      error(
          r,
          where + "/action",
          "expected an action of the ODRL vocabulary or the Tollgate profile, found " + name);
      return null;
    }
    return new Odrl.Action(name, refinements);
  }

  private List<Odrl.Entity> entities(Resource r, String prop, String where) {
    List<Odrl.Entity> out = new ArrayList<>();
    int i = 0;
    for (Value v : objects(r, iri(prop))) {
      String w = where + "/" + prop + (i == 0 ? "" : "/" + i);
      i++;
      if (v instanceof Literal lit) {
        // connectors (EDC) write party and asset ids as plain strings: the id itself
        if (!lit.getDatatype().equals(XSD.STRING) || lit.getLabel().isBlank()) {
          error(r, w, "expected an IRI or an id for " + prop + ", found " + describe(v));
        } else {
          out.add(new Odrl.Entity(lit.getLabel(), false, List.of(), w));
        }
        continue;
      }
      Resource node = (Resource) v;
      String id = node.stringValue();
      if (node instanceof BNode) {
        List<Value> src = objects(node, iri("source"));
        List<Value> uids = objects(node, iri("uid"));
        if (src.size() == 1) {
          id = src.get(0).stringValue();
        } else if (uids.size() == 1) {
          id = uids.get(0).stringValue();
        } else {
          error(r, w, "expected the " + prop + "'s IRI (uid or source), found none");
          continue;
        }
      }
      boolean collection =
          m.contains(node, RDF.TYPE, iri("AssetCollection"))
              || m.contains(node, RDF.TYPE, iri("PartyCollection"))
              || m.contains(node, iri("refinement"), null)
              || m.contains(node, iri("source"), null);
      out.add(new Odrl.Entity(id, collection, constraints(node, "refinement", w), w));
    }
    return out;
  }

  private Odrl.Entity single(List<Odrl.Entity> es, Resource r, String where) {
    if (es.size() > 1) {
      error(r, where, "expected one assigner, found " + es.size());
    }
    return es.isEmpty() ? null : es.get(0);
  }

  private List<Odrl.Constraint> constraints(Resource r, String prop, String where) {
    List<Odrl.Constraint> out = new ArrayList<>();
    int i = 0;
    for (Value v : objects(r, iri(prop))) {
      Odrl.Constraint c = constraint(r, v, where + "/" + prop + "/" + i++, new HashSet<>());
      if (c != null) {
        out.add(c);
      }
    }
    return out;
  }

  private Odrl.Constraint constraint(Resource owner, Value v, String where, Set<Value> seen) {
    if (!(v instanceof Resource c)) {
      error(owner, where, "expected a constraint, found the literal \"" + v.stringValue() + "\"");
      return null;
    }
    if (!seen.add(c)) {
      error(owner, where, "expected constraints without a cycle, found " + c + " within itself");
      return null;
    }
    reached.add(c);
    if (!m.contains(c, null, null)) {
      error(
          owner,
          where,
          "expected a constraint, found "
              + (c instanceof BNode ? "a blank node" : c)
              + " with no content (dangling)");
      return null;
    }
    unknownProperties(c, CONSTRAINT_PROPS, where);
    if (seen.size() > MAX_DEPTH) {
      error(c, where, "expected constraints nested at most " + MAX_DEPTH + " deep, found deeper");
      return null;
    }
    int logicals = 0;
    for (String name : List.of("and", "or", "xone", "andSequence")) {
      logicals += m.contains(c, iri(name), null) ? 1 : 0;
    }
    if (logicals > 1) {
      error(
          c,
          where,
          "expected one of and, or, xone, andSequence on a logical constraint, found " + logicals);
      return null;
    }
    if (logicals == 1
        && (m.contains(c, iri("leftOperand"), null)
            || m.contains(c, iri("operator"), null)
            || m.contains(c, iri("rightOperand"), null))) {
      error(c, where, "expected an atomic or a logical constraint, found both");
      return null;
    }
    String uid = c instanceof IRI ? c.stringValue() : null;
    for (Odrl.LogicalOp op : Odrl.LogicalOp.values()) {
      String name =
          switch (op) {
            case AND -> "and";
            case OR -> "or";
            case XONE -> "xone";
            case AND_SEQUENCE -> "andSequence";
          };
      List<Value> operands = objects(c, iri(name));
      if (!operands.isEmpty()) {
        if (m.contains(c, iri("leftOperand"), null)) {
          error(c, where, "expected an atomic or a logical constraint, found both");
          return null;
        }
        List<Value> flat = new ArrayList<>();
        for (Value o : operands) {
          if (o instanceof Resource list
              && (m.contains(list, RDF.FIRST, null) || o.equals(RDF.NIL))) {
            try {
              flat.addAll(RDFCollections.asValues(m, list, new ArrayList<>()));
            } catch (RuntimeException e) {
              error(
                  c,
                  where + "/" + name,
                  "expected a well-formed RDF list, found: " + e.getMessage());
              return null;
            }
          } else {
            flat.add(o);
          }
        }
        List<Odrl.Constraint> parts = new ArrayList<>();
        int i = 0;
        for (Value o : flat) {
          Odrl.Constraint p = constraint(c, o, where + "/" + name + "/" + i++, seen);
          if (p != null) {
            parts.add(p);
          }
        }
        if (parts.size()
            < (op == Odrl.LogicalOp.AND || op == Odrl.LogicalOp.AND_SEQUENCE ? 1 : 1)) {
          error(c, where, "expected operands for " + name + ", found none");
        }
        seen.remove(c);
        return new Odrl.Logical(uid, op, parts, where);
      }
    }
    seen.remove(c);
    List<Value> left = objects(c, iri("leftOperand"));
    List<Value> op = objects(c, iri("operator"));
    if (left.size() != 1) {
      error(c, where + "/leftOperand", "expected one leftOperand, found " + left.size());
      return null;
    }
    String l = left.get(0).stringValue();
    if (!Odrl.LEFT_OPERANDS.contains(l)) {
      error(
          c,
          where + "/leftOperand",
          "expected a left operand this engine evaluates, found "
              + Odrl.shortName(l)
              + " (docs/odrl.md lists them): a constraint it cannot evaluate is never ignored");
      return null;
    }
    if (op.size() != 1
        || !op.get(0).stringValue().startsWith(N)
        || !Odrl.OPERATORS.contains(op.get(0).stringValue().substring(N.length()))) {
      error(
          c,
          where + "/operator",
          "expected one of the twelve ODRL operators, found "
              + (op.isEmpty() ? "none" : Odrl.shortName(op.get(0).stringValue())));
      return null;
    }
    String operator = op.get(0).stringValue().substring(N.length());
    List<Value> right = new ArrayList<>();
    for (Value r : objects(c, iri("rightOperand"))) {
      if (r instanceof Resource list && (m.contains(list, RDF.FIRST, null))) {
        try {
          right.addAll(RDFCollections.asValues(m, list, new ArrayList<>()));
        } catch (RuntimeException e) {
          error(
              c,
              where + "/rightOperand",
              "expected a well-formed RDF list, found: " + e.getMessage());
          return null;
        }
      } else {
        right.add(r);
      }
    }
    List<Value> ref = objects(c, iri("rightOperandReference"));
    if (right.isEmpty() == ref.isEmpty()) {
      error(
          c,
          where + "/rightOperand",
          "expected a rightOperand or a rightOperandReference, found "
              + (right.isEmpty() ? "neither" : "both"));
      return null;
    }
    List<Value> unit = objects(c, iri("unit"));
    for (Value r : right) {
      String problem = datatype(l, operator, r);
      if (problem != null) {
        error(c, where + "/rightOperand", problem);
        return null;
      }
    }
    return new Odrl.Atomic(
        uid,
        l,
        operator,
        right,
        ref.isEmpty() ? null : ref.get(0).stringValue(),
        unit.isEmpty() ? null : unit.get(0).stringValue(),
        where);
  }

  /** The datatype each left operand takes: null when {@code r} has it. */
  static String datatype(String left, String operator, Value r) {
    String name = Odrl.shortName(left);
    if (r instanceof BNode) {
      return "expected a literal or an IRI as the right operand of "
          + name
          + ", found a blank node (a nested list or an object)";
    }
    IRI dt = r instanceof Literal lit ? lit.getDatatype() : null;
    boolean string = dt != null && dt.equals(XSD.STRING);
    switch (name) {
      case "odrl:dateTime" -> {
        if (dt == null
            || !(dt.equals(XSD.DATETIME) || dt.equals(XSD.DATE) || dt.equals(XSD.DATETIMESTAMP))) {
          return "expected an xsd:dateTime or xsd:date for odrl:dateTime, found " + describe(r);
        }
      }
      case "odrl:elapsedTime", "odrl:delayPeriod", "odrl:meteredTime", "odrl:timeInterval" -> {
        if (dt == null
            || !(dt.equals(XSD.DURATION)
                || dt.equals(XSD.DAYTIMEDURATION)
                || dt.equals(XSD.YEARMONTHDURATION))) {
          return "expected an xsd:duration for " + name + ", found " + describe(r);
        }
      }
      case "odrl:count", "odrl:payAmount", "odrl:percentage" -> {
        if (dt == null || !numeric(dt)) {
          return "expected a number for " + name + ", found " + describe(r);
        }
      }
      case "tg:timeOfDay" -> {
        if (dt == null || !(dt.equals(XSD.TIME) || string)) {
          return "expected an xsd:time, or a window \"09:00/18:00\", for tg:timeOfDay, found "
              + describe(r);
        }
      }
      case "tg:rate", "tg:quota" -> {
        if (!string) {
          return "expected a string such as \"100/s\" for " + name + ", found " + describe(r);
        }
      }
      case "odrl:spatialCoordinates" -> {
        if (!string
            && !(dt != null
                && dt.stringValue().equals("http://www.opengis.net/ont/geosparql#wktLiteral"))) {
          return "expected a WKT polygon (a string or geo:wktLiteral) for odrl:spatialCoordinates, found "
              + describe(r);
        }
      }
      case "tg:opa" -> {
        if (dt == null
            || !dt.stringValue().equals("http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON")) {
          return "expected a JSON literal (\"@type\": \"@json\") for tg:opa, found " + describe(r);
        }
      }
      default -> {
        // a value compared as a string or an IRI: a plain string, or an IRI; numbers where ODRL
        // measures (sizes, positions, resolutions)
        boolean measure =
            name.contains("Size") || name.contains("Position") || name.equals("odrl:resolution");
        String text = r.stringValue();
        for (int i = 0; i < text.length(); i++) {
          if (Character.getType(text.charAt(i)) == Character.FORMAT) {
            return "expected visible text for "
                + name
                + ", found an invisible format character (U+"
                + String.format("%04X", (int) text.charAt(i))
                + ") in \""
                + text
                + "\"";
          }
        }
        if (dt != null && !string && !(measure && numeric(dt))) {
          return "expected a string or an IRI for " + name + ", found " + describe(r);
        }
      }
    }
    return null;
  }

  static boolean numeric(IRI dt) {
    return dt.equals(XSD.INTEGER)
        || dt.equals(XSD.DECIMAL)
        || dt.equals(XSD.DOUBLE)
        || dt.equals(XSD.FLOAT)
        || dt.equals(XSD.LONG)
        || dt.equals(XSD.INT)
        || dt.equals(XSD.NON_NEGATIVE_INTEGER)
        || dt.equals(XSD.POSITIVE_INTEGER);
  }

  static String describe(Value v) {
    if (v instanceof Literal l) {
      return "\""
          + l.getLabel()
          + "\"^^"
          + Odrl.shortName(l.getDatatype().stringValue())
              .replace("http://www.w3.org/2001/XMLSchema#", "xsd:");
    }
    return v.stringValue();
  }

  private static final String DCT = "http://purl.org/dc/terms/";
  private static final Set<String> POLICY_EXTENSIONS = Set.of("zone", "price");

  /**
   * Rules, constraints and actions hold only what ODRL defines (and rdf:type, rdf:value, Dublin
   * Core): a property this reader does not read would be ignored, so it is an error. A policy may
   * carry metadata of other vocabularies (a connector's), but not a Tollgate term it does not know,
   * nor one spelt close to an ODRL property.
   */
  private void unknownProperties(Resource s, Set<String> known, String where) {
    boolean policy = known == POLICY_PROPS;
    for (Statement st : m.filter(s, null, null)) {
      String p = st.getPredicate().stringValue();
      if (p.startsWith(N)) {
        if (!known.contains(p.substring(N.length()))) {
          error(s, where, "expected a property ODRL defines here, found " + Odrl.shortName(p));
        }
      } else if (p.equals(RDF.TYPE.stringValue()) || p.startsWith(DCT)) {
        continue;
      } else if (p.equals(RDF.VALUE.stringValue()) && !policy) {
        continue;
      } else if (p.startsWith(Odrl.TG)) {
        if (!policy || !POLICY_EXTENSIONS.contains(p.substring(Odrl.TG.length()))) {
          error(
              s,
              where,
              "expected a term of the Tollgate profile that belongs here, found "
                  + Odrl.shortName(p));
        }
      } else if (!policy) {
        error(
            s,
            where,
            "expected a property ODRL defines here, found "
                + p
                + ": a term this engine does not read would be ignored");
      } else {
        String local = p.replaceAll("^.*[/#:]", "");
        for (String k : known) {
          if (!local.equals(k)
              && close(
                  local.toLowerCase(java.util.Locale.ROOT), k.toLowerCase(java.util.Locale.ROOT))) {
            error(
                s,
                where,
                "expected an ODRL property, found " + p + " (did you mean odrl:" + k + "?)");
          } else if (local.equals(k)) {
            error(
                s,
                where,
                "expected odrl:" + k + ", found " + p + ": the document maps the term elsewhere");
          }
        }
      }
    }
  }

  /** Within two edits (insertion, deletion, substitution): a likely misspelling. */
  static boolean close(String a, String b) {
    return Math.abs(a.length() - b.length()) <= 2
        && a.length() >= 4
        && io.tollgate.policy.internal.EditDistance.of(a, b) <= 2;
  }

  private List<Value> objects(Resource s, IRI p) {
    List<Value> out = new ArrayList<>();
    for (Statement st : m.filter(s, p, null)) {
      out.add(st.getObject());
    }
    return out;
  }

  static IRI iri(String local) {
    return org.eclipse.rdf4j.model.util.Values.iri(N + local);
  }

  private void error(Resource node, String pointer, String message) {
    Integer line = lines.get(node);
    int[] pos = line != null ? new int[] {line, 1} : position(pointer);
    String at = node instanceof IRI ? " (" + node.stringValue() + ")" : "";
    diagnostics.add(
        new Diagnostic(
            file,
            pos == null ? 0 : pos[0],
            pos == null ? 0 : pos[1],
            pointer,
            message + (line == null && pos == null ? at : "")));
  }

  private int[] position(String pointer) {
    return new io.tollgate.policy.model.Origin(file, null, positions).position(pointer);
  }

  /** Every key of a JSON-LD document is a term its contexts define, a keyword, or an IRI. */
  static final class JsonTerms {
    private static final Map<String, String> ODRL_TERMS = odrlTerms();

    /** The ODRL context's terms and the IRI each stands for. */
    private static Map<String, String> odrlTerms() {
      Map<String, String> out = new HashMap<>();
      try (java.io.InputStream in = OdrlRdf.context("odrl.jsonld")) {
        JsonNode ctx =
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(in).get("@context");
        ctx.properties().forEach(e -> out.put(e.getKey(), iriOf(e.getValue())));
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
      return out;
    }

    private static String iriOf(JsonNode def) {
      String v = def.isTextual() ? def.asText() : def.path("@id").asText(null);
      if (v == null) {
        return null;
      }
      for (String[] p :
          List.of(
              new String[] {"odrl:", N},
              new String[] {"xsd:", "http://www.w3.org/2001/XMLSchema#"},
              new String[] {"rdf:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"},
              new String[] {"dct:", "http://purl.org/dc/terms/"})) {
        if (v.startsWith(p[0])) {
          return p[1] + v.substring(p[0].length());
        }
      }
      return v;
    }

    static void check(String file, LocatedDocuments.Document doc, List<Diagnostic> out) {
      Set<String> terms = new HashSet<>();
      collect(doc.root(), "", terms, doc.positions(), file, out);
      walk(doc.root(), "", terms, doc.positions(), file, out);
    }

    private static void collect(
        JsonNode n,
        String ptr,
        Set<String> terms,
        Map<String, int[]> pos,
        String file,
        List<Diagnostic> out) {
      if (n.isObject()) {
        JsonNode ctx = n.get("@context");
        if (ctx != null) {
          int i = 0;
          for (JsonNode c : ctx.isArray() ? ctx : List.of(ctx)) {
            String cp = ptr + "/@context" + (ctx.isArray() ? "/" + i : "");
            i++;
            if (c.isTextual()) {
              String res = OdrlRdf.CONTEXTS.get(c.asText());
              if (res == null) {
                terms.add("@vocab"); // a context not served: the parser reports it, not this check
              } else {
                try (java.io.InputStream in = OdrlRdf.context(res)) {
                  new com.fasterxml.jackson.databind.ObjectMapper()
                      .readTree(in)
                      .get("@context")
                      .fieldNames()
                      .forEachRemaining(terms::add);
                } catch (java.io.IOException e) {
                  throw new IllegalStateException(e);
                }
              }
            } else if (c.isObject()) {
              for (var e : c.properties()) {
                String k = e.getKey();
                String kp = cp + "/" + k.replace("~", "~0").replace("/", "~1");
                int[] at = pos.get(kp);
                if (k.equals("@propagate") || k.equals("@import") || k.equals("@protected")) {
                  out.add(
                      diag(
                          file,
                          at,
                          kp,
                          "expected a plain context, found "
                              + k
                              + ": it changes what other terms mean"));
                } else if (e.getValue().isObject()
                    && (e.getValue().has("@context") || e.getValue().has("@reverse"))) {
                  out.add(
                      diag(
                          file,
                          at,
                          kp,
                          "expected a plain term definition, found \""
                              + k
                              + "\" with a scoped context or @reverse: this reader does not follow them, so it refuses them"));
                } else if (e.getValue().isNull()) {
                  out.add(
                      diag(
                          file,
                          at,
                          kp,
                          "expected a context that defines its terms, found \""
                              + k
                              + "\" set to null: JSON-LD would drop it silently"));
                } else if (ODRL_TERMS.containsKey(k)
                    && !java.util.Objects.equals(
                        ODRL_TERMS.get(k), expand(iriOf(e.getValue()), c))) {
                  out.add(
                      diag(
                          file,
                          at,
                          kp,
                          "expected the ODRL term \""
                              + k
                              + "\" as ODRL defines it, found it redefined"));
                }
                terms.add(k);
              }
            } else if (c.isNull()) {
              out.add(
                  diag(
                      file,
                      pos.get(cp),
                      cp,
                      "expected a context, found null: it would reset the ODRL terms"));
            }
          }
        }
        n.properties()
            .forEach(
                e -> {
                  if (!e.getKey().equals("@context") && !e.getKey().equals("@value")) {
                    collect(
                        e.getValue(),
                        ptr + "/" + e.getKey().replace("~", "~0").replace("/", "~1"),
                        terms,
                        pos,
                        file,
                        out);
                  }
                });
      } else if (n.isArray()) {
        for (int i = 0; i < n.size(); i++) {
          collect(n.get(i), ptr + "/" + i, terms, pos, file, out);
        }
      }
    }

    /** A compact IRI of an inline context, expanded by that context's own prefixes. */
    private static String expand(String v, JsonNode ctx) {
      if (v == null) {
        return null;
      }
      int colon = v.indexOf(':');
      if (colon > 0 && !v.contains("://")) {
        JsonNode prefix = ctx.get(v.substring(0, colon));
        if (prefix != null && prefix.isTextual()) {
          return prefix.asText() + v.substring(colon + 1);
        }
      }
      return v;
    }

    private static Diagnostic diag(String file, int[] at, String ptr, String message) {
      return new Diagnostic(file, at == null ? 0 : at[0], at == null ? 0 : at[1], ptr, message);
    }

    private static void walk(
        JsonNode n,
        String ptr,
        Set<String> terms,
        Map<String, int[]> pos,
        String file,
        List<Diagnostic> out) {
      if (n.isObject()) {
        if ("@json".equals(n.path("@type").asText(null))) {
          return; // a JSON literal: its members are data
        }
        for (var e : n.properties()) {
          String k = e.getKey();
          String p = ptr + "/" + k.replace("~", "~0").replace("/", "~1");
          if (k.equals("@context") && !ptr.isEmpty()) {
            out.add(
                diag(
                    file,
                    pos.get(p),
                    p,
                    "expected the document's @context at its top alone, found one inside a node: a context scoped to a node changes what its terms mean there"));
            continue;
          }
          if (k.equals("@reverse")) {
            out.add(
                diag(
                    file, pos.get(p), p, "expected properties of the node itself, found @reverse"));
            continue;
          }
          if (k.equals("@context") || k.equals("@value")) {
            continue;
          }
          int colon = k.indexOf(':');
          boolean iri = k.contains("://") || k.startsWith("urn:");
          if (colon > 0 && !iri && !terms.contains(k.substring(0, colon))) {
            out.add(
                diag(
                    file,
                    pos.get(p),
                    p,
                    "expected a compact IRI of a prefix the contexts define, found \""
                        + k
                        + "\": its prefix \""
                        + k.substring(0, colon)
                        + "\" is not defined"));
            continue;
          }
          if (!k.startsWith("@") && colon < 0 && !terms.contains(k) && !terms.contains("@vocab")) {
            out.add(
                diag(
                    file,
                    pos.get(p),
                    p,
                    "expected a term the document's contexts define, found \""
                        + k
                        + "\": JSON-LD would drop it silently"));
            continue;
          }
          walk(e.getValue(), p, terms, pos, file, out);
        }
      } else if (n.isArray()) {
        for (int i = 0; i < n.size(); i++) {
          walk(n.get(i), ptr + "/" + i, terms, pos, file, out);
        }
      }
    }
  }
}
