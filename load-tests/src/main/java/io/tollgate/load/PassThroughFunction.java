package io.tollgate.load;

import io.tollgate.enforcement.records.CallRecord;
import io.tollgate.enforcement.records.EventWriter;
import io.tollgate.enforcement.records.PolicyRecord;
import io.tollgate.flink.EnforcementFunction;
import io.tollgate.flink.FlinkCounterStore;
import io.tollgate.flink.Out;
import io.tollgate.policy.spi.CounterState;
import io.tollgate.policy.spi.LimitSpec;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The pass-through baseline of the stream load: in the enforcement job's place (same sources,
 * triage, keying, sinks and record writers), it touches a keyed counter the way a rate limit would,
 * writes a PERMIT feedback event and a delivered record with the whole payload for every call, and
 * makes no decision. What enforcement costs is the difference.
 */
public final class PassThroughFunction
    extends KeyedBroadcastProcessFunction<Long, CallRecord, PolicyRecord, Out> {
  private static final long serialVersionUID = 1L;
  private static final LimitSpec PASS = new LimitSpec(Long.MAX_VALUE, null, null, null);

  private transient FlinkCounterStore counters;
  private transient EventWriter writer;

  @Override
  public void open(OpenContext openContext) {
    counters =
        new FlinkCounterStore(
            getRuntimeContext()
                .getMapState(
                    new MapStateDescriptor<>(
                        "counters",
                        BasicTypeInfo.STRING_TYPE_INFO,
                        TypeInformation.of(CounterState.class))));
    writer = new EventWriter(new byte[] {0});
  }

  @Override
  public void processElement(CallRecord r, ReadOnlyContext ctx, Collector<Out> out) {
    byte[] key = r.consumer.getBytes(StandardCharsets.UTF_8);
    counters.tryAcquire("pass-through", PASS, r.ts);
    out.collect(
        new Out(
            key, writer.feedback(r, "PERMIT", 0, null, null, ctx.currentProcessingTime()), r.ts));
    ctx.output(
        EnforcementFunction.DELIVERED,
        new Out(key, writer.delivered(r, null, null, null, null), r.ts));
  }

  @Override
  public void processBroadcastElement(PolicyRecord r, Context ctx, Collector<Out> out)
      throws Exception {
    if (r.error == null) { // keep the contracts as the enforcement job does, without compiling them
      if (r.text == null) {
        ctx.getBroadcastState(EnforcementFunction.CONTRACTS).remove(r.contractId);
      } else {
        ctx.getBroadcastState(EnforcementFunction.CONTRACTS).put(r.contractId, r.text);
      }
    }
    ctx.getBroadcastState(EnforcementFunction.POLICY_OFFSETS).put(r.partition, r.offset + 1);
  }
}
