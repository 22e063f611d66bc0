package io.tollgate.flink;

import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.records.CallRecord;
import io.tollgate.enforcement.records.EventWriter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Passes well-formed calls on and turns malformed ones into dead letters ({@link
 * EnforcementFunction#DLQ}).
 */
public final class Triage extends ProcessFunction<CallRecord, CallRecord> {
  private static final long serialVersionUID = 1L;
  private transient EventWriter writer;
  private transient Counter malformed;

  @Override
  public void open(OpenContext openContext) {
    writer = new EventWriter(new byte[] {0});
    malformed = getRuntimeContext().getMetricGroup().addGroup("tollgate").counter("malformed");
  }

  @Override
  public void processElement(CallRecord r, Context ctx, Collector<CallRecord> out) {
    if (!r.malformed()) {
      out.collect(r);
      return;
    }
    malformed.inc();
    ctx.output(
        EnforcementFunction.DLQ,
        new Out(
            r.originalKey,
            writer.deadLetter(
                Topics.CALLS,
                r.partition,
                r.offset,
                r.ingestTs,
                r.error,
                r.originalKey,
                r.original),
            r.ingestTs));
  }
}
