package io.tollgate.policy.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.Reason;
import io.tollgate.policy.model.Quota;
import io.tollgate.policy.model.Rate;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link CounterStore} must have. Each implementation (in memory here; Flink
 * state and Redis in their modules) extends this class and supplies a fresh, empty store.
 */
public abstract class CounterStoreContractTest {
  private static final long T0 = Instant.parse("2026-03-02T10:00:00Z").toEpochMilli();
  private static final ZoneId UTC = ZoneOffset.UTC;

  /** A new store with no counters. */
  protected abstract CounterStore newStore() throws Exception;

  /**
   * Whether several threads may call one store at once. True for stores shared by threads (in
   * memory, Redis); a store whose runtime serializes every call of a key (Flink keyed state, which
   * only its task thread touches) answers false, and then {@link #concurrentCallersNeverOverspend}
   * does not apply to it.
   */
  protected boolean sharedByThreads() {
    return true;
  }

  @Test
  void consumesUntilExhaustedThenReportsTheLimit() throws Exception {
    CounterStore store = newStore();
    LimitSpec spec = new LimitSpec(3, null, null, UTC);
    assertThat(store.tryAcquire("k", spec, T0)).isZero();
    assertThat(store.tryAcquire("k", spec, T0)).isZero();
    assertThat(store.tryAcquire("k", spec, T0)).isZero();
    assertThat(store.tryAcquire("k", spec, T0)).isEqualTo(Reason.TOTAL.bit());
  }

  @Test
  void keysAreIndependent() throws Exception {
    CounterStore store = newStore();
    LimitSpec spec = new LimitSpec(1, null, null, UTC);
    assertThat(store.tryAcquire("a", spec, T0)).isZero();
    assertThat(store.tryAcquire("b", spec, T0)).isZero();
    assertThat(store.tryAcquire("a", spec, T0)).isEqualTo(Reason.TOTAL.bit());
  }

  @Test
  void aRefusedCallConsumesNothingFromAnyLimit() throws Exception {
    CounterStore store = newStore();
    LimitSpec spec = new LimitSpec(10, new Quota(2, Quota.Period.DAY), new Rate(1, 1000), UTC);
    assertThat(store.tryAcquire("k", spec, T0)).isZero();
    for (int i = 0; i < 5; i++) {
      assertThat(store.tryAcquire("k", spec, T0 + 10)).isEqualTo(Reason.RATE.bit());
    }
    assertThat(store.tryAcquire("k", spec, T0 + 1000)).as("quota still has one call").isZero();
    assertThat(store.tryAcquire("k", spec, T0 + 5000)).isEqualTo(Reason.QUOTA.bit());
  }

  @Test
  void decidesAsTheSpecOnAPlainState() throws Exception {
    CounterStore store = newStore();
    LimitSpec spec = new LimitSpec(50, new Quota(30, Quota.Period.DAY), new Rate(3, 1000), UTC);
    CounterState plain = new CounterState();
    long t = T0;
    java.util.Random random = new java.util.Random(7);
    for (int i = 0; i < 2000; i++) {
      t += random.nextInt(800) - 100;
      assertThat(store.tryAcquire("k", spec, t))
          .as("call %d at %d", i, t)
          .isEqualTo(spec.tryAcquire(plain, t));
    }
  }

  @Test
  void concurrentCallersNeverOverspend() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        sharedByThreads(),
        "the store's runtime serializes every call of a key: several threads never call it at once");
    CounterStore store = newStore();
    LimitSpec spec = new LimitSpec(1000, null, null, UTC);
    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger permitted = new AtomicInteger();
    List<Future<?>> futures = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      futures.add(
          pool.submit(
              () -> {
                start.await();
                for (int j = 0; j < 500; j++) {
                  if (store.tryAcquire("shared", spec, T0) == 0) {
                    permitted.incrementAndGet();
                  }
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(permitted.get()).isEqualTo(1000);
  }
}
