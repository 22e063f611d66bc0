package io.tollgate.enforcement.records;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.policy.MaskMethod;
import io.tollgate.policy.Obligations;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The stream's record codecs: what goes in comes out, for hostile text too. */
class EventCodecsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final long NOW = 1_790_000_000_000L;

  static CallRecord parse(String json) {
    return new CallRecordCodec(300_000)
        .parse(
            "k".getBytes(StandardCharsets.UTF_8),
            json.getBytes(StandardCharsets.UTF_8),
            NOW,
            new CallRecord());
  }

  static String call(String payload) {
    return "{\"id\":\"c\",\"ts\":"
        + NOW
        + ",\"consumer\":\"a\",\"dataset\":\"d\",\"action\":\"read\",\"purpose\":\"p\""
        + (payload == null ? "" : ",\"payload\":" + payload)
        + "}";
  }

  @Test
  void isoTimeMatchesJavaTime() {
    Random rnd = new Random(1);
    char[] buf = new char[24];
    for (int i = 0; i < 200_000; i++) {
      long ms = i < 1000 ? i * 86_399_999L : (long) (rnd.nextDouble() * 7_258_118_400_000L);
      assertThat(new String(buf, 0, IsoTime.format(ms, buf)))
          .isEqualTo(Instant.ofEpochMilli(ms).toString());
    }
  }

  @Test
  void payloadValuesAreLocatedExactly() throws Exception {
    String payload =
        "{ \"s\" : \"a\\\"b\\u00e9\u4e2d\" , \"n\":-1.5e3,\"o\":{\"x\":[1,{\"y\":\"}\"}]},"
            + "\"t\":true,\"z\":null, \"e\":\"\" ,\"\u8f66\":\"\u725b\"}";
    CallRecord r = parse(call(payload));
    assertThat(r.error).isNull();
    assertThat(r.payloadKeys).containsExactly("s", "n", "o", "t", "z", "e", "\u8f66");
    JsonNode expected = JSON.readTree(payload);
    for (int i = 0; i < r.payloadKeys.length; i++) {
      String raw =
          new String(
              r.payload,
              r.payloadSpans[2 * i],
              r.payloadSpans[2 * i + 1] - r.payloadSpans[2 * i],
              StandardCharsets.UTF_8);
      assertThat(JSON.readTree(raw)).as(r.payloadKeys[i]).isEqualTo(expected.get(r.payloadKeys[i]));
    }
  }

  @Test
  void malformedPayloadsAreRefused() {
    assertThat(parse(call("{\"a\":1,\"a\":2}")).error).contains("Duplicate field 'a'");
    assertThat(parse(call("\"text\"")).error).isEqualTo("payload: expected an object, found text");
    StringBuilder many = new StringBuilder("{");
    for (int i = 0; i <= CallRecordCodec.MAX_PAYLOAD_KEYS; i++) {
      many.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":1");
    }
    assertThat(parse(call(many.append("}").toString())).error)
        .startsWith("payload: expected at most 1024 keys");
    assertThat(parse(call(null)).payload).isNull();
  }

  @Test
  void writtenRecordsAreValidJsonForAnyText() throws Exception {
    Random rnd = new Random(7);
    EventWriter w = new EventWriter(new byte[] {1, 2, 3});
    for (int i = 0; i < 2000; i++) {
      String id = randomText(rnd);
      String consumer = randomText(rnd);
      ObjectNode payload = JSON.createObjectNode();
      payload.put(randomText(rnd) + "x", randomText(rnd));
      payload.put("keep", rnd.nextLong());
      payload.putObject("nested").put(randomText(rnd), rnd.nextDouble());
      payload.put("secret", randomText(rnd));
      ObjectNode c = JSON.createObjectNode();
      c.put("id", id);
      c.put("ts", NOW - rnd.nextInt(1_000_000));
      c.put("consumer", consumer);
      c.put("dataset", "d");
      c.put("action", "read");
      c.put("purpose", "p");
      c.set("payload", payload);
      CallRecord r = parse(JSON.writeValueAsString(c));
      assertThat(r.error).isNull();

      JsonNode dl =
          JSON.readTree(
              w.delivered(
                  r,
                  "ct\"1",
                  "v",
                  new String[] {"keep", "nested", "secret"},
                  new Obligations.Mask[] {new Obligations.Mask("secret", MaskMethod.HASH)}));
      assertThat(dl.get("callId").asText()).isEqualTo(id);
      assertThat(dl.get("consumer").asText()).isEqualTo(consumer);
      assertThat(dl.get("contract").asText()).isEqualTo("ct\"1");
      Iterator<Map.Entry<String, JsonNode>> fields = dl.get("payload").fields();
      assertThat(fields.next().getKey()).isEqualTo("keep");
      assertThat(dl.get("payload").get("keep")).isEqualTo(payload.get("keep"));
      assertThat(dl.get("payload").get("nested")).isEqualTo(payload.get("nested"));
      assertThat(dl.get("payload").get("secret").asText())
          .hasSize(32)
          .isNotEqualTo(payload.get("secret").asText());
      assertThat(dl.get("payload").size()).isEqualTo(3);

      JsonNode all = JSON.readTree(w.delivered(r, null, null, null, null));
      assertThat(all.get("payload")).isEqualTo(payload);
      assertThat(all.get("contract").isNull()).isTrue();

      JsonNode fb = JSON.readTree(w.feedback(r, "PERMIT", 0, null, null, 5));
      assertThat(fb.get("callId").asText()).isEqualTo(id);
      assertThat(fb.get("eventTime").asText()).isEqualTo(Instant.ofEpochMilli(r.ts).toString());
      JsonNode dead = JSON.readTree(w.deadLetter("t", 1, 2, 3, id, null, new byte[] {(byte) 0xff}));
      assertThat(dead.get("error").asText()).isEqualTo(id);
      assertThat(dead.get("value").asText()).isEqualTo("/w==");
    }
  }

  @Test
  void escapesFollowedByWideCharactersFitTheBuffer() throws Exception {
    EventWriter w = new EventWriter(new byte[] {1});
    String id = "\u0001".repeat(200) + "\u20ac".repeat(824);
    CallRecord r =
        parse(call(null).replace("\"id\":\"c\"", "\"id\":" + JSON.writeValueAsString(id)));
    assertThat(r.error).isNull();
    assertThat(JSON.readTree(w.feedback(r, "PERMIT", 0, null, null, 1)).get("callId").asText())
        .isEqualTo(id);
    assertThat(JSON.readTree(w.deadLetter("t", 0, 0, 0, id, null, null)).get("error").asText())
        .isEqualTo(id);
  }

  @Test
  void deadLettersOfHugeRecordsAreCappedAndIdentified() throws Exception {
    byte[] huge = new byte[EventWriter.MAX_ORIGINAL_BYTES + 1000];
    new Random(3).nextBytes(huge);
    JsonNode d =
        JSON.readTree(
            new EventWriter(new byte[] {1})
                .deadLetter("t", 0, 0, 0, "x".repeat(10_000), null, huge));
    assertThat(d.get("valueTruncated").asBoolean()).isTrue();
    assertThat(d.get("valueBytes").asInt()).isEqualTo(huge.length);
    assertThat(java.util.Base64.getDecoder().decode(d.get("value").asText()))
        .isEqualTo(java.util.Arrays.copyOf(huge, EventWriter.MAX_ORIGINAL_BYTES));
    assertThat(d.get("valueSha256").asText())
        .isEqualTo(
            java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(huge)));
    assertThat(d.get("error").asText()).hasSize(EventWriter.MAX_ERROR_CHARS + 3);
  }

  @Test
  void callsStampedTooFarFromTheirBrokerTimeAreRefused() {
    CallRecordCodec codec = new CallRecordCodec(300_000, 3_600_000);
    String late = call(null).replace("\"ts\":" + NOW, "\"ts\":" + (NOW - 3_600_001));
    String early = call(null).replace("\"ts\":" + NOW, "\"ts\":" + (NOW - 3_600_000));
    String future = call(null).replace("\"ts\":" + NOW, "\"ts\":" + (NOW + 300_001));
    assertThat(
            codec.parse(null, late.getBytes(StandardCharsets.UTF_8), NOW, new CallRecord()).error)
        .isEqualTo(
            "ts: expected at most 3600000 ms before the record's broker time "
                + NOW
                + ", found "
                + (NOW - 3_600_001));
    assertThat(
            codec.parse(null, early.getBytes(StandardCharsets.UTF_8), NOW, new CallRecord()).error)
        .isNull();
    assertThat(
            codec.parse(null, future.getBytes(StandardCharsets.UTF_8), NOW, new CallRecord()).error)
        .startsWith("ts: expected at most 300000 ms after");
  }

  @Test
  void redactAndDropMasks() throws Exception {
    CallRecord r = parse(call("{\"a\":1,\"b\":{\"deep\":2},\"c\":\"x\"}"));
    JsonNode dl =
        JSON.readTree(
            new EventWriter(new byte[] {9})
                .delivered(
                    r,
                    "k",
                    "v",
                    null,
                    new Obligations.Mask[] {
                      new Obligations.Mask("b", MaskMethod.REDACT),
                      new Obligations.Mask("c", MaskMethod.DROP)
                    }));
    assertThat(dl.get("payload").toString()).isEqualTo("{\"a\":1,\"b\":\"[redacted]\"}");
  }

  static String randomText(Random rnd) {
    StringBuilder b = new StringBuilder();
    int n = rnd.nextInt(12);
    for (int i = 0; i < n; i++) {
      switch (rnd.nextInt(6)) {
        case 0 -> b.append((char) rnd.nextInt(0x20));
        case 1 -> b.append("\"\\/".charAt(rnd.nextInt(3)));
        case 2 -> b.append((char) (0x4e00 + rnd.nextInt(0x5000)));
        case 3 -> b.appendCodePoint(0x1f600 + rnd.nextInt(50));
        case 4 -> b.append((char) (0x80 + rnd.nextInt(0x700)));
        default -> b.append((char) ('a' + rnd.nextInt(26)));
      }
    }
    return b.length() == 0 ? "e" : b.toString();
  }
}
