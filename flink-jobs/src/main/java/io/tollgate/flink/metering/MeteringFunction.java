package io.tollgate.flink.metering;

import io.tollgate.enforcement.contracts.ContractRecords;
import io.tollgate.enforcement.records.PolicyRecord;
import io.tollgate.flink.Out;
import io.tollgate.metering.Billing;
import io.tollgate.metering.ContractTerms;
import io.tollgate.metering.UsageLedger;
import io.tollgate.metering.UsageRecords;
import io.tollgate.policy.PolicyCompiler;
import io.tollgate.policy.PolicyException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link UsageLedger} per (consumer, provider, contract, dataset): each feedback event is
 * counted once; an event-time timer at each flush boundary (hourly by default) emits the running
 * totals of the months that changed, priced with the terms of the contract versions that decided
 * them ({@link Billing}), and one at each month's end plus the grace closes it.
 *
 * <p>The contracts come from {@code tollgate.policies} (broadcast): every version ever seen is kept
 * in broadcast state, so that usage is priced with the version that decided it after the topic has
 * compacted that version away. The contracts on the topic when the job was built are handed in too,
 * so a fresh job knows them before its first feedback event. An event of a contract not known yet
 * waits (in keyed state) for its contract, at most {@code policiesWaitMs}: its months are those of
 * the contract's zone.
 */
public final class MeteringFunction
    extends KeyedBroadcastProcessFunction<String, Metered, PolicyRecord, Out> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(MeteringFunction.class);

  /**
   * Contract versions by {@code contract + "\n" + version}; the latest by {@code contract + "\n"}.
   */
  public static final MapStateDescriptor<String, String> CONTRACTS =
      new MapStateDescriptor<>("contract-versions", Types.STRING, Types.STRING);

  private final String defaultZone;
  private final long graceMillis;
  private final long flushMillis;
  private final long policiesWaitMillis;
  private final long idleFlushMillis;
  private final boolean bounded;
  private final HashMap<String, ArrayList<String>> initial; // contract id -> texts, latest last
  private final String opaDir;
  private transient ZoneId defaultZoneId;
  private transient PolicyCompiler compiler;
  private transient Map<String, ContractTerms> compiled; // by contract + "\n" + version
  private transient Map<String, String> initialLatest; // contract -> version
  private transient ValueState<UsageLedger> ledger;
  private transient ValueState<String[]> keyParts;
  private transient ListState<Metered> pending;
  private transient ValueState<Long> parkedAt;
  private transient ValueState<Long> flushAt;
  private transient Counter duplicates;
  private transient Counter counted;
  private transient Counter unpriced;
  private transient Counter waited;

  public MeteringFunction(
      String defaultZone,
      long graceMillis,
      long flushMillis,
      long policiesWaitMillis,
      long idleFlushMillis,
      Map<String, List<String>> initialContracts,
      String opaDir,
      boolean bounded) {
    this.bounded = bounded;
    this.idleFlushMillis = idleFlushMillis;
    this.defaultZone = defaultZone;
    this.graceMillis = graceMillis;
    this.flushMillis = flushMillis;
    this.policiesWaitMillis = policiesWaitMillis;
    this.initial = new HashMap<>();
    initialContracts.forEach((k, v) -> initial.put(k, new ArrayList<>(v)));
    this.opaDir = opaDir;
  }

  @Override
  public void open(OpenContext ctx) {
    defaultZoneId = ZoneId.of(defaultZone);
    compiler = new PolicyCompiler();
    compiled = new HashMap<>();
    initialLatest = new HashMap<>();
    for (Map.Entry<String, ArrayList<String>> c : initial.entrySet()) {
      for (String text : c.getValue()) {
        ContractTerms t = compile(c.getKey(), text, "tollgate.policies (at submission)");
        if (t != null) {
          initialLatest.put(t.contract(), t.version());
        }
      }
    }
    ledger =
        getRuntimeContext()
            .getState(new ValueStateDescriptor<>("ledger", LedgerSerializer.INSTANCE));
    keyParts =
        getRuntimeContext()
            .getState(new ValueStateDescriptor<>("key", BasicArrayTypeInfo.STRING_ARRAY_TYPE_INFO));
    pending =
        getRuntimeContext()
            .getListState(
                new ListStateDescriptor<>(
                    "waiting-for-contract", TypeInformation.of(Metered.class)));
    parkedAt = getRuntimeContext().getState(new ValueStateDescriptor<>("parked-at", Types.LONG));
    flushAt = getRuntimeContext().getState(new ValueStateDescriptor<>("flush-at", Types.LONG));
    duplicates = getRuntimeContext().getMetricGroup().counter("duplicates");
    counted = getRuntimeContext().getMetricGroup().counter("counted");
    unpriced = getRuntimeContext().getMetricGroup().counter("unpricedEmissions");
    waited = getRuntimeContext().getMetricGroup().counter("waitedForContract");
  }

  /** Compiles one version's text, or null (logged) when it does not compile. */
  private ContractTerms compile(String contract, String text, String origin) {
    try {
      Path opa = opaDir == null ? null : Path.of(opaDir);
      ContractTerms t =
          ContractTerms.of(ContractRecords.compile(compiler, contract, text, origin, opa));
      compiled.put(contract + "\n" + t.version(), t);
      return t;
    } catch (PolicyException | RuntimeException e) {
      // the enforcement jobs suspend such a contract: no call is permitted under it
      LOG.warn("metering cannot read contract {} from {}: {}", contract, origin, e.getMessage());
      return null;
    }
  }

  @Override
  public void processBroadcastElement(PolicyRecord r, Context ctx, Collector<Out> out)
      throws Exception {
    if (r.error != null || r.contractId == null || r.text == null) {
      return; // revocations keep their versions: usage they decided is still priced with them
    }
    ContractTerms t =
        compile(r.contractId, r.text, "tollgate.policies/" + r.partition + "@" + r.offset);
    if (t == null) {
      return;
    }
    ctx.getBroadcastState(CONTRACTS).put(t.contract() + "\n" + t.version(), r.text);
    ctx.getBroadcastState(CONTRACTS).put(t.contract() + "\n", t.version());
  }

  private ContractTerms terms(ReadOnlyBroadcastState<String, String> b, String contract, String v)
      throws Exception {
    if (contract == null || v == null) {
      return null;
    }
    String k = contract + "\n" + v;
    ContractTerms t = compiled.get(k);
    if (t == null) {
      String text = b.get(k);
      if (text != null) {
        t = compile(contract, text, "broadcast state");
      }
    }
    return t;
  }

  /** The latest version handed in at submission (tests). */
  String latestVersionForTest(String contract) {
    return initialLatest.get(contract);
  }

  private ContractTerms latest(ReadOnlyBroadcastState<String, String> b, String contract)
      throws Exception {
    if (contract == null) {
      return null;
    }
    String v = b.get(contract + "\n");
    if (v == null) {
      v = initialLatest.get(contract);
    }
    return v == null ? null : terms(b, contract, v);
  }

  @Override
  public void processElement(Metered m, ReadOnlyContext ctx, Collector<Out> out) throws Exception {
    ReadOnlyBroadcastState<String, String> b = ctx.getBroadcastState(CONTRACTS);
    if (parkedAt.value() != null) {
      if (latest(b, m.contract) == null) {
        pending.add(m); // behind the ones already waiting
        return;
      }
      drain(b, ctx.timerService(), out);
    } else if (policiesWaitMillis > 0
        && m.contract != null
        && ledger.value() == null
        && latest(b, m.contract) == null) {
      pending.add(m);
      parkedAt.update(ctx.timerService().currentProcessingTime());
      ctx.timerService()
          .registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 1000);
      return;
    }
    count(m, b, ctx.timerService(), out);
  }

  private void drain(ReadOnlyBroadcastState<String, String> b, TimerService t, Collector<Out> out)
      throws Exception {
    List<Metered> waiting = new ArrayList<>();
    for (Metered w : pending.get()) {
      waiting.add(w);
    }
    pending.clear();
    parkedAt.clear();
    for (Metered w : waiting) {
      count(w, b, t, out);
    }
  }

  private void count(
      Metered m, ReadOnlyBroadcastState<String, String> b, TimerService t, Collector<Out> out)
      throws Exception {
    UsageLedger l = ledger.value();
    if (l == null) {
      ContractTerms terms = latest(b, m.contract);
      if (terms == null && m.contract != null) {
        LOG.warn(
            "contract {} not known after {} ms: its months are counted in {}",
            m.contract,
            policiesWaitMillis,
            defaultZone);
      }
      l = new UsageLedger(terms == null ? defaultZoneId : terms.zone(), graceMillis);
      keyParts.update(new String[] {m.consumer, m.provider, m.contract, m.dataset});
    }
    // the ledger learns the watermark first: whether this event is late is the stream's, not the
    // last timer's, to say (months it closes now are emitted now)
    long wm = watermark(t);
    if (wm > Long.MIN_VALUE) {
      emit(l, l.advance(wm), wm, b, out);
    }
    boolean added =
        l.add(
            new UsageLedger.Event(
                m.id,
                m.decision,
                m.reasons == null || m.reasons.isEmpty()
                    ? List.of()
                    : Arrays.asList(m.reasons.split(",")),
                m.version,
                m.eventTime,
                m.records,
                m.bytes));
    ledger.update(l);
    if (!added) {
      duplicates.inc();
      return;
    }
    counted.inc();
    long at = Math.max(m.eventTime, wm);
    t.registerEventTimeTimer((at / flushMillis + 1) * flushMillis);
    timers(l, t);
    if (idleFlushMillis > 0 && flushAt.value() == null) {
      // running totals also within this long of wall-clock time, so that they catch up when
      // traffic stops (event time does not advance then)
      long due = t.currentProcessingTime() + idleFlushMillis;
      flushAt.update(due);
      t.registerProcessingTimeTimer(due);
    }
  }

  /**
   * The watermark, never more than a day past the wall clock on a running job (a bounded run's
   * last, the greatest, closes every month): feedback is at most that far ahead of its record
   * ({@link FeedbackDeserializer}), so a later watermark is not the stream's (and would close every
   * month before it).
   */
  private long watermark(TimerService t) {
    long wm = t.currentWatermark();
    return wm == Long.MIN_VALUE || bounded
        ? wm
        : Math.min(wm, t.currentProcessingTime() + FeedbackDeserializer.FUTURE_MS);
  }

  /**
   * A close timer for every open month (a correction may land in one without events), and one to
   * forget ids.
   */
  private void timers(UsageLedger l, TimerService t) {
    List<Long> due = new ArrayList<>(l.closeTimes());
    Long forget = l.nextForget();
    if (forget != null) {
      due.add(forget);
    }
    for (long at : due) {
      if (!bounded && at <= t.currentWatermark()) {
        // passed already, but held back by the clamp (the watermark ran more than a day past the
        // clock): an event-time timer would fire again at once, and again; retry on the clock,
        // when the clamp lets it through
        t.registerProcessingTimeTimer(
            Math.max(
                t.currentProcessingTime() + 60_000,
                Math.min(Long.MAX_VALUE - 1, at - FeedbackDeserializer.FUTURE_MS)));
      } else {
        t.registerEventTimeTimer(at);
      }
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Out> out) throws Exception {
    ReadOnlyBroadcastState<String, String> b = ctx.getBroadcastState(CONTRACTS);
    if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
      Long due = flushAt.value();
      if (due != null && timestamp >= due) {
        flushAt.clear();
        UsageLedger l = ledger.value();
        if (l != null) {
          emit(l, l.flush(), timestamp, b, out); // time: the wall clock's
          ledger.update(l);
        }
      }
      UsageLedger held = ledger.value();
      if (held != null && !bounded && ctx.timerService().currentWatermark() > Long.MIN_VALUE) {
        // a close or a forget the clamp held back: as far as the clock lets it now
        List<UsageLedger.Emission> closed = held.advance(watermark(ctx.timerService()));
        if (!closed.isEmpty()) {
          emit(held, closed, timestamp, b, out);
        }
        ledger.update(held);
        timers(held, ctx.timerService());
      }
      Long since = parkedAt.value();
      if (since == null) {
        return;
      }
      String contract = null;
      for (Metered w : pending.get()) {
        contract = w.contract;
        break;
      }
      if (latest(b, contract) != null || timestamp - since >= policiesWaitMillis) {
        waited.inc();
        drain(b, ctx.timerService(), out);
      } else {
        ctx.timerService().registerProcessingTimeTimer(timestamp + 1000);
      }
      return;
    }
    UsageLedger l = ledger.value();
    if (l == null) {
      return;
    }
    // a timer fires at its own time, or all of them at the end of a bounded input
    long at =
        bounded
            ? timestamp // the end of a bounded input closes every month
            : Math.min(
                timestamp,
                ctx.timerService().currentProcessingTime() + FeedbackDeserializer.FUTURE_MS);
    List<UsageLedger.Emission> emitted = new ArrayList<>(l.advance(at));
    emitted.addAll(l.flush());
    emit(l, emitted, timestamp, b, out);
    if (l.empty() && l.used().totalCalls() == 0) {
      ledger.clear(); // every month closed, every id forgotten, nothing ever billed: done
      keyParts.clear();
      return;
    }
    ledger.update(l); // advance changed it even when nothing was emitted
    timers(l, ctx.timerService());
  }

  private void emit(
      UsageLedger l,
      List<UsageLedger.Emission> emitted,
      long time,
      ReadOnlyBroadcastState<String, String> b,
      Collector<Out> out)
      throws Exception {
    if (emitted.isEmpty()) {
      return;
    }
    String[] k = keyParts.value();
    UsageRecords.Key key = new UsageRecords.Key(k[0], k[1], k[2], k[3]);
    byte[] consumer = k[0] == null ? new byte[0] : k[0].getBytes(StandardCharsets.UTF_8);
    ContractTerms latest = latest(b, k[2]);
    for (UsageLedger.Emission e : emitted) {
      Billing.Priced priced =
          Billing.price(
              k[2],
              e,
              v -> {
                try {
                  return terms(b, k[2], v);
                } catch (Exception ex) {
                  throw new IllegalStateException(ex);
                }
              });
      if (!priced.ok()) {
        unpriced.inc();
        LOG.warn("usage of {} in {} is not priced: {}", key, e.period(), priced.error());
      }
      out.collect(
          new Out(consumer, UsageRecords.write(key, l.zone(), e, time, priced, latest), time));
    }
  }
}
