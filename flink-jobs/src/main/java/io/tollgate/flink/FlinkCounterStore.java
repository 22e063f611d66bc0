package io.tollgate.flink;

import io.tollgate.policy.spi.CounterState;
import io.tollgate.policy.spi.CounterStore;
import io.tollgate.policy.spi.LimitSpec;
import org.apache.flink.api.common.state.MapState;

/**
 * Counters of stateful limits in Flink keyed state: a {@code MapState} from counter key (the
 * contract id) to {@link CounterState}, under the current Flink key. Snapshotted with every
 * checkpoint, so limits survive failures and restarts. Atomic per key because Flink processes one
 * record per key at a time.
 */
public final class FlinkCounterStore implements CounterStore {
  private final MapState<String, CounterState> state;

  public FlinkCounterStore(MapState<String, CounterState> state) {
    this.state = state;
  }

  @Override
  public int tryAcquire(String key, LimitSpec spec, long tsMillis) {
    try {
      CounterState s = state.get(key);
      if (s == null) {
        s = new CounterState();
      }
      int failed = spec.tryAcquire(s, tsMillis);
      state.put(key, s);
      return failed;
    } catch (Exception e) {
      throw new IllegalStateException("counter state of " + key + " unavailable", e);
    }
  }
}
