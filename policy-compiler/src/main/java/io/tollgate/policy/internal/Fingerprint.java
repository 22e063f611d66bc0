package io.tollgate.policy.internal;

import io.tollgate.policy.Action;
import io.tollgate.policy.model.AtomicConstraint;
import io.tollgate.policy.model.Constraint;
import io.tollgate.policy.model.Duty;
import io.tollgate.policy.model.LogicalConstraint;
import io.tollgate.policy.model.OpaReference;
import io.tollgate.policy.model.Policy;
import io.tollgate.policy.model.Rule;
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
 */
public final class Fingerprint {
  private Fingerprint() {}

  /** Canonical text of a policy, plus extra content (such as referenced Wasm module digests). */
  public static String canonical(Policy p) {
    StringBuilder sb = new StringBuilder(256);
    sb.append("tollgate-policy-fingerprint-v1\nuid=").append(p.uid()).append("\ntype=").append(p.type())
        .append("\nassigner=").append(p.assigner()).append("\nassignee=").append(p.assignee())
        .append("\ntarget=").append(p.target()).append("\nzone=").append(p.zone().getId())
        .append("\nprice=");
    if (p.price() != null) {
      sb.append(p.price().amount().stripTrailingZeros().toPlainString()).append(' ')
          .append(p.price().currency()).append('/').append(p.price().per());
    }
    rules(sb, "permission", p.permissions());
    rules(sb, "prohibition", p.prohibitions());
    return sb.toString();
  }

  private static void rules(StringBuilder sb, String kind, List<Rule> rules) {
    for (Rule r : rules) {
      sb.append('\n').append(kind).append(" actions=");
      for (Action a : r.actions()) {
        sb.append(a.term()).append(',');
      }
      for (Constraint c : r.constraints()) {
        sb.append("\n  ");
        constraint(sb, c);
      }
      for (Duty d : r.duties()) {
        sb.append("\n  duty ").append(d.field()).append(' ').append(d.method());
      }
    }
  }

  private static void constraint(StringBuilder sb, Constraint c) {
    if (c instanceof AtomicConstraint a) {
      sb.append(a.leftOperand().term()).append(' ').append(a.operator().term()).append(' ');
      Object r = a.rightOperand();
      if (r instanceof OpaReference o) {
        sb.append("opa(").append(o.wasm()).append(',').append(o.entrypoint()).append(',')
            .append(new TreeMap<>(o.input())).append(',').append(o.dataJson()).append(')');
      } else if (r instanceof Map<?, ?> m) {
        sb.append(new TreeMap<>(m));
      } else {
        sb.append(r);
      }
    } else if (c instanceof LogicalConstraint l) {
      sb.append(l.op()).append('(');
      for (Constraint child : l.constraints()) {
        constraint(sb, child);
        sb.append(';');
      }
      sb.append(')');
    }
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
}
