package io.tollgate.policy.model;

/** At most {@code permits} calls per {@code unitMillis}, as a token bucket that starts full. */
public record Rate(long permits, long unitMillis) {

  @Override
  public String toString() {
    String unit =
        unitMillis == 1000
            ? "s"
            : unitMillis == 60_000 ? "min" : unitMillis == 3_600_000 ? "h" : unitMillis + "ms";
    return permits + "/" + unit;
  }
}
