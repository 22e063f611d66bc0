package io.tollgate.policy.odrl;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.eclipse.rdf4j.model.Value;

/**
 * ODRL 2.2 policies as read from RDF ({@link OdrlReader}): what {@link OdrlEvaluator} evaluates and
 * {@link OdrlPolicySource} turns into Tollgate's policy model. Every element keeps {@code where},
 * the JSON pointer style path of its node ({@code /permission/0/constraint/1}), for diagnostics.
 */
public final class Odrl {
  private Odrl() {}

  public static final String NS = "http://www.w3.org/ns/odrl/2/";

  /** Tollgate's ODRL profile: its terms live in this namespace (docs/odrl.md). */
  public static final String TG = "https://tollgate.io/odrl/";

  /** The profile's IRI, as a policy names it in {@code profile}. */
  public static final String TG_PROFILE = "https://tollgate.io/odrl/profile";

  public enum PolicyType {
    SET,
    OFFER,
    AGREEMENT,
    REQUEST
  }

  public enum Conflict {
    PERM,
    PROHIBIT,
    INVALID
  }

  public enum RuleKind {
    PERMISSION,
    PROHIBITION,
    OBLIGATION,
    DUTY
  }

  public enum LogicalOp {
    AND,
    OR,
    XONE,
    AND_SEQUENCE
  }

  /** A policy, with the policy-level target, parties and action already pushed into its rules. */
  public record Policy(
      String uid,
      PolicyType type,
      List<String> profiles,
      Conflict conflict,
      List<String> inheritFrom,
      List<Rule> rules,
      Map<String, Value> extensions,
      String where) {
    public List<Rule> rules(RuleKind kind) {
      return rules.stream().filter(r -> r.kind() == kind).toList();
    }
  }

  /** A rule: permission, prohibition, obligation, or a duty of a permission. */
  public record Rule(
      RuleKind kind,
      String uid,
      Action action,
      Entity target,
      Entity assigner,
      Entity assignee,
      List<Constraint> constraints,
      List<Rule> duties,
      List<Rule> consequences,
      List<Rule> remedies,
      String where) {}

  /** An action, with its refinements. */
  public record Action(String iri, List<Constraint> refinements) {}

  /** An asset or a party: one, or a collection (members by {@code partOf}), with refinements. */
  public record Entity(
      String iri, boolean collection, List<Constraint> refinements, String where) {}

  /** A constraint or refinement. */
  public sealed interface Constraint permits Atomic, Logical {
    String where();

    String uid();
  }

  /** leftOperand, operator, rightOperand (one or more values) or a reference to one. */
  public record Atomic(
      String uid,
      String leftOperand,
      String operator,
      List<Value> rightOperand,
      String rightOperandReference,
      String unit,
      String where)
      implements Constraint {}

  /** and, or, xone, andSequence over constraints. */
  public record Logical(String uid, LogicalOp op, List<Constraint> operands, String where)
      implements Constraint {}

  /** The twelve operators, by local name. */
  public static final Set<String> OPERATORS =
      Set.of(
          "eq",
          "neq",
          "lt",
          "lteq",
          "gt",
          "gteq",
          "isA",
          "hasPart",
          "isPartOf",
          "isAllOf",
          "isAnyOf",
          "isNoneOf");

  /**
   * The left operands the evaluator understands: all of ODRL 2.2's (compared by their values'
   * datatypes; dateTime, elapsedTime, count and payAmount checked for theirs) and the profile's.
   * What enforcement takes is narrower ({@link OdrlPolicySource}).
   */
  public static final Set<String> LEFT_OPERANDS = leftOperands();

  private static Set<String> leftOperands() {
    Set<String> s = new java.util.HashSet<>();
    for (String l :
        List.of(
            "absolutePosition",
            "absoluteSize",
            "absoluteSpatialPosition",
            "absoluteTemporalPosition",
            "count",
            "dateTime",
            "delayPeriod",
            "deliveryChannel",
            "device",
            "elapsedTime",
            "event",
            "fileFormat",
            "industry",
            "language",
            "media",
            "meteredTime",
            "payAmount",
            "percentage",
            "product",
            "purpose",
            "recipient",
            "relativePosition",
            "relativeSize",
            "relativeSpatialPosition",
            "relativeTemporalPosition",
            "resolution",
            "spatial",
            "spatialCoordinates",
            "systemDevice",
            "timeInterval",
            "unitOfCount",
            "version",
            "virtualLocation")) {
      s.add(NS + l);
    }
    for (String l :
        List.of(
            "timeOfDay", "dayOfWeek", "field", "region", "rate", "quota", "opa", "maskMethod")) {
      s.add(TG + l);
    }
    return Set.copyOf(s);
  }

  /** Each action and the action it is included in (null for {@code use} and {@code transfer}). */
  public static final Map<String, String> INCLUDED_IN = actions();

  private static Map<String, String> actions() {
    Properties p = new Properties();
    try (InputStream in = Odrl.class.getResourceAsStream("actions.properties")) {
      p.load(in);
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("the bundled ODRL action hierarchy is missing", e);
    }
    Map<String, String> m = new HashMap<>();
    for (String k : p.stringPropertyNames()) {
      String v = p.getProperty(k).strip();
      if (!v.isEmpty()) {
        m.put(iri(k), iri(v));
      }
    }
    return Map.copyOf(m);
  }

  /** Whether {@code action} is a known action (ODRL's or the profile's). */
  public static boolean knownAction(String action) {
    return INCLUDED_IN.containsKey(action)
        || action.equals(NS + "use")
        || action.equals(NS + "transfer");
  }

  private static String iri(String term) {
    return term.startsWith("tg:") ? TG + term.substring(3) : NS + term;
  }

  /** Whether a rule about {@code granted} covers a request of {@code requested}. */
  public static boolean covers(String granted, String requested) {
    String a = requested;
    for (int i = 0; a != null && i < 16; i++) {
      if (a.equals(granted)) {
        return true;
      }
      a = INCLUDED_IN.get(a);
    }
    return false;
  }

  /** A short name for an IRI: {@code odrl:read}, {@code tg:rate}, or the IRI. */
  public static String shortName(String iri) {
    if (iri == null) {
      return "null";
    }
    if (iri.startsWith(NS)) {
      return "odrl:" + iri.substring(NS.length());
    }
    if (iri.startsWith(TG)) {
      return "tg:" + iri.substring(TG.length());
    }
    return iri;
  }
}
