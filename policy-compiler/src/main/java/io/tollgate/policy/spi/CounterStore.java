package io.tollgate.policy.spi;

/**
 * Where the counters of stateful limits live: in memory here, Flink keyed state in the stream,
 * Redis in a gateway cluster. Every implementation passes the same contract test ({@code
 * CounterStoreContractTest}) and applies {@link LimitSpec#tryAcquire} semantics atomically per key.
 */
public interface CounterStore {

  /**
   * Atomically: if every limit of {@code spec} has room for {@code key} at event time {@code
   * tsMillis}, consume one call and return 0; otherwise consume nothing and return the mask of
   * exhausted limits.
   *
   * @param key the counter key (the contract id; enforcement points may add a partition)
   */
  int tryAcquire(String key, LimitSpec spec, long tsMillis);
}
