package io.tollgate.policy;

import java.util.Locale;

/** How an enforcement point masks a field that a contract marks for masking. */
public enum MaskMethod {
  /**
   * Replace the value by a keyed hash (stable pseudonym): joins stay possible, values do not leak.
   */
  HASH,
  /** Replace the value by a fixed placeholder. */
  REDACT,
  /** Remove the field. */
  DROP;

  public String term() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The method with this term (case-insensitive), or null. */
  public static MaskMethod ofTerm(String term) {
    for (MaskMethod m : values()) {
      if (m.name().equalsIgnoreCase(term)) {
        return m;
      }
    }
    return null;
  }
}
