package io.tollgate.flink.metering;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.enforcement.records.PolicyRecord;
import io.tollgate.flink.Out;
import io.tollgate.metering.UsageRecords;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The metering function in Flink's operator harness: time as the job sees it. */
class MeteringFunctionTest {
  static final String CONTRACT =
      String.join(
          "\n",
          "contract: ct-a",
          "provider: bureau",
          "consumer: bank-a",
          "dataset: credit",
          "actions: [read]",
          "zone: Asia/Shanghai",
          "price: {amount: \"0.01\", currency: CNY, per: call}",
          "");

  static Metered permit(String id, long ts, String version) {
    Metered m = new Metered();
    m.consumer = "bank-a";
    m.provider = "bureau";
    m.contract = "ct-a";
    m.dataset = "credit";
    m.key = "bank-a|bureau|ct-a|credit";
    m.id = id;
    m.decision = "PERMIT";
    m.reasons = "";
    m.version = version;
    m.eventTime = ts;
    m.records = 1;
    m.bytes = 10;
    return m;
  }

  static List<JsonNode> usage(
      KeyedBroadcastOperatorTestHarness<String, Metered, PolicyRecord, Out> h) {
    List<JsonNode> out = new ArrayList<>();
    for (Out o : h.extractOutputValues()) {
      out.add(UsageRecords.data(o.value));
    }
    return out;
  }

  @Test
  void aWatermarkFarPastTheClockClosesNothingUntilTheClockGetsThereAndDoesNotSpin()
      throws Exception {
    MeteringFunction fn =
        new MeteringFunction(
            "Asia/Shanghai",
            72 * 3_600_000L,
            3_600_000L,
            0,
            0,
            Map.of("ct-a", List.of(CONTRACT)),
            null,
            false);
    try (KeyedBroadcastOperatorTestHarness<String, Metered, PolicyRecord, Out> h =
        new KeyedBroadcastOperatorTestHarness<>(
            new CoBroadcastWithKeyedOperator<>(fn, List.of(MeteringFunction.CONTRACTS)),
            m -> m.key,
            Types.STRING,
            1,
            1,
            0)) {
      h.open();
      // the contracts' side is idle in the job: out of the operator's watermark
      h.processBroadcastWatermark(Long.MAX_VALUE);
      long now = System.currentTimeMillis();
      h.setProcessingTime(now);
      String version = fn.latestVersionForTest("ct-a");
      h.processElement(permit("s-0-1", now - 60_000, version), now - 60_000);
      h.processWatermark(now + 2 * 3_600_000L); // past the next hour: its running total
      assertThat(usage(h)).as("the hour's running total").isNotEmpty();
      // a watermark far ahead of the clock (a drain's last, a producer's clock ahead): the month
      // must not close now, and this call must return (a timer fired again and again would not)
      h.processWatermark(Long.MAX_VALUE);
      assertThat(usage(h)).noneMatch(d -> d.get("final").asBoolean());
      // months later on the clock, the held-back close goes through
      h.setProcessingTime(now + 90L * 24 * 3_600_000L);
      assertThat(usage(h))
          .filteredOn(d -> d.get("final").asBoolean())
          .singleElement()
          .satisfies(d -> assertThat(d.get("amount").asText()).isEqualTo("0.01"));
    }
  }
}
