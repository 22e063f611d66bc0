package io.tollgate.policy;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The actions a contract may permit, after ODRL 2.2's action vocabulary. An action covers itself
 * and the actions below it: {@code use} covers {@code read}, {@code query}, {@code subscribe},
 * {@code stream} and the other consuming actions; {@code transfer} covers {@code distribute} and
 * {@code sell}.
 */
public enum Action {
  USE(null),
  READ(USE),
  QUERY(USE),
  SUBSCRIBE(USE),
  STREAM(USE),
  AGGREGATE(USE),
  ANALYZE(USE),
  ANONYMIZE(USE),
  DERIVE(USE),
  DISPLAY(USE),
  INDEX(USE),
  TRANSFER(null),
  DISTRIBUTE(TRANSFER),
  SELL(TRANSFER);

  private static final Action[] VALUES = values();

  private final Action parent;
  private final String term;

  Action(Action parent) {
    this.parent = parent;
    this.term = name().toLowerCase(Locale.ROOT);
  }

  /** The ODRL term, lower case ({@code use}, {@code read}, ...). */
  public String term() {
    return term;
  }

  /** True when permitting this action permits {@code other}. */
  public boolean covers(Action other) {
    for (Action a = other; a != null; a = a.parent) {
      if (a == this) {
        return true;
      }
    }
    return false;
  }

  /** Bit mask (by ordinal) of this action and every action it covers. */
  public long coverageMask() {
    long mask = 0;
    for (Action a : VALUES) {
      if (covers(a)) {
        mask |= 1L << a.ordinal();
      }
    }
    return mask;
  }

  /**
   * The action with this term (case-insensitive, with or without an {@code odrl:} prefix), or null.
   */
  public static Action ofTerm(String term) {
    if (term == null) {
      return null;
    }
    String t = term.startsWith("odrl:") ? term.substring(5) : term;
    for (Action a : VALUES) {
      if (a.term.equalsIgnoreCase(t)) {
        return a;
      }
    }
    return null;
  }

  /** All terms, for error messages. */
  public static String terms() {
    return Arrays.stream(VALUES).map(Action::term).collect(Collectors.joining(", "));
  }

  static List<Action> all() {
    return List.of(VALUES);
  }
}
