package io.tollgate.policy.model;

/** At most {@code permits} calls per calendar period, in the policy's zone. */
public record Quota(long permits, Period period) {

  public enum Period {
    DAY,
    MONTH
  }
}
