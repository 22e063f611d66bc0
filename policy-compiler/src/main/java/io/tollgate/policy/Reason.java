package io.tollgate.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Why a call was not permitted. Each reason is one bit of an {@code int} mask so that the decision
 * path can collect every failed constraint without allocating.
 *
 * <p>The enum is declared in the alphabetical order of its codes, so iterating a mask from the
 * lowest bit yields the codes sorted, as the {@link Decision} contract requires.
 */
public enum Reason {
  ACTION("action"),
  CHANNEL("channel"),
  DAYS("days"),
  FIELDS("fields"),
  GEOFENCE("geofence"),
  HOURS("hours"),
  NO_CONTRACT("no-contract"),
  OPA("opa"),
  PERIOD("period"),
  PURPOSE("purpose"),
  QUOTA("quota"),
  RATE("rate"),
  REGION("region"),
  TOTAL("total");

  private static final Reason[] VALUES = values();

  private final String code;
  private final int bit;

  Reason(String code) {
    this.code = code;
    this.bit = 1 << ordinal();
  }

  /** The stable, lower-case code used in decisions, feedback events and metrics. */
  public String code() {
    return code;
  }

  /** This reason's bit in a reason mask. */
  public int bit() {
    return bit;
  }

  /** The codes of a reason mask, sorted. Allocates: for output, not for the decision path. */
  public static List<String> codes(int mask) {
    if (mask == 0) {
      return Collections.emptyList();
    }
    List<String> out = new ArrayList<>(Integer.bitCount(mask));
    for (Reason r : VALUES) {
      if ((mask & r.bit) != 0) {
        out.add(r.code);
      }
    }
    return out;
  }

  /** The reason with this code, or null. */
  public static Reason ofCode(String code) {
    for (Reason r : VALUES) {
      if (r.code.equals(code)) {
        return r;
      }
    }
    return null;
  }

  /** Bits of the stateful limits (total, quota, rate). */
  public static final int STATEFUL = QUOTA.bit | RATE.bit | TOTAL.bit;
}
