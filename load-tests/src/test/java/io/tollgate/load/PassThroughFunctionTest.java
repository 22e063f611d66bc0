package io.tollgate.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.enforcement.records.CallRecord;
import io.tollgate.enforcement.records.CallRecordCodec;
import io.tollgate.enforcement.records.EventReader;
import io.tollgate.enforcement.records.PolicyRecord;
import io.tollgate.flink.EnforcementFunction;
import io.tollgate.flink.Out;
import io.tollgate.policy.Outcome;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The baseline permits every call and delivers its whole payload, deciding nothing. */
class PassThroughFunctionTest {
  @Test
  void permitsEverythingAndCopiesThePayload() throws Exception {
    long t0 = 1_772_413_200_000L;
    String json =
        "{\"v\":1,\"id\":\"c1\",\"ts\":"
            + t0
            + ",\"consumer\":\"acme\",\"dataset\":\"telemetry\","
            + "\"action\":\"read\",\"purpose\":\"advertising\",\"payload\":{\"speed\":52.5,\"secret\":{\"a\":1}}}";
    CallRecord call =
        new CallRecordCodec(300_000)
            .parse(null, json.getBytes(StandardCharsets.UTF_8), t0, new CallRecord());
    try (var h =
        new KeyedBroadcastOperatorTestHarness<Long, CallRecord, PolicyRecord, Out>(
            new CoBroadcastWithKeyedOperator<>(
                new PassThroughFunction(),
                List.of(EnforcementFunction.CONTRACTS, EnforcementFunction.POLICY_OFFSETS)),
            CallRecord::key,
            Types.LONG,
            1,
            1,
            0)) {
      h.open();
      h.processElement(call, t0);
      assertThat(h.extractOutputValues())
          .extracting(o -> EventReader.feedback(o.value).decision())
          .containsExactly(Outcome.PERMIT);
      assertThat(
              EventReader.delivered(
                      h.getSideOutput(EnforcementFunction.DELIVERED).peek().getValue().value)
                  .payload())
          .isEqualTo("{\"speed\":52.5,\"secret\":{\"a\":1}}");
    }
  }
}
