package io.tollgate.flink.metering;

import io.tollgate.flink.Out;
import io.tollgate.metering.UsageLedger;
import io.tollgate.metering.UsageRecords;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * One {@link UsageLedger} per (consumer, provider, contract, dataset): each feedback event is
 * counted once; an event-time timer at each flush boundary (hourly by default) emits the running
 * totals of the months that changed, and one at each month's end plus the grace closes it.
 */
public final class MeteringFunction extends KeyedProcessFunction<String, Metered, Out> {
  private static final long serialVersionUID = 1L;

  private final String zone;
  private final long graceMillis;
  private final long flushMillis;
  private transient ZoneId zoneId;
  private transient ValueState<UsageLedger> ledger;
  private transient ValueState<String[]> keyParts;
  private transient Counter duplicates;
  private transient Counter counted;

  public MeteringFunction(String zone, long graceMillis, long flushMillis) {
    this.zone = zone;
    this.graceMillis = graceMillis;
    this.flushMillis = flushMillis;
  }

  @Override
  public void open(OpenContext ctx) {
    zoneId = ZoneId.of(zone);
    ledger =
        getRuntimeContext()
            .getState(new ValueStateDescriptor<>("ledger", LedgerSerializer.INSTANCE));
    keyParts =
        getRuntimeContext()
            .getState(
                new ValueStateDescriptor<>(
                    "key",
                    org.apache.flink.api.common.typeinfo.BasicArrayTypeInfo
                        .STRING_ARRAY_TYPE_INFO));
    duplicates = getRuntimeContext().getMetricGroup().counter("duplicates");
    counted = getRuntimeContext().getMetricGroup().counter("counted");
  }

  @Override
  public void processElement(Metered m, Context ctx, Collector<Out> out) throws Exception {
    UsageLedger l = ledger.value();
    if (l == null) {
      l = new UsageLedger(zoneId, graceMillis);
      keyParts.update(new String[] {m.consumer, m.provider, m.contract, m.dataset});
    }
    // the ledger learns the watermark first: whether this event is late is the stream's, not the
    // last timer's, to say (months it closes now are emitted now)
    long wm = ctx.timerService().currentWatermark();
    if (wm > Long.MIN_VALUE) {
      emit(l.advance(wm), wm, out);
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
    ctx.timerService().registerEventTimeTimer((at / flushMillis + 1) * flushMillis);
    timers(l, ctx.timerService());
  }

  /**
   * A close timer for every open month (a correction may land in one without events), and one to
   * forget ids.
   */
  private static void timers(UsageLedger l, org.apache.flink.streaming.api.TimerService t) {
    for (long close : l.closeTimes()) {
      t.registerEventTimeTimer(close);
    }
    Long forget = l.nextForget();
    if (forget != null) {
      t.registerEventTimeTimer(forget);
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Out> out) throws Exception {
    UsageLedger l = ledger.value();
    if (l == null) {
      return;
    }
    List<UsageLedger.Emission> emitted = new ArrayList<>(l.advance(timestamp));
    emitted.addAll(l.flush());
    emit(emitted, timestamp, out);
    if (l.empty()) {
      ledger.clear(); // every month closed and every id forgotten: the key is done
      keyParts.clear();
      return;
    }
    ledger.update(l); // advance changed it even when nothing was emitted
    timers(l, ctx.timerService());
  }

  private void emit(List<UsageLedger.Emission> emitted, long time, Collector<Out> out)
      throws Exception {
    if (emitted.isEmpty()) {
      return;
    }
    String[] k = keyParts.value();
    UsageRecords.Key key = new UsageRecords.Key(k[0], k[1], k[2], k[3]);
    byte[] consumer = k[0] == null ? new byte[0] : k[0].getBytes(StandardCharsets.UTF_8);
    for (UsageLedger.Emission e : emitted) {
      out.collect(new Out(consumer, UsageRecords.write(key, zoneId, e, time), time));
    }
  }
}
