package io.tollgate.policy;

import io.tollgate.policy.model.Policy;

/**
 * A contract compiled for line-rate decisions: its stateless constraints as a conjunction of
 * {@link Check}s over interned ids and epoch ranges, its stateful limits as a {@link LimitSpec} for
 * the runtime's {@link CounterStore}, and its obligations precomputed. Immutable and thread-safe.
 */
public final class CompiledPolicy {
  private final Policy source;
  private final String version;
  private final Vocabulary vocabulary;
  private final Check[] checks;
  private final LimitSpec limits;
  private final Obligations obligations;
  private final String counterKey;

  CompiledPolicy(Policy source, String version, Vocabulary vocabulary, Check[] checks,
      LimitSpec limits, Obligations obligations) {
    this.source = source;
    this.version = version;
    this.vocabulary = vocabulary;
    this.checks = checks;
    this.limits = limits;
    this.obligations = obligations;
    this.counterKey = source.uid();
  }

  /** The contract id. */
  public String id() {
    return source.uid();
  }

  /** Content hash of the contract (hex SHA-256 prefix): changes exactly when its content does. */
  public String version() {
    return version;
  }

  public String consumer() {
    return source.assignee();
  }

  public String dataset() {
    return source.target();
  }

  public String provider() {
    return source.assigner();
  }

  /** The model this was compiled from. */
  public Policy source() {
    return source;
  }

  /** The stateful limits, or null when the contract has none. */
  public LimitSpec limits() {
    return limits;
  }

  /** The key under which the contract's counters are kept. */
  public String counterKey() {
    return counterKey;
  }

  /** Obligations of a permit for a call that names no fields. */
  public Obligations obligations() {
    return obligations;
  }

  /**
   * The mask of stateless reasons the call fails on (0 = every stateless constraint holds). Binds
   * the call to this policy's vocabulary if needed. Allocation-free unless the contract has an OPA
   * constraint.
   */
  public int evaluate(DataCall call) {
    call.bind(vocabulary);
    int failed = 0;
    for (Check c : checks) {
      failed |= c.failures(call);
    }
    return failed;
  }

  @Override
  public String toString() {
    return "CompiledPolicy{" + id() + "@" + version + " " + consumer() + " -> " + dataset() + "}";
  }
}
