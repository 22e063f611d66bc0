package io.tollgate.flink;

import io.tollgate.policy.spi.CounterState;
import io.tollgate.policy.spi.CounterStore;
import io.tollgate.policy.spi.LimitSpec;
import java.util.IdentityHashMap;
import org.apache.flink.api.common.state.MapState;

/**
 * Counters of stateful limits in Flink keyed state: a {@code MapState} from counter key (the
 * contract id) to {@link CounterState}, under the current Flink key. Snapshotted with every
 * checkpoint, so limits survive failures and restarts. Atomic per key because Flink processes one
 * record per key at a time.
 *
 * <p>Under the key of a counter shard ({@link CounterShards}) the store enforces that shard's part
 * of each limit: {@link #shard} says which, before each call.
 */
public final class FlinkCounterStore implements CounterStore {
  private final MapState<String, CounterState> state;
  private final IdentityHashMap<LimitSpec, LimitSpec[]> parts = new IdentityHashMap<>();
  private int shard;
  private int shards = 1;

  public FlinkCounterStore(MapState<String, CounterState> state) {
    this.state = state;
  }

  /** The next calls belong to shard {@code index} of {@code count}: they spend its part. */
  public FlinkCounterStore shard(int index, int count) {
    this.shard = index;
    this.shards = count;
    return this;
  }

  @Override
  public int tryAcquire(String key, LimitSpec spec, long tsMillis) {
    LimitSpec applied = shards == 1 ? spec : part(spec);
    try {
      CounterState s = state.get(key);
      if (s == null) {
        s = new CounterState();
      }
      int failed = applied.tryAcquire(s, tsMillis);
      state.put(key, s);
      return failed;
    } catch (Exception e) {
      throw new IllegalStateException("counter state of " + key + " unavailable", e);
    }
  }

  private LimitSpec part(LimitSpec spec) {
    LimitSpec[] p = parts.get(spec);
    if (p == null || p.length != shards) {
      if (parts.size() >= 4096) {
        parts.clear(); // specs of replaced contract versions
      }
      p = new LimitSpec[shards];
      parts.put(spec, p);
    }
    LimitSpec s = p[shard];
    if (s == null) {
      s = spec.part(shard, shards);
      p[shard] = s;
    }
    return s;
  }
}
