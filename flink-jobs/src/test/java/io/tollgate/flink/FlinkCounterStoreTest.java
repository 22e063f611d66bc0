package io.tollgate.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.Reason;
import io.tollgate.policy.model.Quota;
import io.tollgate.policy.model.Rate;
import io.tollgate.policy.spi.CounterState;
import io.tollgate.policy.spi.CounterStore;
import io.tollgate.policy.spi.CounterStoreContractTest;
import io.tollgate.policy.spi.LimitSpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link FlinkCounterStore} passes the contract every {@link CounterStore} passes, on real Flink
 * keyed state: a {@code MapState<String, CounterState>} with the descriptor the {@link
 * EnforcementFunction} registers ("counters", string keys, {@code CounterState} as a Flink POJO),
 * obtained in a keyed operator opened by Flink's test harness on the heap state backend, under a
 * current key set as the operator would set it for a record.
 *
 * <p><b>One contract test does not apply.</b> {@code concurrentCallersNeverOverspend} has four
 * threads call one store at once. Keyed state is not made for that, and cannot pass it: Flink gives
 * an operator's state to its task thread alone (one record, one key at a time, timers and
 * checkpoints in the same mailbox thread), the current key is a single field of the keyed state
 * backend shared by every caller, the heap backend's {@code CopyOnWriteStateMap} is not
 * thread-safe, and its {@code get} returns the stored {@code CounterState} itself, which {@code
 * LimitSpec.tryAcquire} changes in place without a lock. So four threads lose updates: run on this
 * store, the test saw 1,019 to 1,500 permits of 1,000. In the job the atomicity it asks for comes
 * from Flink's threading model, not from the store. So this store answers {@link
 * #sharedByThreads()} false, the contract test skips that one method (shown as skipped, with the
 * reason), and {@link #sequentialCallersNeverOverspend} checks the same limit the way the job calls
 * the store, one call after another.
 */
class FlinkCounterStoreTest extends CounterStoreContractTest {
  private static final long T0 = Instant.parse("2026-03-02T10:00:00Z").toEpochMilli();

  /** The job's keyed state is keyed by {@code CallRecord.key()}, a long. */
  private static final long FLINK_KEY = 42L;

  private final List<KeyedOneInputStreamOperatorTestHarness<Long, Long, Void>> harnesses =
      new ArrayList<>();

  /** The descriptor of {@link EnforcementFunction#open}, spelled out: the state the job keeps. */
  static MapStateDescriptor<String, CounterState> countersDescriptor() {
    return new MapStateDescriptor<>(
        "counters", BasicTypeInfo.STRING_TYPE_INFO, TypeInformation.of(CounterState.class));
  }

  /**
   * A keyed function that only registers the counters' state, as the enforcement function does in
   * open.
   */
  static final class CountersHolder extends KeyedProcessFunction<Long, Long, Void> {
    private static final long serialVersionUID = 1L;
    transient MapState<String, CounterState> counters;

    @Override
    public void open(OpenContext openContext) {
      counters = getRuntimeContext().getMapState(countersDescriptor());
    }

    @Override
    public void processElement(Long value, Context ctx, Collector<Void> out) {}
  }

  /** A keyed operator of its own harness, and the store on its counters' state. */
  private record Keyed(
      KeyedOneInputStreamOperatorTestHarness<Long, Long, Void> harness,
      KeyedProcessOperator<Long, Long, Void> operator,
      FlinkCounterStore store) {
    /**
     * Makes {@code key} the current key, as the operator does before it hands a record to the
     * function.
     */
    Keyed key(long key) {
      operator.setCurrentKey(key);
      return this;
    }
  }

  /** Opens a keyed operator, from {@code restored} when not null. */
  private Keyed open(OperatorSubtaskState restored) throws Exception {
    CountersHolder fn = new CountersHolder();
    KeyedProcessOperator<Long, Long, Void> op = new KeyedProcessOperator<>(fn);
    var h =
        new KeyedOneInputStreamOperatorTestHarness<Long, Long, Void>(
            op, v -> v, Types.LONG, 128, 1, 0);
    harnesses.add(h);
    if (restored != null) {
      h.initializeState(restored);
    }
    h.open();
    assertThat(fn.counters).as("the function registered its state in open").isNotNull();
    return new Keyed(h, op, new FlinkCounterStore(fn.counters)).key(FLINK_KEY);
  }

  @Override
  protected CounterStore newStore() throws Exception {
    return open(null).store();
  }

  @AfterEach
  void closeHarnesses() throws Exception {
    Exception first = null;
    for (var h : harnesses) {
      try {
        h.close();
      } catch (Exception e) {
        first = first == null ? e : first;
      }
    }
    harnesses.clear();
    if (first != null) {
      throw first;
    }
  }

  /**
   * What {@code concurrentCallersNeverOverspend} asks, as the job's single task thread calls the
   * store.
   */
  @Test
  void sequentialCallersNeverOverspend() throws Exception {
    CounterStore store = newStore();
    LimitSpec spec = new LimitSpec(1000, null, null, ZoneOffset.UTC);
    int permitted = 0;
    int refused = 0;
    for (int i = 0; i < 2000; i++) {
      int failed = store.tryAcquire("shared", spec, T0);
      if (failed == 0) {
        permitted++;
      } else {
        assertThat(failed).isEqualTo(Reason.TOTAL.bit());
        refused++;
      }
    }
    assertThat(permitted).isEqualTo(1000);
    assertThat(refused).isEqualTo(1000);
  }

  @Test
  void countersSurviveASnapshotAndRestore() throws Exception {
    LimitSpec spec = new LimitSpec(3, null, null, ZoneOffset.UTC);
    Keyed before = open(null);
    assertThat(before.store().tryAcquire("k", spec, T0)).isZero();
    assertThat(before.store().tryAcquire("k", spec, T0)).isZero();
    OperatorSubtaskState snapshot = before.harness().snapshot(1L, T0);
    before.harness().close();

    Keyed after = open(snapshot);
    assertThat(after.store().tryAcquire("k", spec, T0)).as("the third of three").isZero();
    assertThat(after.store().tryAcquire("k", spec, T0))
        .as("past the total")
        .isEqualTo(Reason.TOTAL.bit());
    // the counters are keyed: another (consumer, dataset) of the restored operator starts at zero
    after.key(FLINK_KEY + 1);
    for (int i = 0; i < 3; i++) {
      assertThat(after.store().tryAcquire("k", spec, T0)).as("another key, call %d", i).isZero();
    }
    assertThat(after.store().tryAcquire("k", spec, T0)).isEqualTo(Reason.TOTAL.bit());
  }

  /**
   * Every field of {@code CounterState} (total, quota periods and counts, the bucket) goes through
   * Flink's POJO serializer: after a restore mid-way, the store decides each call as the spec does
   * on a plain state that was never serialized. The calls come in bursts over three days, so that
   * the rate, the daily quota and the total each refuse some.
   */
  @Test
  void aRestoreMidStreamDecidesAsAnUninterruptedState() throws Exception {
    LimitSpec spec =
        new LimitSpec(250, new Quota(100, Quota.Period.DAY), new Rate(2, 60_000), ZoneOffset.UTC);
    CounterState plain = new CounterState();
    Random random = new Random(11);
    long[] t = {T0};
    Keyed before = open(null);
    int reasonsBefore = 0;
    for (int i = 0; i < 1000; i++) {
      reasonsBefore |= expectSame(before.store(), spec, plain, random, t, i);
    }
    OperatorSubtaskState snapshot = before.harness().snapshot(1L, t[0]);
    before.harness().close();

    Keyed after = open(snapshot);
    int reasonsAfter = 0;
    for (int i = 1000; i < 3000; i++) {
      reasonsAfter |= expectSame(after.store(), spec, plain, random, t, i);
    }
    assertThat(reasonsBefore).as("refusals before the snapshot").isNotZero();
    assertThat(reasonsAfter)
        .as("refusals after the restore")
        .isEqualTo(Reason.TOTAL.bit() | Reason.QUOTA.bit() | Reason.RATE.bit());
  }

  /**
   * One call, a burst step or a pause after the last: the store decides as the spec on the plain
   * state.
   */
  private static int expectSame(
      CounterStore store, LimitSpec spec, CounterState plain, Random random, long[] t, int i) {
    t[0] += random.nextInt(10) < 7 ? random.nextInt(2_000) : random.nextInt(600_000);
    int expected = spec.tryAcquire(plain, t[0]);
    assertThat(store.tryAcquire("k", spec, t[0])).as("call %d at %d", i, t[0]).isEqualTo(expected);
    return expected;
  }

  @Override
  protected boolean sharedByThreads() {
    return false; // see the class comment
  }
}
