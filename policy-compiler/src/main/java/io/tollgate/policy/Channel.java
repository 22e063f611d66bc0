package io.tollgate.policy;

import java.util.Locale;

/** The delivery channel a call arrives over. */
public enum Channel {
  HTTP,
  KAFKA,
  MQTT;

  private static final Channel[] VALUES = values();

  private final String term = name().toLowerCase(Locale.ROOT);

  /** The lower-case term used in contracts and calls (one instance per channel). */
  public String term() {
    return term;
  }

  /** The channel with this term (case-insensitive), or null. */
  public static Channel ofTerm(String term) {
    if (term == null) {
      return null;
    }
    for (Channel c : VALUES) {
      if (c.name().equalsIgnoreCase(term)) {
        return c;
      }
    }
    return null;
  }
}
