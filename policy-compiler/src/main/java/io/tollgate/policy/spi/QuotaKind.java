package io.tollgate.policy.spi;

/**
 * The calendar period a {@link CounterState}'s quota counts are kept for. A contract version with
 * another period kind starts its counts afresh rather than misread them.
 */
public enum QuotaKind {
  /** No quota call counted yet. */
  NONE,
  /** Calendar days in the contract's zone. */
  DAY,
  /** Calendar months in the contract's zone. */
  MONTH
}
