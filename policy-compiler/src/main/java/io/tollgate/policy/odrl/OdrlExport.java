package io.tollgate.policy.odrl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.tollgate.policy.Action;
import io.tollgate.policy.Channel;
import io.tollgate.policy.model.AtomicConstraint;
import io.tollgate.policy.model.Constraint;
import io.tollgate.policy.model.Duty;
import io.tollgate.policy.model.LogicalConstraint;
import io.tollgate.policy.model.Policy;
import io.tollgate.policy.model.Polygon;
import io.tollgate.policy.model.Quota;
import io.tollgate.policy.model.Rate;
import io.tollgate.policy.model.Rule;
import io.tollgate.policy.model.TimeWindow;
import java.io.IOException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A contract written as its ODRL 2.2 equivalent, in JSON-LD: {@code tollgate policy export --odrl}.
 * Reading it back ({@link OdrlPolicySource}) gives the same model, so the same version and the same
 * decisions. Terms ODRL lacks are the Tollgate profile's ({@code tg:}, docs/odrl.md); the price and
 * an OPA reference travel as JSON literals, in the YAML form's own shape.
 */
public final class OdrlExport {
  private OdrlExport() {}

  static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<Action> ODRL_ACTIONS =
      Set.of(
          Action.USE,
          Action.READ,
          Action.STREAM,
          Action.AGGREGATE,
          Action.ANONYMIZE,
          Action.DERIVE,
          Action.DISPLAY,
          Action.INDEX,
          Action.TRANSFER,
          Action.DISTRIBUTE,
          Action.SELL);

  /**
   * The JSON-LD document of {@code p}, a contract read from YAML (its text gives price and OPA).
   */
  public static ObjectNode toJsonLd(Policy p) throws IOException {
    JsonNode yaml =
        p.origin() != null && p.origin().text() != null
            ? new YAMLMapper().readTree(p.origin().text())
            : JSON.createObjectNode();
    ObjectNode d = JSON.createObjectNode();
    ArrayNode ctx = d.putArray("@context");
    ctx.add("http://www.w3.org/ns/odrl.jsonld");
    ctx.addObject().put("tg", Odrl.TG);
    d.put(
        "@type",
        switch (p.type()) {
          case AGREEMENT -> "Agreement";
          case OFFER -> "Offer";
          case SET -> "Set";
        });
    d.put("uid", OdrlPolicySource.iriOf(p.uid()));
    d.put("profile", Odrl.TG_PROFILE);
    if (p.assigner() != null) {
      d.put("assigner", OdrlPolicySource.iriOf(p.assigner()));
    }
    if (p.assignee() != null) {
      d.put("assignee", OdrlPolicySource.iriOf(p.assignee()));
    }
    if (p.target() != null) {
      d.put("target", OdrlPolicySource.iriOf(p.target()));
    }
    if (!p.zone().getId().equals("Z")) {
      d.put("tg:zone", p.zone().getId());
    }
    if (p.price() != null && yaml.has("price")) {
      d.set("tg:price", json(yaml.get("price")));
    }
    rules(d, "permission", p.permissions(), yaml);
    rules(d, "prohibition", p.prohibitions(), yaml);
    return d;
  }

  private static ObjectNode json(JsonNode v) {
    ObjectNode o = JSON.createObjectNode();
    o.put("@type", "@json");
    o.set("@value", v);
    return o;
  }

  private static void rules(ObjectNode d, String kind, List<Rule> rules, JsonNode yaml) {
    if (rules.isEmpty()) {
      return;
    }
    ArrayNode out = d.putArray(kind);
    for (Rule r : rules) {
      for (Action a : r.actions()) {
        ObjectNode rule = out.addObject();
        rule.put("action", ODRL_ACTIONS.contains(a) ? a.term() : "tg:" + a.term());
        if (!r.constraints().isEmpty()) {
          ArrayNode cs = rule.putArray("constraint");
          for (Constraint c : r.constraints()) {
            cs.add(constraint(c, yaml));
          }
        }
        if (!r.duties().isEmpty()) {
          ArrayNode ds = rule.putArray("duty");
          for (Duty duty : r.duties()) {
            ObjectNode du = ds.addObject();
            ObjectNode act = du.putObject("action");
            act.putObject("rdf:value").put("@id", "odrl:anonymize");
            ArrayNode refs = act.putArray("refinement");
            refs.addObject()
                .put("leftOperand", "tg:field")
                .put("operator", "eq")
                .put("rightOperand", duty.field());
            refs.addObject()
                .put("leftOperand", "tg:maskMethod")
                .put("operator", "eq")
                .put("rightOperand", duty.method().term());
          }
        }
      }
    }
  }

  private static ObjectNode constraint(Constraint c, JsonNode yaml) {
    ObjectNode o = JSON.createObjectNode();
    if (c instanceof LogicalConstraint l) {
      String name =
          switch (l.op()) {
            case AND -> "and";
            case OR -> "or";
            case XONE -> "xone";
            case AND_SEQUENCE -> "andSequence";
          };
      ArrayNode parts = JSON.createArrayNode();
      for (Constraint p : l.constraints()) {
        parts.add(constraint(p, yaml));
      }
      if (l.op() == LogicalConstraint.Op.AND_SEQUENCE) {
        o.putObject(name).set("@list", parts);
      } else {
        o.set(name, parts);
      }
      return o;
    }
    AtomicConstraint a = (AtomicConstraint) c;
    String left =
        switch (a.leftOperand()) {
          case PURPOSE -> "purpose";
          case DATE_TIME -> "dateTime";
          case TIME_OF_DAY -> "tg:timeOfDay";
          case DAY_OF_WEEK -> "tg:dayOfWeek";
          case FIELD -> "tg:field";
          case SPATIAL -> "spatial";
          case SPATIAL_COORDINATES -> "spatialCoordinates";
          case DELIVERY_CHANNEL -> "deliveryChannel";
          case COUNT -> "count";
          case QUOTA -> "tg:quota";
          case RATE -> "tg:rate";
          case OPA -> "tg:opa";
        };
    o.put("leftOperand", left);
    o.put("operator", a.operator().term());
    Object r = a.rightOperand();
    if (r instanceof Instant i) {
      o.putObject("rightOperand").put("@value", i.toString()).put("@type", "xsd:dateTime");
    } else if (r instanceof TimeWindow w) {
      o.put("rightOperand", w.from() + "/" + w.until());
    } else if (r instanceof Polygon g) {
      StringBuilder b = new StringBuilder("POLYGON((");
      for (int i = 0; i <= g.size(); i++) {
        int k = i % g.size();
        b.append(i == 0 ? "" : ", ").append(g.lon(k)).append(' ').append(g.lat(k));
      }
      o.put("rightOperand", b.append("))").toString());
    } else if (r instanceof Long n) {
      o.put("rightOperand", n);
    } else if (r instanceof Quota q) {
      o.put("rightOperand", q.permits() + "/" + (q.period() == Quota.Period.DAY ? "day" : "month"));
    } else if (r instanceof Rate rt) {
      String unit =
          rt.unitMillis() == 1000
              ? "s"
              : rt.unitMillis() == 60_000
                  ? "min"
                  : rt.unitMillis() == 3_600_000 ? "h" : rt.unitMillis() + "ms";
      o.put("rightOperand", rt.permits() + "/" + unit);
    } else if (r instanceof List<?> list) {
      ArrayNode vs = o.putArray("rightOperand");
      for (Object v : list) {
        vs.add(
            v instanceof DayOfWeek d
                ? d.name().substring(0, 3)
                : v instanceof Channel ch ? ch.term() : String.valueOf(v));
      }
    } else if (a.leftOperand() == io.tollgate.policy.model.LeftOperand.OPA && yaml.has("opa")) {
      o.set("rightOperand", json(yaml.get("opa")));
    } else {
      throw new IllegalArgumentException("no ODRL form for " + a);
    }
    return o;
  }

  /** The document as text, indented. */
  public static String text(Policy p) throws IOException {
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJsonLd(p)) + "\n";
  }
}
