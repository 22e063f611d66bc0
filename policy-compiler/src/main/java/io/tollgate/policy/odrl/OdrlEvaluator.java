package io.tollgate.policy.odrl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.xml.datatype.DatatypeConfigurationException;
import javax.xml.datatype.DatatypeConstants;
import javax.xml.datatype.DatatypeFactory;
import javax.xml.datatype.Duration;
import org.eclipse.rdf4j.model.IRI;
import org.eclipse.rdf4j.model.Literal;
import org.eclipse.rdf4j.model.Model;
import org.eclipse.rdf4j.model.Resource;
import org.eclipse.rdf4j.model.Statement;
import org.eclipse.rdf4j.model.Value;
import org.eclipse.rdf4j.model.util.Values;
import org.eclipse.rdf4j.model.vocabulary.RDF;
import org.eclipse.rdf4j.model.vocabulary.RDFS;
import org.eclipse.rdf4j.model.vocabulary.XSD;

/**
 * Evaluates an ODRL policy against a request and a state of the world, and reports it in the shape
 * of the ODRL Compliance Report Model ({@code https://w3id.org/force/compliance-report#}): for the
 * policy and each rule, whether the request attempted it, its activation state, and for each
 * premise (target, party, action, each constraint) its satisfaction state and the value it was
 * compared with. The semantics are in docs/odrl.md; the report's ids are derived from the policy,
 * the rule and the request, so the same inputs give the same report.
 */
public final class OdrlEvaluator {
  public static final String REPORT = "https://w3id.org/force/compliance-report#";
  public static final String SOTW = "https://w3id.org/force/sotw#";
  static final String DCT = "http://purl.org/dc/terms/";
  static final ObjectMapper JSON = new ObjectMapper();
  private static final DatatypeFactory DURATIONS;

  static {
    try {
      DURATIONS = DatatypeFactory.newInstance();
    } catch (DatatypeConfigurationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** What is requested: an action by a party on a target, with context values. */
  public record Request(
      String uid,
      String ruleUid,
      String action,
      String party,
      String target,
      Map<String, List<Value>> values) {}

  /** The state of the world: the time, memberships and types, duty states, context values. */
  public record World(
      Instant now, Model graph, Map<String, List<Value>> values, Map<String, String> duties) {}

  /** The left operands the world's clock gives. */
  static final Set<String> CLOCK =
      Set.of(Odrl.NS + "dateTime", Odrl.TG + "timeOfDay", Odrl.TG + "dayOfWeek");

  private final Odrl.Policy policy;
  private final Request request;
  private final World world;
  private final Model facts; // the policy's graph and the world's: partOf, rdf:type
  private final ZoneId zone;

  public OdrlEvaluator(Odrl.Policy policy, Model policyGraph, Request request, World world) {
    this.policy = policy;
    this.request = request;
    this.world = world;
    this.facts = new org.eclipse.rdf4j.model.impl.LinkedHashModel();
    if (policyGraph != null) {
      facts.addAll(policyGraph);
    }
    if (world.graph() != null) {
      facts.addAll(world.graph());
    }
    Value z = policy.extensions().get("zone");
    ZoneId zid = ZoneOffset.UTC;
    if (z != null) {
      try {
        zid = ZoneId.of(z.stringValue());
      } catch (RuntimeException e) {
        // UTC
      }
    }
    this.zone = zid;
  }

  /** The report, as JSON-LD. */
  public ObjectNode report() {
    ObjectNode r = JSON.createObjectNode();
    ObjectNode ctx = r.putObject("@context");
    ctx.put("report", REPORT);
    ctx.put("odrl", Odrl.NS);
    ctx.put("dct", DCT);
    ctx.put("xsd", XSD.NAMESPACE);
    ctx.put("tg", Odrl.TG);
    r.put("@id", id("policy-report"));
    r.put("@type", "report:PolicyReport");
    r.putObject("dct:created")
        .put("@value", (world.now() != null ? world.now() : Instant.EPOCH).toString())
        .put("@type", "xsd:dateTime");
    r.putObject("report:policy").put("@id", policy.uid());
    if (request != null && request.uid() != null) {
      r.putObject("report:policyRequest").put("@id", request.uid());
    }
    ArrayNode rules = r.putArray("report:ruleReport");
    boolean permitted = false;
    boolean prohibited = false;
    int i = 0;
    for (Odrl.Rule rule : policy.rules()) {
      ObjectNode rr = rule(rule, "rule-" + i++);
      rules.add(rr);
      boolean active =
          rr.path("report:activationState").path("@id").asText().equals("report:Active");
      boolean attempted =
          request == null
              || rr.path("report:attemptState").path("@id").asText().equals("report:Attempted");
      if (active && attempted && rule.kind() == Odrl.RuleKind.PERMISSION) {
        permitted = true;
      }
      if (active && attempted && rule.kind() == Odrl.RuleKind.PROHIBITION) {
        prohibited = true;
      }
    }
    String conclusion;
    if (permitted && prohibited) {
      conclusion =
          switch (policy.conflict()) {
            case PERM -> "Permitted";
            case PROHIBIT -> "Prohibited";
            case INVALID -> "Invalid";
          };
    } else {
      conclusion = permitted ? "Permitted" : prohibited ? "Prohibited" : "NotPermitted";
    }
    r.put("tg:conflict", "odrl:" + policy.conflict().name().toLowerCase(java.util.Locale.ROOT));
    if (request != null) {
      // what the request may do: only a request attempts rules
      r.put("tg:conclusion", conclusion);
    }
    return r;
  }

  private String id(String what) {
    String seed = policy.uid() + "\n" + (request == null ? "" : request.uid()) + "\n" + what;
    return "urn:uuid:" + UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8));
  }

  private ObjectNode rule(Odrl.Rule rule, String key) {
    ObjectNode rr = JSON.createObjectNode();
    rr.put("@id", id(key));
    rr.put(
        "@type",
        switch (rule.kind()) {
          case PERMISSION -> "report:PermissionReport";
          case PROHIBITION -> "report:ProhibitionReport";
          case OBLIGATION -> "report:ObligationReport";
          case DUTY -> "report:DutyReport";
        });
    if (rule.uid() != null) {
      rr.putObject("report:rule").put("@id", rule.uid());
    }
    rr.put("tg:rulePath", rule.where());
    if (request != null && request.ruleUid() != null) {
      rr.putObject("report:ruleRequest").put("@id", request.ruleUid());
    }
    ArrayNode premises = rr.putArray("report:premiseReport");
    boolean all = true;
    if (request != null) {
      boolean target = rule.target() == null || matches(rule.target(), request.target());
      boolean party = rule.assignee() == null || matches(rule.assignee(), request.party());
      boolean action =
          rule.action() != null
              && request.action() != null
              && Odrl.covers(rule.action().iri(), request.action())
              && constraintsHold(rule.action().refinements());
      premises.add(premise("report:TargetReport", target, key + "/target", request.target()));
      premises.add(premise("report:PartyReport", party, key + "/party", request.party()));
      premises.add(premise("report:ActionReport", action, key + "/action", request.action()));
      all = target && party && action;
    }
    int c = 0;
    for (Odrl.Constraint k : rule.constraints()) {
      ObjectNode cr = constraint(k, key + "/constraint-" + c++);
      premises.add(cr);
      all &= satisfied(cr);
    }
    rr.putObject("report:attemptState")
        .put("@id", request != null ? "report:Attempted" : "report:NotAttempted");
    // duties: a permission holds while none of its duties is violated
    if (!rule.duties().isEmpty()) {
      ArrayNode conds = rr.putArray("report:conditionReport");
      int d = 0;
      for (Odrl.Rule duty : rule.duties()) {
        ObjectNode dr = JSON.createObjectNode();
        dr.put("@id", id(key + "/duty-" + d++));
        dr.put("@type", "report:DutyReport");
        if (duty.uid() != null) {
          dr.putObject("report:rule").put("@id", duty.uid());
        }
        String state = duty.uid() == null ? null : world.duties().get(duty.uid());
        String deontic = state == null ? "report:NonSet" : state;
        dr.putObject("report:deonticState").put("@id", deontic);
        dr.put("tg:action", duty.action() == null ? null : Odrl.shortName(duty.action().iri()));
        conds.add(dr);
        if (deontic.equals("report:Violated")) {
          all = false;
        }
      }
    }
    rr.putObject("report:activationState").put("@id", all ? "report:Active" : "report:Inactive");
    return rr;
  }

  private ObjectNode premise(String type, boolean ok, String key, String value) {
    ObjectNode p = JSON.createObjectNode();
    p.put("@id", id(key));
    p.put("@type", type);
    if (value != null) {
      p.putObject("tg:requested").put("@id", value);
    }
    p.putObject("report:satisfactionState")
        .put("@id", ok ? "report:Satisfied" : "report:Unsatisfied");
    return p;
  }

  private static boolean satisfied(ObjectNode premise) {
    return premise.path("report:satisfactionState").path("@id").asText().equals("report:Satisfied");
  }

  private boolean constraintsHold(List<Odrl.Constraint> cs) {
    int i = 0;
    for (Odrl.Constraint c : cs) {
      if (!satisfied(constraint(c, "refinement-" + i++))) {
        return false;
      }
    }
    return true;
  }

  private ObjectNode constraint(Odrl.Constraint k, String key) {
    ObjectNode cr = JSON.createObjectNode();
    cr.put("@id", id(key));
    cr.put("@type", "report:ConstraintReport");
    if (k.uid() != null) {
      cr.putObject("report:constraint").put("@id", k.uid());
    }
    cr.put("tg:constraintPath", k.where());
    boolean ok;
    if (k instanceof Odrl.Logical l) {
      String op =
          switch (l.op()) {
            case AND -> "odrl:and";
            case OR -> "odrl:or";
            case XONE -> "odrl:xone";
            case AND_SEQUENCE -> "odrl:andSequence";
          };
      cr.putObject("report:constraintLogicalOperand").put("@id", op);
      ArrayNode parts = cr.putArray("report:premiseReport");
      int n = 0;
      int i = 0;
      for (Odrl.Constraint p : l.operands()) {
        ObjectNode pr = constraint(p, key + "/" + i++);
        parts.add(pr);
        if (satisfied(pr)) {
          n++;
        }
      }
      int size = l.operands().size();
      ok =
          switch (l.op()) {
            case AND, AND_SEQUENCE -> n == size;
            case OR -> n > 0;
            case XONE -> n == 1;
          };
    } else {
      Odrl.Atomic a = (Odrl.Atomic) k;
      List<Value> left = leftValues(a.leftOperand());
      ArrayNode lv = cr.putArray("report:constraintLeftOperand");
      left.forEach(v -> lv.add(value(v)));
      cr.putObject("report:constraintOperator").put("@id", "odrl:" + a.operator());
      ArrayNode rv = cr.putArray("report:constraintRightOperand");
      a.rightOperand().forEach(v -> rv.add(value(v)));
      ok = !left.isEmpty() && compare(a, left);
      if (left.isEmpty()) {
        cr.put(
            "tg:note",
            "no value of "
                + Odrl.shortName(a.leftOperand())
                + " in the request or the state of the world");
      }
    }
    cr.putObject("report:satisfactionState")
        .put("@id", ok ? "report:Satisfied" : "report:Unsatisfied");
    return cr;
  }

  private static ObjectNode value(Value v) {
    ObjectNode o = JSON.createObjectNode();
    if (v instanceof Literal l) {
      o.put("@value", l.getLabel());
      if (!l.getDatatype().equals(XSD.STRING)) {
        o.put("@type", l.getDatatype().stringValue());
      }
    } else {
      o.put("@id", v.stringValue());
    }
    return o;
  }

  /** The left operand's value: from the request, the world, or the world's time. */
  List<Value> leftValues(String left) {
    List<Value> out = new ArrayList<>();
    if (CLOCK.contains(left)) {
      // the time is the world's, never a value a request brings
      if (world.now() != null) {
        switch (Odrl.shortName(left)) {
          case "odrl:dateTime" -> out.add(Values.literal(world.now().toString(), XSD.DATETIME));
          case "tg:timeOfDay" ->
              out.add(Values.literal(LocalTime.ofInstant(world.now(), zone).toString(), XSD.TIME));
          default ->
              out.add(
                  Values.literal(world.now().atZone(zone).getDayOfWeek().name().substring(0, 3)));
        }
      }
      return out;
    }
    if (request != null && request.values().containsKey(left)) {
      out.addAll(request.values().get(left));
    } else if (world.values().containsKey(left)) {
      out.addAll(world.values().get(left));
    }
    if (out.isEmpty() && world.now() != null) {
      switch (Odrl.shortName(left)) {
        case "odrl:dateTime" -> out.add(Values.literal(world.now().toString(), XSD.DATETIME));
        case "tg:timeOfDay" ->
            out.add(Values.literal(LocalTime.ofInstant(world.now(), zone).toString(), XSD.TIME));
        case "tg:dayOfWeek" ->
            out.add(Values.literal(world.now().atZone(zone).getDayOfWeek().name().substring(0, 3)));
        default -> {
          // none
        }
      }
    }
    return out;
  }

  boolean compare(Odrl.Atomic a, List<Value> left) {
    List<Value> right = a.rightOperand();
    String op = a.operator();
    String lo = Odrl.shortName(a.leftOperand());
    switch (op) {
      case "isAnyOf":
        return left.stream().allMatch(l -> right.stream().anyMatch(r -> same(l, r)));
      case "isNoneOf":
        return left.stream().noneMatch(l -> right.stream().anyMatch(r -> same(l, r)));
      case "isAllOf":
      case "hasPart":
        if (lo.equals("tg:timeOfDay") || lo.equals("odrl:spatialCoordinates")) {
          return false;
        }
        return right.stream().allMatch(r -> left.stream().anyMatch(l -> same(l, r)));
      case "isPartOf":
        if (lo.equals("tg:timeOfDay")) {
          return right.size() == 1
              && left.size() == 1
              && inWindow(left.get(0), right.get(0).stringValue());
        }
        if (lo.equals("odrl:spatialCoordinates")) {
          return right.size() == 1
              && left.size() == 1
              && inPolygon(left.get(0).stringValue(), right.get(0).stringValue());
        }
        return left.stream()
            .allMatch(l -> right.stream().anyMatch(r -> same(l, r) || partOf(l, r)));
      case "isA":
        return left.stream().allMatch(l -> right.stream().anyMatch(r -> isA(l, r)));
      case "eq":
        // as the compiler decides: each value given equals one of the right operand's
        return left.stream().allMatch(l -> right.stream().anyMatch(r -> equal(l, r)));
      case "neq":
        return left.stream().noneMatch(l -> right.stream().anyMatch(r -> equal(l, r)));
      default:
        if (right.size() != 1 || left.size() != 1) {
          return false;
        }
        Integer c = order(left.get(0), right.get(0));
        if (c == null) {
          return false;
        }
        return switch (op) {
          case "lt" -> c < 0;
          case "lteq" -> c <= 0;
          case "gt" -> c > 0;
          case "gteq" -> c >= 0;
          default -> false;
        };
    }
  }

  private boolean equal(Value l, Value r) {
    Integer c = order(l, r);
    return c != null ? c == 0 : same(l, r);
  }

  private static boolean same(Value a, Value b) {
    return a.stringValue().equals(b.stringValue());
  }

  /** The ordering of two values of one kind (numbers, instants or dates, times, durations). */
  Integer order(Value l, Value r) {
    if (!(l instanceof Literal a) || !(r instanceof Literal b)) {
      return null;
    }
    IRI ta = a.getDatatype();
    IRI tb = b.getDatatype();
    try {
      if (OdrlReader.numeric(ta) && OdrlReader.numeric(tb)) {
        return new BigDecimal(a.getLabel()).compareTo(new BigDecimal(b.getLabel()));
      }
      if (isTime(ta) && isTime(tb)) {
        if (tb.equals(XSD.DATE) || ta.equals(XSD.DATE)) {
          // a date against an instant: the instant's day, in the policy's zone
          return day(a).compareTo(day(b));
        }
        return instant(a.getLabel()).compareTo(instant(b.getLabel()));
      }
      if (ta.equals(XSD.TIME) && tb.equals(XSD.TIME)) {
        return LocalTime.parse(a.getLabel().replaceAll("(Z|[+-]\\d\\d:\\d\\d)$", ""))
            .compareTo(LocalTime.parse(b.getLabel().replaceAll("(Z|[+-]\\d\\d:\\d\\d)$", "")));
      }
      if (isDuration(ta) && isDuration(tb)) {
        int c = DURATIONS.newDuration(a.getLabel()).compare(DURATIONS.newDuration(b.getLabel()));
        return c == DatatypeConstants.INDETERMINATE
            ? null
            : c == DatatypeConstants.LESSER ? -1 : c == DatatypeConstants.GREATER ? 1 : 0;
      }
    } catch (RuntimeException e) {
      return null;
    }
    return null;
  }

  private static boolean isTime(IRI t) {
    return t.equals(XSD.DATETIME) || t.equals(XSD.DATE) || t.equals(XSD.DATETIMESTAMP);
  }

  private static boolean isDuration(IRI t) {
    return t.equals(XSD.DURATION)
        || t.equals(XSD.DAYTIMEDURATION)
        || t.equals(XSD.YEARMONTHDURATION);
  }

  private LocalDate day(Literal l) {
    if (l.getDatatype().equals(XSD.DATE)) {
      return LocalDate.parse(l.getLabel().replaceAll("(Z|[+-]\\d\\d:\\d\\d)$", ""));
    }
    return instant(l.getLabel()).atZone(zone).toLocalDate();
  }

  static Instant instant(String s) {
    return Instant.parse(OdrlPolicySource.normalizeInstant(s));
  }

  private boolean inWindow(Value v, String window) {
    String[] w = window.split("/");
    if (w.length != 2) {
      return false;
    }
    LocalTime t = LocalTime.parse(v.stringValue().replaceAll("(Z|[+-]\\d\\d:\\d\\d)$", ""));
    LocalTime from = LocalTime.parse(w[0]);
    LocalTime until = LocalTime.parse(w[1]);
    return until.isBefore(from)
        ? !t.isBefore(from) || t.isBefore(until)
        : !t.isBefore(from) && t.isBefore(until);
  }

  /** A point "lon lat" or WKT POINT(lon lat) inside a WKT polygon (ray casting). */
  static boolean inPolygon(String point, String wkt) {
    io.tollgate.policy.model.Polygon g = OdrlPolicySource.polygon(wkt);
    String p = point.replaceAll("(?i)POINT\\s*\\(|\\)", "").strip();
    String[] xy = p.split("[\\s,]+");
    if (g == null || xy.length != 2) {
      return false;
    }
    double x;
    double y;
    try {
      x = Double.parseDouble(xy[0]);
      y = Double.parseDouble(xy[1]);
    } catch (NumberFormatException e) {
      return false;
    }
    boolean in = false;
    for (int i = 0, j = g.size() - 1; i < g.size(); j = i++) {
      if ((g.lat(i) > y) != (g.lat(j) > y)
          && x < (g.lon(j) - g.lon(i)) * (y - g.lat(i)) / (g.lat(j) - g.lat(i)) + g.lon(i)) {
        in = !in;
      }
    }
    return in;
  }

  /** Membership: {@code partOf} in the graphs (transitively), or an ISO 3166-2 subdivision. */
  boolean partOf(Value member, Value whole) {
    String m = member.stringValue();
    String w = whole.stringValue();
    if (m.startsWith(w + "-") && w.matches("[A-Z]{2}")) {
      return true; // CN-SH is part of CN
    }
    return reachable(member, whole, RDFS_PART_OF, new HashSet<>());
  }

  static final IRI RDFS_PART_OF = OdrlReader.iri("partOf");

  private boolean reachable(Value from, Value to, IRI p, Set<Value> seen) {
    if (!(from instanceof Resource r) || !seen.add(from)) {
      return false;
    }
    for (Statement st : facts.filter(r, p, null)) {
      if (st.getObject().equals(to) || reachable(st.getObject(), to, p, seen)) {
        return true;
      }
    }
    return false;
  }

  private boolean isA(Value v, Value cls) {
    if (!(v instanceof Resource r)) {
      return false;
    }
    for (Statement st : facts.filter(r, RDF.TYPE, null)) {
      if (st.getObject().equals(cls)
          || reachable(st.getObject(), cls, RDFS.SUBCLASSOF, new HashSet<>())) {
        return true;
      }
    }
    return false;
  }

  /** A party or asset of the request is the rule's, or a member of its collection. */
  boolean matches(Odrl.Entity e, String requested) {
    if (requested == null) {
      return false;
    }
    if (e.iri().equals(requested)) {
      return true;
    }
    if (!e.collection()) {
      return false;
    }
    Value member = Values.iri(requested);
    return reachable(member, Values.iri(e.iri()), RDFS_PART_OF, new HashSet<>())
        && constraintsHold(e.refinements());
  }

  /** Context values given as {@code tg:value [ odrl:leftOperand L ; rdf:value V ]} in a graph. */
  public static Map<String, List<Value>> values(Model g) {
    Map<String, List<Value>> out = new LinkedHashMap<>();
    if (g == null) {
      return out;
    }
    for (Statement st : g.filter(null, Values.iri(Odrl.TG + "value"), null)) {
      if (st.getObject() instanceof Resource node) {
        for (Statement l : g.filter(node, OdrlReader.iri("leftOperand"), null)) {
          for (Statement v : g.filter(node, RDF.VALUE, null)) {
            out.computeIfAbsent(l.getObject().stringValue(), k -> new ArrayList<>())
                .add(v.getObject());
          }
        }
      }
    }
    return out;
  }

  /** Whether a literal is a duration, for callers that parse a world's values. */
  static Duration duration(String s) {
    return DURATIONS.newDuration(s);
  }
}
