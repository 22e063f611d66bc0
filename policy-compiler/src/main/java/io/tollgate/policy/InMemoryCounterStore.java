package io.tollgate.policy;

import io.tollgate.policy.spi.CounterState;
import io.tollgate.policy.spi.CounterStore;
import io.tollgate.policy.spi.LimitSpec;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link CounterStore} in this JVM's heap, for a single enforcement point and for {@code policy
 * eval}. Thread-safe: each key's state is updated under its own lock. Allocates only the first time
 * a key is seen.
 */
public final class InMemoryCounterStore implements CounterStore {
  private final ConcurrentHashMap<String, CounterState> states = new ConcurrentHashMap<>();

  @Override
  public int tryAcquire(String key, LimitSpec spec, long tsMillis) {
    CounterState s = states.get(key);
    if (s == null) {
      s = states.computeIfAbsent(key, k -> new CounterState());
    }
    synchronized (s) {
      return spec.tryAcquire(s, tsMillis);
    }
  }

  /** Number of keys with state. */
  public int size() {
    return states.size();
  }

  /** Forgets every counter. */
  public void clear() {
    states.clear();
  }
}
