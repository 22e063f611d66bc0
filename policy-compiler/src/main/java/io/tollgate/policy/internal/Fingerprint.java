package io.tollgate.policy.internal;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.tollgate.policy.Action;
import io.tollgate.policy.model.AtomicConstraint;
import io.tollgate.policy.model.Constraint;
import io.tollgate.policy.model.Duty;
import io.tollgate.policy.model.LogicalConstraint;
import io.tollgate.policy.model.OpaReference;
import io.tollgate.policy.model.Policy;
import io.tollgate.policy.model.Polygon;
import io.tollgate.policy.model.Quota;
import io.tollgate.policy.model.Rate;
import io.tollgate.policy.model.Rule;
import io.tollgate.policy.model.TimeWindow;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The content hash of a policy: SHA-256 over a canonical text of its model (source positions
 * excluded), so that the same contract written differently (other key order, other file, other
 * line) has the same version, and any change of meaning gives a new one.
 *
 * <p>The canonical text is unambiguous: every string is JSON-quoted and every composite value is
 * written with its type and delimiters, so no two different models share a text (a list of two
 * purposes and one purpose containing a comma do not collide).
 */
public final class Fingerprint {
  private Fingerprint() {}

  /** Canonical text of a policy. */
  public static String canonical(Policy p) {
    StringBuilder sb = new StringBuilder(256);
    sb.append("tollgate-policy-fingerprint-v2\nuid=");
    quote(sb, p.uid());
    sb.append("\ntype=").append(p.type()).append("\nassigner=");
    quote(sb, p.assigner());
    sb.append("\nassignee=");
    quote(sb, p.assignee());
    sb.append("\ntarget=");
    quote(sb, p.target());
    sb.append("\nzone=");
    quote(sb, p.zone().getId());
    sb.append("\nprice=");
    if (p.price() != null) {
      price(sb, p.price());
    } else {
      sb.append("none");
    }
    rules(sb, "permission", p.permissions());
    rules(sb, "prohibition", p.prohibitions());
    return sb.toString();
  }

  private static void rules(StringBuilder sb, String kind, List<Rule> rules) {
    for (Rule r : rules) {
      sb.append('\n').append(kind).append(" actions=[");
      for (Action a : r.actions()) {
        sb.append(a.term()).append(',');
      }
      sb.append(']');
      for (Constraint c : r.constraints()) {
        sb.append("\n  ");
        constraint(sb, c);
      }
      for (Duty d : r.duties()) {
        sb.append("\n  duty ");
        quote(sb, d.field());
        sb.append(' ').append(d.method());
      }
    }
  }

  private static void constraint(StringBuilder sb, Constraint c) {
    if (c instanceof AtomicConstraint a) {
      sb.append(a.leftOperand().term()).append(' ').append(a.operator().term()).append(' ');
      value(sb, a.rightOperand());
    } else if (c instanceof LogicalConstraint l) {
      sb.append(l.op()).append('(');
      for (Constraint child : l.constraints()) {
        constraint(sb, child);
        sb.append(';');
      }
      sb.append(')');
    }
  }

  private static void value(StringBuilder sb, Object v) {
    if (v instanceof String s) {
      quote(sb, s);
    } else if (v instanceof List<?> list) {
      sb.append('[');
      for (Object e : list) {
        value(sb, e);
        sb.append(',');
      }
      sb.append(']');
    } else if (v instanceof Map<?, ?> m) {
      sb.append('{');
      for (Map.Entry<?, ?> e : new TreeMap<>(m).entrySet()) {
        value(sb, e.getKey());
        sb.append(':');
        value(sb, e.getValue());
        sb.append(',');
      }
      sb.append('}');
    } else if (v instanceof OpaReference o) {
      sb.append("opa(");
      quote(sb, o.wasm());
      sb.append(',');
      quote(sb, o.entrypoint());
      sb.append(',');
      value(sb, o.input());
      sb.append(',');
      quote(sb, o.dataJson() == null ? "" : o.dataJson());
      sb.append(')');
    } else if (v instanceof Polygon p) {
      sb.append("polygon").append(p);
    } else if (v instanceof TimeWindow w) {
      sb.append("window(").append(w.from()).append(',').append(w.until()).append(')');
    } else if (v instanceof Rate r) {
      sb.append("rate(").append(r.permits()).append(',').append(r.unitMillis()).append(')');
    } else if (v instanceof Quota q) {
      sb.append("quota(").append(q.permits()).append(',').append(q.period()).append(')');
    } else if (v instanceof Enum<?> e) {
      sb.append(e.getDeclaringClass().getSimpleName()).append('.').append(e.name());
    } else if (v instanceof Number || v instanceof java.time.Instant) {
      sb.append(v.getClass().getSimpleName()).append('(').append(v).append(')');
    } else {
      throw new IllegalArgumentException("no canonical form for " + v.getClass().getName());
    }
  }

  private static void quote(StringBuilder sb, String s) {
    if (s == null) {
      sb.append("null");
      return;
    }
    sb.append('"');
    JsonStringEncoder.getInstance().quoteAsString(s, sb);
    sb.append('"');
  }

  /** Hex SHA-256 of the text. */
  public static String sha256(String text) {
    return sha256(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Hex SHA-256 of bytes. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every JDK", e);
    }
  }

  /** Every price term, decimals without trailing zeros (1.50 and 1.5 are one price). */
  private static void price(StringBuilder sb, io.tollgate.policy.model.Price p) {
    if (p.amount() != null && p.minimum() == null && p.commission() == null) {
      // the first form hashes as it always did: a contract that did not change keeps its version
      sb.append(dec(p.amount())).append(' ');
      quote(sb, p.currency());
      sb.append('/');
      quote(sb, p.per());
      return;
    }
    sb.append("v3 ");
    quote(sb, p.currency());
    sb.append('/');
    quote(sb, p.per());
    sb.append(" amount=").append(dec(p.amount()));
    if (p.tiers() != null) {
      sb.append(" tiers=").append(p.tiers().mode());
      for (var t : p.tiers().steps()) {
        sb.append(' ').append(t.upTo()).append(':').append(dec(t.amount()));
      }
    }
    if (p.pack() != null) {
      sb.append(" package=").append(p.pack().size()).append(':').append(dec(p.pack().amount()));
    }
    if (p.subscription() != null) {
      var u = p.subscription();
      sb.append(" subscription=")
          .append(dec(u.monthly()))
          .append(':')
          .append(u.included())
          .append(':')
          .append(dec(u.overage()));
    }
    sb.append(" minimum=").append(dec(p.minimum()));
    if (p.commission() != null) {
      var c = p.commission();
      sb.append(" commission=")
          .append(dec(c.rate()))
          .append(':')
          .append(dec(c.min()))
          .append(':')
          .append(dec(c.max()));
    }
  }

  private static String dec(java.math.BigDecimal d) {
    return d == null ? "-" : d.stripTrailingZeros().toPlainString();
  }
}
