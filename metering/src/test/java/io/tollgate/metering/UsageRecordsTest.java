package io.tollgate.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.format.EventFormat;
import io.cloudevents.core.provider.EventFormatProvider;
import io.cloudevents.jackson.JsonFormat;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Usage records read back with the CloudEvents Java SDK (4.0.1), as a billing system would. */
class UsageRecordsTest {
  static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");

  @Test
  void aUsageRecordIsAStructuredCloudEvent() throws Exception {
    UsageLedger l = new UsageLedger(SHANGHAI, Duration.ofHours(72).toMillis());
    l.add(
        new UsageLedger.Event(
            "s-0-7",
            "PERMIT",
            List.of(),
            "5b7c0e3f",
            UsageLedgerTest.at("2026-11-30T23:30:00+08:00"),
            3,
            1200));
    l.add(
        new UsageLedger.Event(
            "s-0-8",
            "DENY",
            List.of("purpose"),
            null,
            UsageLedgerTest.at("2026-11-30T23:31:00+08:00"),
            1,
            0));
    UsageLedger.Emission e = l.flush().get(0);
    UsageRecords.Key key =
        new UsageRecords.Key(
            "demo-lender", "sh-credit-bureau", "cr-demo-lender-2026", "credit-report");
    byte[] record =
        UsageRecords.write(key, SHANGHAI, e, UsageLedgerTest.at("2026-12-01T00:00:00Z"));

    EventFormat format = EventFormatProvider.getInstance().resolveFormat(JsonFormat.CONTENT_TYPE);
    assertThat(format).isNotNull();
    CloudEvent ce = format.deserialize(record);
    assertThat(ce.getSpecVersion().toString()).isEqualTo("1.0");
    assertThat(ce.getType()).isEqualTo("io.tollgate.usage.v1");
    assertThat(ce.getSource().toString()).isEqualTo("/tollgate/metering");
    assertThat(ce.getSubject()).isEqualTo("demo-lender");
    assertThat(ce.getId()).isEqualTo(UsageRecords.id(key, "2026-11", 1)).hasSize(32);
    assertThat(ce.getTime().toInstant().toString()).isEqualTo("2026-12-01T00:00:00Z");
    assertThat(ce.getDataContentType()).isEqualTo("application/json");
    JsonNode data = new ObjectMapper().readTree(ce.getData().toBytes());
    assertThat(data.get("period").asText()).isEqualTo("2026-11");
    assertThat(data.get("start").asText()).isEqualTo("2026-11-01T00:00:00+08:00");
    assertThat(data.get("end").asText()).isEqualTo("2026-12-01T00:00:00+08:00");
    assertThat(data.get("revision").asLong()).isEqualTo(1);
    assertThat(data.get("final").asBoolean()).isFalse();
    assertThat(data.get("billable").get(0).get("policyVersion").asText()).isEqualTo("5b7c0e3f");
    assertThat(data.get("billable").get(0).get("calls").asLong()).isEqualTo(1);
    assertThat(data.get("billable").get(0).get("bytes").asLong()).isEqualTo(1200);
    assertThat(data.get("refused").get("deny:purpose").asLong()).isEqualTo(1);
    assertThat(UsageRecords.data(record).get("contract").asText()).isEqualTo("cr-demo-lender-2026");
  }

  @Test
  void idsAreDeterministicPerKeyMonthAndRevision() {
    UsageRecords.Key k = new UsageRecords.Key("c", "p", "ct", "ds");
    assertThat(UsageRecords.id(k, "2026-11", 1)).isEqualTo(UsageRecords.id(k, "2026-11", 1));
    assertThat(UsageRecords.id(k, "2026-11", 2)).isNotEqualTo(UsageRecords.id(k, "2026-11", 1));
    assertThat(UsageRecords.id(k, "2026-12", 1)).isNotEqualTo(UsageRecords.id(k, "2026-11", 1));
    assertThat(UsageRecords.id(new UsageRecords.Key("c", "p", "ct", "ds2"), "2026-11", 1))
        .isNotEqualTo(UsageRecords.id(k, "2026-11", 1));
  }

  @Test
  void somethingElseIsNotReadAsUsage() {
    assertThatThrownBy(() -> UsageRecords.data("{\"type\":\"other\"}".getBytes()))
        .hasMessageContaining("not a usage record");
    assertThatThrownBy(() -> UsageRecords.data("{oops".getBytes()))
        .hasMessageContaining("not a usage record");
  }
}
