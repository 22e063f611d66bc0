package io.tollgate.policy.odrl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.policy.Action;
import io.tollgate.policy.Channel;
import io.tollgate.policy.Diagnostic;
import io.tollgate.policy.MaskMethod;
import io.tollgate.policy.model.AtomicConstraint;
import io.tollgate.policy.model.Constraint;
import io.tollgate.policy.model.Duty;
import io.tollgate.policy.model.LeftOperand;
import io.tollgate.policy.model.LogicalConstraint;
import io.tollgate.policy.model.Operator;
import io.tollgate.policy.model.Origin;
import io.tollgate.policy.model.Policy;
import io.tollgate.policy.model.Polygon;
import io.tollgate.policy.model.Price;
import io.tollgate.policy.model.Quota;
import io.tollgate.policy.model.Rate;
import io.tollgate.policy.model.Rule;
import io.tollgate.policy.model.TimeWindow;
import io.tollgate.policy.source.PolicySource;
import io.tollgate.policy.source.SourceResult;
import io.tollgate.policy.source.YamlContractSource;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.eclipse.rdf4j.model.IRI;
import org.eclipse.rdf4j.model.Literal;
import org.eclipse.rdf4j.model.Value;
import org.eclipse.rdf4j.model.vocabulary.XSD;

/**
 * ODRL 2.2 policies (JSON-LD or Turtle) as contracts Tollgate enforces: the same {@link Policy}
 * model the YAML form gives, compiled by the same compiler. What the data path cannot enforce (a
 * party collection as the consumer, an obligation, a duty other than masking a field, an action
 * refinement, a constraint the compiler does not take) is a located error, never dropped.
 *
 * <p>The mapping (docs/odrl.md): the policy's uid, assigner, assignee and target are the contract,
 * provider, consumer and dataset ids (IRIs under {@link OdrlRdf#BASE} read as their last segment);
 * every permission becomes the contract's permission, permissions that differ only in their action
 * being one rule with several actions; constraints map left operand by left operand.
 */
public final class OdrlPolicySource implements PolicySource {
  private final OdrlRdf.Format format;

  /** {@code format} null: by the file's extension. */
  public OdrlPolicySource(OdrlRdf.Format format) {
    this.format = format;
  }

  @Override
  public SourceResult read(String file, Path baseDir, String text) {
    OdrlReader.Result r = OdrlReader.read(file, text, format);
    if (!r.ok()) {
      return new SourceResult(List.of(), r.diagnostics());
    }
    List<Policy> out = new ArrayList<>();
    List<Diagnostic> diagnostics = new ArrayList<>();
    for (Odrl.Policy p : r.policies()) {
      Mapper m =
          new Mapper(
              file,
              baseDir,
              r.policies().size() == 1 ? text : ownText(text, p.where()),
              r.positions());
      Policy policy = m.policy(p);
      diagnostics.addAll(m.diagnostics);
      if (policy != null && m.diagnostics.isEmpty()) {
        out.add(policy);
      }
    }
    return diagnostics.isEmpty()
        ? new SourceResult(out, List.of())
        : new SourceResult(List.of(), diagnostics);
  }

  /**
   * The text of one policy of a JSON-LD {@code @graph} (as {@code policy export} writes several):
   * the document's context and that policy's node, so that it can be published as its own record.
   * Null when it cannot be cut out (Turtle, or a policy that is not a node of the graph).
   */
  private String ownText(String text, String where) {
    if (format != OdrlRdf.Format.JSONLD || !where.matches("/@graph/\\d+")) {
      return null;
    }
    try {
      ObjectMapper json = new ObjectMapper();
      JsonNode root = json.readTree(text);
      JsonNode node = root.path("@graph").path(Integer.parseInt(where.substring(8)));
      if (!node.isObject() || !root.has("@context")) {
        return null;
      }
      com.fasterxml.jackson.databind.node.ObjectNode one = json.createObjectNode();
      one.set("@context", root.get("@context"));
      one.setAll((com.fasterxml.jackson.databind.node.ObjectNode) node);
      return json.writerWithDefaultPrettyPrinter().writeValueAsString(one) + "\n";
    } catch (java.io.IOException | RuntimeException e) {
      return null;
    }
  }

  /** An id from an IRI: the last segment of {@link OdrlRdf#BASE}'s, else the IRI itself. */
  public static String id(String iri) {
    if (iri == null || !iri.startsWith(OdrlRdf.BASE)) {
      return iri;
    }
    return java.net.URLDecoder.decode(
        iri.substring(OdrlRdf.BASE.length()).replace("+", "%2B"),
        java.nio.charset.StandardCharsets.UTF_8);
  }

  /** The IRI of a Tollgate id: under {@link OdrlRdf#BASE}, escaped where an IRI needs it. */
  public static String iriOf(String id) {
    StringBuilder b = new StringBuilder(OdrlRdf.BASE);
    for (byte x : id.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~'
          || c == ':'
          || c == '@') {
        b.append((char) c);
      } else {
        b.append('%').append(String.format("%02X", c));
      }
    }
    return b.toString();
  }

  private static final class Mapper {
    final String file;
    final Path baseDir;
    final String text;
    final Map<String, int[]> positions;
    final List<Diagnostic> diagnostics = new ArrayList<>();
    ZoneId zone = ZoneOffset.UTC;

    Mapper(String file, Path baseDir, String text, Map<String, int[]> positions) {
      this.file = file;
      this.baseDir = baseDir;
      this.text = text;
      this.positions = positions;
    }

    void error(String where, String message) {
      int[] at = new Origin(file, baseDir, positions).position(where);
      diagnostics.add(
          new Diagnostic(file, at == null ? 0 : at[0], at == null ? 0 : at[1], where, message));
    }

    Policy policy(Odrl.Policy p) {
      Policy.PolicyType type =
          switch (p.type()) {
            case AGREEMENT -> Policy.PolicyType.AGREEMENT;
            case OFFER -> Policy.PolicyType.OFFER;
            case SET -> Policy.PolicyType.SET;
            case REQUEST -> null;
          };
      if (type == null) {
        error(p.where(), "expected a policy to enforce (Set, Offer or Agreement), found a Request");
        return null;
      }
      Value z = p.extensions().get("zone");
      if (z != null) {
        try {
          zone = ZoneId.of(z.stringValue());
        } catch (RuntimeException e) {
          error(p.where() + "/tg:zone", "expected an IANA zone such as Asia/Shanghai, found " + z);
        }
      }
      Price price = null;
      Value pv = p.extensions().get("price");
      if (pv != null) {
        price = price(pv, p.where() + "/tg:price");
      }
      String assigner = null;
      String assignee = null;
      String target = null;
      List<Rule> permissions = new ArrayList<>();
      List<Rule> prohibitions = new ArrayList<>();
      Map<List<Object>, List<Action>> merged = new LinkedHashMap<>();
      Map<List<Object>, Rule> firstOf = new LinkedHashMap<>();
      for (Odrl.Rule r : p.rules()) {
        if (r.kind() == Odrl.RuleKind.OBLIGATION) {
          error(
              r.where(),
              "expected permissions and prohibitions only: an obligation is not enforced on the"
                  + " data path");
          continue;
        }
        assigner =
            same(
                assigner,
                party(r.assigner(), r.where() + "/assigner"),
                r.where() + "/assigner",
                "assigner");
        assignee =
            same(
                assignee,
                party(r.assignee(), r.where() + "/assignee"),
                r.where() + "/assignee",
                "assignee");
        target =
            same(target, party(r.target(), r.where() + "/target"), r.where() + "/target", "target");
        Action action = action(r.action(), r.where() + "/action");
        List<Constraint> constraints = new ArrayList<>();
        for (Odrl.Constraint c : r.constraints()) {
          Constraint mc = constraint(c);
          if (mc != null) {
            constraints.add(mc);
          }
        }
        List<Duty> duties = new ArrayList<>();
        for (Odrl.Rule d : r.duties()) {
          Duty md = duty(d);
          if (md != null) {
            duties.add(md);
          }
        }
        if (!r.consequences().isEmpty() || !r.remedies().isEmpty()) {
          error(
              r.where(),
              "expected no consequence or remedy: they are not enforced on the data path");
        }
        if (action == null) {
          continue;
        }
        Rule.Kind kind =
            r.kind() == Odrl.RuleKind.PROHIBITION ? Rule.Kind.PROHIBITION : Rule.Kind.PERMISSION;
        // the same rule but for its action, whatever the pointers: one rule of several actions
        List<Object> key = List.of(kind, shape(kind, constraints, duties));
        merged.computeIfAbsent(key, k -> new ArrayList<>()).add(action);
        firstOf.putIfAbsent(key, new Rule(kind, List.of(action), constraints, duties, r.where()));
      }
      for (Map.Entry<List<Object>, List<Action>> e : merged.entrySet()) {
        Rule first = firstOf.get(e.getKey());
        Rule rule =
            new Rule(
                first.kind(), e.getValue(), first.constraints(), first.duties(), first.pointer());
        (rule.kind() == Rule.Kind.PERMISSION ? permissions : prohibitions).add(rule);
      }
      if (!diagnostics.isEmpty()) {
        return null;
      }
      return new Policy(
          id(p.uid()),
          type,
          assigner,
          assignee,
          target,
          zone,
          permissions,
          prohibitions,
          price,
          new Origin(file, baseDir, positions, text));
    }

    String shape(Rule.Kind kind, List<Constraint> constraints, List<Duty> duties) {
      Rule r = new Rule(kind, List.of(Action.USE), constraints, duties, "");
      return io.tollgate.policy.internal.Fingerprint.canonical(
          new Policy(
              "x",
              Policy.PolicyType.SET,
              null,
              null,
              null,
              ZoneOffset.UTC,
              kind == Rule.Kind.PERMISSION ? List.of(r) : List.of(),
              kind == Rule.Kind.PROHIBITION ? List.of(r) : List.of(),
              null,
              Origin.unknown()));
    }

    String same(String current, String next, String where, String what) {
      if (next == null) {
        return current;
      }
      if (current != null && !current.equals(next)) {
        error(
            where,
            "expected one "
                + what
                + " for every rule of a contract, found "
                + current
                + " and "
                + next);
      }
      return next;
    }

    String party(Odrl.Entity e, String where) {
      if (e == null) {
        return null;
      }
      if (e.collection() || !e.refinements().isEmpty()) {
        error(
            where,
            "expected one party or asset to enforce, found a collection ("
                + e.iri()
                + "): name the consumer and the dataset");
        return null;
      }
      return id(e.iri());
    }

    Action action(Odrl.Action a, String where) {
      if (a == null) {
        return null;
      }
      if (!a.refinements().isEmpty()) {
        error(
            where,
            "expected an action without refinements: they are not enforced on the data path");
      }
      String local =
          a.iri().startsWith(Odrl.NS)
              ? a.iri().substring(Odrl.NS.length())
              : a.iri().startsWith(Odrl.TG) ? a.iri().substring(Odrl.TG.length()) : a.iri();
      Action act = Action.ofTerm(local);
      if (act == null) {
        error(
            where,
            "expected an action the enforcement points decide ("
                + Action.terms()
                + "), found "
                + Odrl.shortName(a.iri()));
      }
      return act;
    }

    Duty duty(Odrl.Rule d) {
      if (d.action() == null || !d.action().iri().equals(Odrl.NS + "anonymize")) {
        error(
            d.where(),
            "expected a duty to anonymize a field (odrl:anonymize refined by tg:field and"
                + " tg:maskMethod), found "
                + (d.action() == null ? "none" : Odrl.shortName(d.action().iri())));
        return null;
      }
      if (!d.constraints().isEmpty() || !d.consequences().isEmpty() || d.target() != null) {
        error(
            d.where(),
            "expected a duty of its refinements alone: a duty's constraint, consequence or target"
                + " is not enforced on the data path");
        return null;
      }
      String field = null;
      MaskMethod method = null;
      int fields = 0;
      int methods = 0;
      for (Odrl.Constraint c : d.action().refinements()) {
        if (c instanceof Odrl.Atomic a
            && a.operator().equals("eq")
            && a.rightOperand().size() == 1
            && a.leftOperand().equals(Odrl.TG + "field")) {
          if (!(a.rightOperand().get(0) instanceof Literal)) {
            error(
                c.where() + "/rightOperand",
                "expected a field name (a string) to mask, found the IRI "
                    + a.rightOperand().get(0));
            return null;
          }
          field = a.rightOperand().get(0).stringValue();
          fields++;
        } else if (c instanceof Odrl.Atomic a
            && a.operator().equals("eq")
            && a.rightOperand().size() == 1
            && a.leftOperand().equals(Odrl.TG + "maskMethod")) {
          String v = a.rightOperand().get(0).stringValue();
          method = MaskMethod.ofTerm(v.startsWith(Odrl.TG) ? v.substring(Odrl.TG.length()) : v);
          methods++;
        } else {
          error(
              c.where(),
              "expected only tg:field eq <field> and tg:maskMethod eq <method> refining an"
                  + " anonymize duty, found another refinement: it would not be enforced");
          return null;
        }
      }
      if (fields != 1 || methods != 1 || method == null) {
        error(
            d.where() + "/action",
            "expected one tg:field eq <field> and one tg:maskMethod eq hash, redact or drop (one"
                + " duty per field), found "
                + fields
                + " field(s) and "
                + methods
                + " method(s)");
        return null;
      }
      return new Duty(field, method, d.where());
    }

    Constraint constraint(Odrl.Constraint c) {
      if (c instanceof Odrl.Logical l) {
        List<Constraint> parts = new ArrayList<>();
        for (Odrl.Constraint o : l.operands()) {
          Constraint p = constraint(o);
          if (p != null) {
            parts.add(p);
          }
        }
        LogicalConstraint.Op op =
            switch (l.op()) {
              case AND -> LogicalConstraint.Op.AND;
              case OR -> LogicalConstraint.Op.OR;
              case XONE -> LogicalConstraint.Op.XONE;
              case AND_SEQUENCE -> LogicalConstraint.Op.AND_SEQUENCE;
            };
        return new LogicalConstraint(op, parts, l.where());
      }
      Odrl.Atomic a = (Odrl.Atomic) c;
      String w = a.where();
      if (a.rightOperandReference() != null) {
        error(
            w, "expected a rightOperand: a rightOperandReference is not resolved on the data path");
        return null;
      }
      Operator op = operator(a.operator());
      List<Value> vs = a.rightOperand();
      String left = Odrl.shortName(a.leftOperand());
      switch (left) {
        case "odrl:purpose":
          return new AtomicConstraint(LeftOperand.PURPOSE, op, strings(vs), w);
        case "odrl:spatial", "tg:region":
          return new AtomicConstraint(LeftOperand.SPATIAL, op, strings(vs), w);
        case "tg:field":
          return new AtomicConstraint(LeftOperand.FIELD, op, strings(vs), w);
        case "odrl:dateTime":
          {
            if (vs.size() != 1) {
              break;
            }
            Literal lit = (Literal) vs.get(0);
            if (lit.getDatatype().equals(XSD.DATE)) {
              // a date is a whole day in the contract's zone
              LocalDate d;
              try {
                d = LocalDate.parse(lit.getLabel().replaceAll("(Z|[+-]\\d\\d:\\d\\d)$", ""));
              } catch (RuntimeException e) {
                error(
                    w + "/rightOperand",
                    "expected a date this engine reads, found \"" + lit.getLabel() + "\"");
                return null;
              }
              Instant start = d.atStartOfDay(zone).toInstant();
              Instant next = d.plusDays(1).atStartOfDay(zone).toInstant();
              return switch (op) {
                case GTEQ -> new AtomicConstraint(LeftOperand.DATE_TIME, Operator.GTEQ, start, w);
                case GT -> new AtomicConstraint(LeftOperand.DATE_TIME, Operator.GTEQ, next, w);
                case LT -> new AtomicConstraint(LeftOperand.DATE_TIME, Operator.LT, start, w);
                case LTEQ -> new AtomicConstraint(LeftOperand.DATE_TIME, Operator.LT, next, w);
                default -> new AtomicConstraint(LeftOperand.DATE_TIME, op, start, w);
              };
            }
            try {
              return new AtomicConstraint(
                  LeftOperand.DATE_TIME, op, Instant.parse(normalizeInstant(lit.getLabel())), w);
            } catch (RuntimeException e) {
              error(
                  w + "/rightOperand",
                  "expected an instant this engine reads (years 0000 to 9999, hours to 23), found \""
                      + lit.getLabel()
                      + "\"");
              return null;
            }
          }
        case "tg:timeOfDay":
          {
            String[] parts = vs.size() == 1 ? vs.get(0).stringValue().split("/") : new String[0];
            if (parts.length == 2) {
              try {
                return new AtomicConstraint(
                    LeftOperand.TIME_OF_DAY,
                    op,
                    new TimeWindow(LocalTime.parse(parts[0]), LocalTime.parse(parts[1])),
                    w);
              } catch (RuntimeException e) {
                // below
              }
            }
            error(
                w + "/rightOperand",
                "expected a window \"HH:MM/HH:MM\" for tg:timeOfDay, found " + vs);
            return null;
          }
        case "tg:dayOfWeek":
          {
            List<DayOfWeek> days = new ArrayList<>();
            for (String s : strings(vs)) {
              DayOfWeek d = day(s);
              if (d == null) {
                error(w + "/rightOperand", "expected days MON to SUN, found \"" + s + "\"");
                return null;
              }
              days.add(d);
            }
            return new AtomicConstraint(LeftOperand.DAY_OF_WEEK, op, days, w);
          }
        case "odrl:deliveryChannel":
          {
            List<Channel> chs = new ArrayList<>();
            for (String s : strings(vs)) {
              Channel ch =
                  Channel.ofTerm(s.startsWith(Odrl.TG) ? s.substring(Odrl.TG.length()) : s);
              if (ch == null) {
                error(
                    w + "/rightOperand",
                    "expected channels http, kafka or mqtt, found \"" + s + "\"");
                return null;
              }
              chs.add(ch);
            }
            return new AtomicConstraint(LeftOperand.DELIVERY_CHANNEL, op, chs, w);
          }
        case "odrl:count":
          if (vs.size() == 1) {
            try {
              return new AtomicConstraint(
                  LeftOperand.COUNT,
                  op,
                  new java.math.BigDecimal(vs.get(0).stringValue()).longValueExact(),
                  w);
            } catch (RuntimeException e) {
              error(
                  w + "/rightOperand",
                  "expected a whole number of calls, found \"" + vs.get(0).stringValue() + "\"");
              return null;
            }
          }
          break;
        case "tg:rate":
          {
            Rate r = vs.size() == 1 ? rate(vs.get(0).stringValue()) : null;
            if (r == null) {
              error(
                  w + "/rightOperand",
                  "expected a rate such as \"100/s\", \"20/min\" or \"500/h\", found " + vs);
              return null;
            }
            return new AtomicConstraint(LeftOperand.RATE, op, r, w);
          }
        case "tg:quota":
          {
            Quota q = vs.size() == 1 ? quota(vs.get(0).stringValue()) : null;
            if (q == null) {
              error(
                  w + "/rightOperand",
                  "expected a quota such as \"10000/day\" or \"200000/month\", found " + vs);
              return null;
            }
            return new AtomicConstraint(LeftOperand.QUOTA, op, q, w);
          }
        case "odrl:spatialCoordinates":
          {
            Polygon g = vs.size() == 1 ? polygon(vs.get(0).stringValue()) : null;
            if (g == null) {
              error(
                  w + "/rightOperand",
                  "expected a WKT polygon \"POLYGON((lon lat, ...))\", found " + vs);
              return null;
            }
            return new AtomicConstraint(LeftOperand.SPATIAL_COORDINATES, op, g, w);
          }
        case "tg:opa":
          {
            Policy viaYaml = yaml("opa", vs.size() == 1 ? vs.get(0).stringValue() : "null", w);
            if (viaYaml == null) {
              return null;
            }
            for (Constraint k : viaYaml.permissions().get(0).constraints()) {
              if (k instanceof AtomicConstraint ac && ac.leftOperand() == LeftOperand.OPA) {
                return new AtomicConstraint(LeftOperand.OPA, op, ac.rightOperand(), w);
              }
            }
            return null;
          }
        default:
          break;
      }
      error(
          w,
          "expected a constraint the enforcement points decide, found "
              + left
              + " "
              + a.operator()
              + " "
              + vs.size()
              + " value(s) (docs/odrl.md lists the mapping)");
      return null;
    }

    List<String> strings(List<Value> vs) {
      List<String> out = new ArrayList<>();
      for (Value v : vs) {
        out.add(v instanceof IRI i ? id(i.stringValue()) : v.stringValue());
      }
      return out;
    }

    Price price(Value v, String where) {
      Policy p = yaml("price", v.stringValue(), where);
      return p == null ? null : p.price();
    }

    /** A member read by the YAML form's own rules: price and OPA terms are the same JSON. */
    Policy yaml(String key, String json, String where) {
      JsonNode n;
      try {
        n = new ObjectMapper().readTree(json);
      } catch (java.io.IOException e) {
        error(where, "expected JSON (an rdf:JSON literal), found: " + e.getMessage());
        return null;
      }
      String doc =
          "contract: x\nprovider: p\nconsumer: c\ndataset: d\nactions: [read]\n"
              + key
              + ": "
              + n
              + "\n";
      SourceResult r = new YamlContractSource().read(file, baseDir, doc);
      if (!r.ok()) {
        for (Diagnostic d : r.diagnostics()) {
          error(where + d.pointer().replaceFirst("^/" + key, ""), d.message());
        }
        return null;
      }
      return r.policies().get(0);
    }
  }

  static Operator operator(String local) {
    for (Operator o : Operator.values()) {
      if (o.term().equals(local)) {
        return o;
      }
    }
    throw new IllegalArgumentException(local);
  }

  static String normalizeInstant(String s) {
    // xsd:dateTime without a zone is local time of nowhere: the reader takes it as UTC
    return s.matches(".*(Z|[+-]\\d\\d:\\d\\d)$")
        ? java.time.OffsetDateTime.parse(s).toInstant().toString()
        : s + "Z";
  }

  static DayOfWeek day(String s) {
    String u = s.startsWith(Odrl.TG) ? s.substring(Odrl.TG.length()) : s;
    u = u.toUpperCase(Locale.ROOT);
    for (DayOfWeek d : DayOfWeek.values()) {
      if (d.name().equals(u) || d.name().substring(0, 3).equals(u)) {
        return d;
      }
    }
    return null;
  }

  static Rate rate(String s) {
    String[] p = s.split("/");
    if (p.length != 2) {
      return null;
    }
    try {
      long n = Long.parseLong(p[0].strip());
      long unit =
          switch (p[1].strip()) {
            case "s" -> 1000L;
            case "min" -> 60_000L;
            case "h" -> 3_600_000L;
            default ->
                p[1].strip().endsWith("ms") ? Long.parseLong(p[1].strip().replace("ms", "")) : -1;
          };
      return n < 1 || unit < 1 ? null : new Rate(n, unit);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static Quota quota(String s) {
    String[] p = s.split("/");
    if (p.length != 2) {
      return null;
    }
    try {
      long n = Long.parseLong(p[0].strip());
      Quota.Period per =
          switch (p[1].strip()) {
            case "day" -> Quota.Period.DAY;
            case "month" -> Quota.Period.MONTH;
            default -> null;
          };
      return n < 1 || per == null ? null : new Quota(n, per);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static Polygon polygon(String wkt) {
    String s = wkt.strip();
    if (!s.toUpperCase(Locale.ROOT).startsWith("POLYGON")
        || !s.contains("((")
        || !s.endsWith("))")) {
      return null;
    }
    String inner = s.substring(s.indexOf("((") + 2, s.length() - 2);
    if (inner.contains("(") || inner.contains(")")) {
      return null; // one ring only
    }
    String[] pts = inner.split(",");
    List<double[]> out = new ArrayList<>();
    for (String p : pts) {
      String[] xy = p.strip().split("\\s+");
      if (xy.length != 2) {
        return null;
      }
      try {
        out.add(new double[] {Double.parseDouble(xy[0]), Double.parseDouble(xy[1])});
      } catch (NumberFormatException e) {
        return null;
      }
    }
    if (out.size() > 3 && Objects.deepEquals(out.get(0), out.get(out.size() - 1))) {
      out.remove(out.size() - 1); // WKT closes its ring; the model does not repeat the first vertex
    }
    if (out.size() < 3) {
      return null;
    }
    double[] lon = new double[out.size()];
    double[] lat = new double[out.size()];
    for (int i = 0; i < lon.length; i++) {
      lon[i] = out.get(i)[0];
      lat[i] = out.get(i)[1];
    }
    return new Polygon(lon, lat);
  }
}
