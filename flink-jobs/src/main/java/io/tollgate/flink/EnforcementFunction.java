package io.tollgate.flink;

import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.contracts.ContractRecords;
import io.tollgate.enforcement.records.CallRecord;
import io.tollgate.enforcement.records.EventWriter;
import io.tollgate.enforcement.records.PolicyRecord;
import io.tollgate.policy.CompiledPolicy;
import io.tollgate.policy.DataCall;
import io.tollgate.policy.Decision;
import io.tollgate.policy.Diagnostic;
import io.tollgate.policy.PolicyCompiler;
import io.tollgate.policy.PolicyEngine;
import io.tollgate.policy.PolicyException;
import io.tollgate.policy.spi.CounterState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enforcement point of the stream: keyed by (consumer, dataset), it decides every call with the
 * compiled contracts of the broadcast policy stream, keeps the counters of rate, quota and total
 * limits in keyed state, and emits exactly one feedback event per call (main output), one delivered
 * record per permitted call ({@link #DELIVERED}) and dead letters ({@link #DLQ}).
 *
 * <p><b>Policies first.</b> At start the job notes the end offsets of {@code tollgate.policies};
 * calls wait in keyed state until the broadcast side has read up to them (or {@code
 * readyTimeoutMillis} passed), so a fresh job never denies calls for want of contracts it has not
 * read yet. After a restore the broadcast state already holds them.
 *
 * <p><b>Policy changes.</b> A new contract version replaces the old one for every call processed
 * after it arrives; a null value revokes it. A contract that fails to compile is suspended (its
 * calls are denied, {@code no-contract}) and the error goes to the DLQ: a bad update never leaves
 * an older, perhaps wider, version in force.
 */
public final class EnforcementFunction
    extends KeyedBroadcastProcessFunction<Long, CallRecord, PolicyRecord, Out>
    implements CheckpointedFunction {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(EnforcementFunction.class);

  /** Contract id to contract text: every contract in force. */
  public static final MapStateDescriptor<String, String> CONTRACTS =
      new MapStateDescriptor<>(
          "contracts", BasicTypeInfo.STRING_TYPE_INFO, BasicTypeInfo.STRING_TYPE_INFO);

  /** Partition of tollgate.policies to the next offset to read. */
  public static final MapStateDescriptor<Integer, Long> POLICY_OFFSETS =
      new MapStateDescriptor<>(
          "policy-offsets", BasicTypeInfo.INT_TYPE_INFO, BasicTypeInfo.LONG_TYPE_INFO);

  public static final OutputTag<Out> DELIVERED =
      new OutputTag<>("delivered", TypeInformation.of(Out.class));
  public static final OutputTag<Out> DLQ = new OutputTag<>("dlq", TypeInformation.of(Out.class));

  private final HashMap<Integer, Long> policyEndOffsets;
  private final long readyTimeoutMillis;
  private final byte[] maskKey;
  private final String opaDir;
  private long maxParked = 1_000_000;
  private CounterShards shards = new CounterShards(Map.of(), 128);

  private transient MapState<String, CounterState> counterState;
  private transient ListState<CallRecord> waiting;
  private transient FlinkCounterStore counters;
  private transient PolicyCompiler compiler;
  private transient PolicyEngine engine;
  private transient DataCall call;
  private transient Decision decision;
  private transient EventWriter writer;
  private transient boolean ready;
  private transient boolean mayHaveWaiting;
  private transient long firstCallAt;
  private transient long sentinelAt;
  private transient Counter permitted;
  private transient Counter denied;
  private transient Counter throttled;
  private transient long parked;
  private transient HashMap<String, byte[]> outputKeys;

  /**
   * @param policyEndOffsets end offsets of tollgate.policies when the job was built, by partition
   * @param readyTimeoutMillis how long calls wait for the policies at most
   * @param maskKey key of the {@code hash} mask
   * @param opaDir directory OPA modules named by contracts are read from, or null for none
   */
  public EnforcementFunction(
      Map<Integer, Long> policyEndOffsets, long readyTimeoutMillis, byte[] maskKey, String opaDir) {
    this.policyEndOffsets = new HashMap<>(policyEndOffsets);
    this.readyTimeoutMillis = readyTimeoutMillis;
    this.maskKey = maskKey.clone();
    this.opaDir = opaDir;
  }

  /**
   * Most calls one task parks while it waits for the policies; past it, the task stops waiting and
   * decides with the contracts read so far (logged), rather than grow its state without bound.
   */
  public EnforcementFunction parkingAtMost(long calls) {
    this.maxParked = calls;
    return this;
  }

  /**
   * How hot consumers' calls are spread over counter shards: the same {@link CounterShards} the
   * stream is keyed by. Part of the state's shape: a restore with other shard counts is refused.
   */
  public EnforcementFunction sharded(CounterShards shards) {
    this.shards = shards;
    return this;
  }

  /** What the counters were split by when the state was written, one entry per subtask 0. */
  private static final ListStateDescriptor<String> SHARDS =
      new ListStateDescriptor<>("counter-shards", BasicTypeInfo.STRING_TYPE_INFO);

  private transient ListState<String> shardsState;

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    shardsState = context.getOperatorStateStore().getUnionListState(SHARDS);
    if (!context.isRestored()) {
      return;
    }
    java.util.Set<String> written = new java.util.TreeSet<>();
    for (String w : shardsState.get()) {
      written.add(w);
    }
    // a state from before shards existed had none: every consumer had one shard
    String was = written.isEmpty() ? "" : written.iterator().next();
    String now = shards.describe();
    if (written.size() > 1 || !was.equals(now)) {
      throw new IllegalStateException(
          "--hot-consumer differs from the state's: its counters are split "
              + (was.isEmpty() ? "for no consumer" : "as " + was)
              + ", the job splits them "
              + (now.isEmpty() ? "for no consumer" : "as " + now)
              + ". A consumer's shards hold parts of its limits and cannot be re-split yet: start"
              + " with the state's --hot-consumer settings (or, losing every counter, from no"
              + " state)");
    }
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    shardsState.clear();
    if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
      shardsState.add(shards.describe());
    }
  }

  @Override
  public void open(OpenContext openContext) {
    counterState =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>(
                    "counters",
                    BasicTypeInfo.STRING_TYPE_INFO,
                    TypeInformation.of(CounterState.class)));
    waiting =
        getRuntimeContext()
            .getListState(
                new ListStateDescriptor<>("waiting", TypeInformation.of(CallRecord.class)));
    counters = new FlinkCounterStore(counterState);
    compiler = new PolicyCompiler();
    call = new DataCall();
    decision = new Decision();
    writer = new EventWriter(maskKey);
    outputKeys = new HashMap<>();
    // Calls may wait in state (parked before the policies were read, or restored from a
    // checkpoint) until a sentinel timer set when the policies are ready has fired: timers fire in
    // timestamp order, so by then every parked key's timer has drained it.
    mayHaveWaiting = true;
    sentinelAt = Long.MAX_VALUE;
    var metrics = getRuntimeContext().getMetricGroup().addGroup("tollgate");
    permitted = metrics.counter("permitted");
    denied = metrics.counter("denied");
    throttled = metrics.counter("throttled");
  }

  @Override
  public void processElement(CallRecord r, ReadOnlyContext ctx, Collector<Out> out)
      throws Exception {
    if (!ready
        && !checkReady(
            ctx.getBroadcastState(POLICY_OFFSETS),
            ctx.currentProcessingTime(),
            ctx.timerService())) {
      waiting.add(r);
      parked++;
      mayHaveWaiting = true;
      ctx.timerService().registerProcessingTimeTimer((ctx.currentProcessingTime() / 50 + 1) * 50);
      return;
    }
    if (mayHaveWaiting) {
      release(ctx.currentProcessingTime(), out, ctx);
    }
    decide(r, ctx.currentProcessingTime(), out, ctx);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Out> out) throws Exception {
    if (ready
        || checkReady(
            ctx.getBroadcastState(POLICY_OFFSETS),
            ctx.currentProcessingTime(),
            ctx.timerService())) {
      release(ctx.currentProcessingTime(), out, ctx);
      if (timestamp >= sentinelAt) {
        mayHaveWaiting = false;
      }
    } else {
      ctx.timerService().registerProcessingTimeTimer(timestamp + 50);
    }
  }

  /** Decides the calls of the current key that waited for the policies, in arrival order. */
  private void release(long now, Collector<Out> out, ReadOnlyContext ctx) throws Exception {
    Iterable<CallRecord> parked = waiting.get();
    if (parked != null) {
      List<CallRecord> calls = new ArrayList<>();
      parked.forEach(calls::add);
      if (!calls.isEmpty()) {
        waiting.clear();
        for (CallRecord c : calls) {
          decide(c, now, out, ctx);
        }
      }
    }
  }

  private boolean checkReady(
      ReadOnlyBroadcastState<Integer, Long> offsets,
      long now,
      org.apache.flink.streaming.api.TimerService timers)
      throws Exception {
    if (firstCallAt == 0) {
      firstCallAt = now;
    }
    boolean caughtUp = true;
    for (Map.Entry<Integer, Long> e : policyEndOffsets.entrySet()) {
      Long seen = offsets.get(e.getKey());
      if (e.getValue() > 0 && (seen == null || seen < e.getValue())) {
        caughtUp = false;
        break;
      }
    }
    if (!caughtUp && parked >= maxParked) {
      LOG.warn(
          "{} calls parked while reading tollgate.policies up to {}; deciding with the contracts read so far",
          parked,
          policyEndOffsets);
      caughtUp = true;
    }
    if (!caughtUp && now - firstCallAt >= readyTimeoutMillis) {
      LOG.warn(
          "tollgate.policies not read up to {} after {} ms; deciding with the contracts read so far",
          policyEndOffsets,
          readyTimeoutMillis);
      caughtUp = true;
    }
    ready = caughtUp;
    if (ready) {
      sentinelAt = now + 100;
      timers.registerProcessingTimeTimer(sentinelAt);
    }
    return caughtUp;
  }

  private void decide(CallRecord r, long now, Collector<Out> out, ReadOnlyContext ctx)
      throws Exception {
    byte[] key = keyOf(r.consumer);
    int n = shards.shardsOf(r.consumer);
    counters.shard(CounterShards.shardOf(r.id, n), n);
    if (engine == null) { // first call after a (re)start: contracts come from broadcast state
      engine = rebuild(ctx.getBroadcastState(CONTRACTS).immutableEntries());
    }
    engine.decide(r.to(call), counters, decision);
    out.collect(new Out(key, writer.feedback(r, decision, now), r.ts));
    switch (decision.outcome()) {
      case PERMIT:
        permitted.inc();
        ctx.output(
            DELIVERED,
            new Out(
                key,
                writer.delivered(
                    r,
                    decision.contractId(),
                    decision.policyVersion(),
                    decision.project(),
                    decision.masks()),
                r.ts));
        break;
      case THROTTLE:
        throttled.inc();
        break;
      default:
        denied.inc();
    }
  }

  /**
   * The output records' key, the consumer's UTF-8 bytes: the same for every call of the consumer,
   * so kept (at most {@code 4096} consumers; then started afresh). The arrays are never changed.
   */
  private byte[] keyOf(String consumer) {
    byte[] k = outputKeys.get(consumer);
    if (k == null) {
      if (outputKeys.size() >= 4096) {
        outputKeys.clear();
      }
      k = consumer.getBytes(StandardCharsets.UTF_8);
      outputKeys.put(consumer, k);
    }
    return k;
  }

  @Override
  public void processBroadcastElement(PolicyRecord r, Context ctx, Collector<Out> out)
      throws Exception {
    BroadcastState<Integer, Long> offsets = ctx.getBroadcastState(POLICY_OFFSETS);
    Long seen = offsets.get(r.partition);
    if (seen == null || seen < r.offset + 1) {
      offsets.put(r.partition, r.offset + 1);
    }
    BroadcastState<String, String> contracts = ctx.getBroadcastState(CONTRACTS);
    if (engine == null) {
      engine = rebuild(contracts.immutableEntries());
    }
    boolean reporter = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0;
    if (r.error != null) {
      String error = r.error;
      if (r.contractId != null && contracts.contains(r.contractId)) {
        // an update we cannot read must not leave the older version in force
        contracts.remove(r.contractId);
        engine = engine.without(r.contractId);
        error = "contract suspended: " + error;
        if (reporter) {
          LOG.warn("contract {} suspended: {}", r.contractId, r.error);
        }
      }
      if (reporter) {
        ctx.output(DLQ, policyDeadLetter(r, error));
      }
      return;
    }
    if (r.text == null) {
      contracts.remove(r.contractId);
      engine = engine.without(r.contractId);
      if (reporter) {
        LOG.info(
            "contract {} revoked (tollgate.policies {}@{})", r.contractId, r.partition, r.offset);
      }
      return;
    }
    try {
      CompiledPolicy p =
          compile(r.contractId, r.text, "tollgate.policies/" + r.partition + "@" + r.offset);
      contracts.put(r.contractId, r.text);
      engine = engine.with(p);
      if (reporter) {
        LOG.info(
            "contract {} version {} in force (tollgate.policies {}@{})",
            p.id(),
            p.version(),
            r.partition,
            r.offset);
      }
    } catch (PolicyException e) {
      contracts.remove(r.contractId);
      engine = engine.without(r.contractId);
      String errors =
          e.diagnostics().stream().map(Diagnostic::toString).collect(Collectors.joining("; "));
      if (reporter) {
        LOG.warn("contract {} suspended: {}", r.contractId, errors);
        ctx.output(DLQ, policyDeadLetter(r, "contract suspended: " + errors));
      }
    }
  }

  private Out policyDeadLetter(PolicyRecord r, String error) {
    byte[] key =
        r.rawKey != null
            ? r.rawKey
            : r.contractId == null ? null : r.contractId.getBytes(StandardCharsets.UTF_8);
    byte[] value =
        r.rawValue != null
            ? r.rawValue
            : r.text == null ? null : r.text.getBytes(StandardCharsets.UTF_8);
    return new Out(
        key,
        writer.deadLetter(Topics.POLICIES, r.partition, r.offset, r.publishedAt, error, key, value),
        r.publishedAt);
  }

  /** Compiles one contract record: exactly one contract, whose id is the record key. */
  private CompiledPolicy compile(String id, String text, String origin) throws PolicyException {
    return ContractRecords.compile(
        compiler, id, text, origin, opaDir == null ? null : Path.of(opaDir));
  }

  private PolicyEngine rebuild(Iterable<Map.Entry<String, String>> contracts) {
    List<CompiledPolicy> compiled = new ArrayList<>();
    for (Map.Entry<String, String> e : contracts) {
      try {
        compiled.add(compile(e.getKey(), e.getValue(), "tollgate.policies/state"));
      } catch (PolicyException ex) {
        LOG.warn(
            "contract {} in restored state no longer compiles; suspended: {}",
            e.getKey(),
            ex.diagnostics());
      }
    }
    return PolicyEngine.of(compiled);
  }
}
