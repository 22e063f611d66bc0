package io.tollgate.enforcement.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.policy.MaskMethod;
import io.tollgate.policy.Obligations;
import io.tollgate.policy.Outcome;
import io.tollgate.policy.Reason;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * What EventWriter writes, EventReader reads back; what breaks the schema is refused with a reason.
 */
class EventReaderTest {
  static final long T0 = 1_772_413_200_250L;

  static CallRecord call() {
    String json =
        "{\"v\":1,\"id\":\"c-1 \\\"q\\\" 供应链\",\"ts\":"
            + T0
            + ",\"consumer\":\"acme\",\"dataset\":\"telemetry\","
            + "\"action\":\"read\",\"purpose\":\"navigation\",\"records\":3,\"bytes\":120,"
            + "\"payload\":{\"vin\":\"LSV123\",\"speed\":52.5,\"note\":\"x\"}}";
    CallRecord r =
        new CallRecordCodec(300_000)
            .parse(null, json.getBytes(StandardCharsets.UTF_8), T0 + 11, new CallRecord());
    assertThat(r.error).isNull();
    return r;
  }

  @Test
  void feedbackRoundTrips() {
    CallRecord c = call();
    EventWriter w = new EventWriter("k".getBytes(StandardCharsets.UTF_8));
    byte[] v =
        w.feedback(
            c, "THROTTLE", Reason.RATE.bit() | Reason.PURPOSE.bit(), "ct-1", "abc123", T0 + 20);
    FeedbackEvent e = EventReader.feedback(v);
    assertThat(e.callId()).isEqualTo(c.id);
    assertThat(e.decision()).isEqualTo(Outcome.THROTTLE);
    assertThat(e.reasons()).containsExactly("purpose", "rate");
    assertThat(e.contract()).isEqualTo("ct-1");
    assertThat(e.policyVersion()).isEqualTo("abc123");
    assertThat(e.consumer()).isEqualTo("acme");
    assertThat(e.records()).isEqualTo(3);
    assertThat(e.bytes()).isEqualTo(120);
    assertThat(e.eventTime()).isEqualTo("2026-03-02T01:00:00.250Z");
    assertThat(e.ingestTime()).isEqualTo(T0 + 11);
    assertThat(e.decisionLatencyMillis()).isEqualTo(9);
    assertThat(e.id()).isEqualTo("s-" + c.partition + "-" + c.offset);
    assertThat(e.point()).isEqualTo("enforcement-job");
    assertThat(e.provider()).isNull();
    assertThat(e.http()).isFalse();
  }

  @Test
  void feedbackIdsAreDeterministicPerCallRecordAndNameTheirPoint() {
    CallRecord c = call();
    c.partition = 3;
    c.offset = 1_234_567_890_123L;
    EventWriter w = new EventWriter("k".getBytes(StandardCharsets.UTF_8));
    FeedbackEvent a =
        EventReader.feedback(w.feedback(c, "PERMIT", 0, "ct-1", "v1", "prov", T0 + 20));
    FeedbackEvent again =
        EventReader.feedback(w.feedback(c, "PERMIT", 0, "ct-1", "v1", "prov", T0 + 99));
    assertThat(a.id()).isEqualTo("s-3-1234567890123").isEqualTo(again.id());
    assertThat(a.provider()).isEqualTo("prov");
    c.offset++;
    assertThat(EventReader.feedback(w.feedback(c, "PERMIT", 0, "ct-1", "v1", "prov", T0)).id())
        .isNotEqualTo(a.id());

    EventWriter g = new EventWriter("k".getBytes(StandardCharsets.UTF_8), "gateway/gw-1");
    FeedbackEvent h =
        EventReader.feedback(
            g.httpFeedback(c, "PERMIT", 0, "ct-1", "v1", "prov", T0 + 20, 200, 412));
    assertThat(h.id()).isEqualTo("h-" + c.id);
    assertThat(h.point()).isEqualTo("gateway/gw-1");
    assertThat(h.channel()).isEqualTo("http");
    assertThat(h.http()).isTrue();
  }

  @Test
  void deliveredRoundTripsWithItsFilteredPayload() {
    EventWriter w = new EventWriter("k".getBytes(StandardCharsets.UTF_8));
    byte[] v =
        w.delivered(
            call(),
            "ct-1",
            "abc123",
            new String[] {"vin", "speed"},
            new Obligations.Mask[] {new Obligations.Mask("vin", MaskMethod.HASH)});
    DeliveredEvent d = EventReader.delivered(v);
    assertThat(d.contract()).isEqualTo("ct-1");
    String pseudonym = new Pseudonyms("k".getBytes(StandardCharsets.UTF_8)).of("LSV123");
    assertThat(d.payload()).isEqualTo("{\"vin\":\"" + pseudonym + "\",\"speed\":52.5}");
  }

  @Test
  void deadLettersRoundTripWithTheirOriginalBytes() {
    EventWriter w = new EventWriter("k".getBytes(StandardCharsets.UTF_8));
    byte[] original = {(byte) 0xff, 0, 1};
    DeadLetterEvent d =
        EventReader.deadLetter(
            w.deadLetter(
                "tollgate.calls",
                1,
                42,
                T0,
                "bad",
                "key".getBytes(StandardCharsets.UTF_8),
                original));
    assertThat(d.error()).isEqualTo("bad");
    assertThat(d.topic()).isEqualTo("tollgate.calls");
    assertThat(d.partition()).isEqualTo(1);
    assertThat(d.offset()).isEqualTo(42);
    assertThat(d.key()).isEqualTo("key".getBytes(StandardCharsets.UTF_8));
    assertThat(d.value()).isEqualTo(original);
    assertThat(d.valueBytes()).isEqualTo(3);
    assertThat(d.valueTruncated()).isFalse();
    assertThat(d.keyTruncated()).isFalse();
  }

  @Test
  void deadLettersOfHugeRecordsNameTheirOriginals() throws Exception {
    EventWriter w = new EventWriter("k".getBytes(StandardCharsets.UTF_8));
    byte[] huge = new byte[EventWriter.MAX_ORIGINAL_BYTES + 10];
    java.util.Arrays.fill(huge, (byte) 'x');
    DeadLetterEvent d =
        EventReader.deadLetter(w.deadLetter("tollgate.calls", 0, 1, T0, "too big", huge, huge));
    String sha =
        java.util.HexFormat.of()
            .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(huge));
    assertThat(d.key()).hasSize(EventWriter.MAX_ORIGINAL_BYTES);
    assertThat(d.keyTruncated()).isTrue();
    assertThat(d.keyBytes()).isEqualTo(huge.length);
    assertThat(d.keySha256()).isEqualTo(sha);
    assertThat(d.value()).hasSize(EventWriter.MAX_ORIGINAL_BYTES);
    assertThat(d.valueTruncated()).isTrue();
    assertThat(d.valueBytes()).isEqualTo(huge.length);
    assertThat(d.valueSha256()).isEqualTo(sha);
  }

  @Test
  void unknownFieldsAreIgnoredAndUnknownVersionsRefused() {
    String ok =
        "{\"v\":1,\"callId\":\"a\",\"decision\":\"PERMIT\",\"reasons\":[],\"future\":{\"x\":[1]}}";
    assertThat(EventReader.feedback(ok.getBytes(StandardCharsets.UTF_8)).callId()).isEqualTo("a");
    assertThatThrownBy(
            () ->
                EventReader.feedback(
                    ok.replace("\"v\":1", "\"v\":2").getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessage("v: expected schema version 1, found 2");
  }

  @Test
  void recordsOutsideTheSchemaAreRefusedWithAReason() {
    assertThatThrownBy(() -> EventReader.feedback(null)).hasMessageContaining("null value");
    assertThatThrownBy(
            () ->
                EventReader.feedback(
                    "{\"v\":1,\"callId\":\"a\",\"decision\":\"DENY\",\"reasons\":[null]}"
                        .getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessage("reasons: expected text in the list, found null");
    assertThatThrownBy(() -> EventReader.feedback("[1]".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("JSON object");
    assertThatThrownBy(
            () ->
                EventReader.feedback("{\"v\":1,\"callId\":\"a\"".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedRecordException.class);
    assertThatThrownBy(
            () ->
                EventReader.feedback(
                    "{\"v\":1,\"callId\":\"a\",\"decision\":\"PERMIT\"} {}"
                        .getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("trailing content");
    assertThatThrownBy(
            () ->
                EventReader.feedback(
                    "{\"v\":1,\"decision\":\"PERMIT\"}".getBytes(StandardCharsets.UTF_8)))
        .hasMessage("callId: required, missing");
    assertThatThrownBy(
            () ->
                EventReader.feedback(
                    "{\"v\":1,\"callId\":\"a\",\"decision\":\"MAYBE\"}"
                        .getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("found MAYBE");
    assertThatThrownBy(
            () ->
                EventReader.deadLetter(
                    "{\"v\":1,\"error\":\"e\",\"topic\":\"t\",\"value\":\"!!\"}"
                        .getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("value: expected base64");
  }
}
