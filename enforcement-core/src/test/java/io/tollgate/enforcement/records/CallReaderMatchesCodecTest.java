package io.tollgate.enforcement.records;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The stream's garbage-free reader ({@link CallReader}) against the Jackson codec it replaces
 * ({@link CallRecordCodec}, the reference): on generated records, on every mutation of them and on
 * hand-written hostile ones, both accept the same records with the same attributes, payload bytes
 * and value extents, and refuse the same records with the same error. Where the record is not
 * strict JSON (broken syntax, duplicate keys, nesting or numbers beyond the limits) both refuse it,
 * but the words after "expected valid JSON, found:" are each parser's own.
 */
class CallReaderMatchesCodecTest {
  static final long NOW = 1_790_000_000_000L;
  static final JsonFactory STRICT =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder().maxNestingDepth(32).maxStringLength(1 << 20).build())
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(JsonFactory.Feature.CHARSET_DETECTION)
          .build();

  final CallRecordCodec codec = new CallRecordCodec(300_000, 3_600_000);
  final CallReader reader = new CallReader(300_000, 3_600_000);
  final CallRecord reused = new CallRecord();

  @Test
  void generatedRecordsAndTheirMutationsAreReadAlike() {
    Random random = new Random(20261202);
    int accepted = 0;
    int refused = 0;
    for (int k = 0; k < 3000; k++) {
      String json = record(random);
      byte[] value = json.getBytes(StandardCharsets.UTF_8);
      if (same(value)) {
        accepted++;
      } else {
        refused++;
      }
      for (int m = 0; m < 6; m++) {
        if (same(mutate(value, random))) {
          accepted++;
        } else {
          refused++;
        }
      }
    }
    // both sides of the comparison are exercised
    assertThat(accepted).isGreaterThan(3000);
    assertThat(refused).isGreaterThan(3000);
  }

  static Stream<String> hostile() {
    String base =
        "\"id\":\"c\",\"ts\":" + NOW + ",\"consumer\":\"a\",\"dataset\":\"d\",\"action\":\"read\"";
    return Stream.of(
        "",
        "   ",
        "[]",
        "\"x\"",
        "5",
        "true",
        "null",
        "nul",
        "{",
        "{}",
        "{" + base + ",\"purpose\":\"p\"}",
        "{" + base + ",\"purpose\":\"p\"} ",
        "{" + base + ",\"purpose\":\"p\"}{}",
        "{" + base + ",\"purpose\":\"p\"}x",
        "{" + base + ",\"purpose\":\"p\",}",
        "{" + base + ",\"purpose\":\"p\",\"id\":\"again\"}",
        "{" + base + ",\"purpose\":\"p\",\"i\\u0064\":\"again\"}",
        "{" + base + ",\"purpose\":\"p\",\"payload\":{\"a\":1,\"a\":2}}",
        "{" + base + ",\"purpose\":\"p\",\"payload\":{\"a\":{\"b\":1,\"b\":2}}}",
        "{" + base + ",\"purpose\":\"p\",\"x\":{\"b\":1,\"c\":[{\"d\":1,\"d\":1}]}}",
        "{" + base + ",\"purpose\":\"p\",\"payload\":{\"a\":1},\"payload\":{}}",
        "{" + base + ",\"purpose\":\"p\",\"payload\":[1,2]}",
        "{" + base + ",\"purpose\":\"p\",\"payload\":[1,}",
        "{" + base + ",\"purpose\":\"p\",\"payload\":\"x\"}",
        "{" + base + ",\"purpose\":\"p\",\"payload\":null}",
        "{" + base + ",\"purpose\":\"p\",\"v\":1}",
        "{" + base + ",\"purpose\":\"p\",\"v\":2}",
        "{" + base + ",\"purpose\":\"p\",\"v\":1.0}",
        "{" + base + ",\"purpose\":\"p\",\"v\":[]}",
        "{" + base + ",\"purpose\":\"p\",\"v\":99999999999999999999}",
        "{" + base + ",\"purpose\":\"p\",\"records\":-1}",
        "{" + base + ",\"purpose\":\"p\",\"records\":1e2}",
        "{" + base + ",\"purpose\":\"p\",\"records\":99999999999999999999}",
        "{" + base + ",\"purpose\":\"p\",\"records\":9223372036854775807}",
        "{" + base + ",\"purpose\":\"p\",\"records\":01}",
        "{" + base + ",\"purpose\":\"p\",\"records\":-0}",
        "{" + base + ",\"purpose\":\"p\",\"bytes\":\"1\"}",
        "{" + base + ",\"purpose\":\"\"}",
        "{" + base + ",\"purpose\":\"" + "x".repeat(1025) + "\"}",
        "{" + base + ",\"purpose\":\"" + "x".repeat(1024) + "\"}",
        "{" + base + ",\"purpose\":\"" + "😀".repeat(512) + "\"}",
        "{" + base + ",\"purpose\":\"" + "😀".repeat(513) + "\"}",
        "{" + base + ",\"purpose\":\"a\\u0000b\"}",
        "{" + base + ",\"purpose\":\"a\\ud83d\\ude00b\"}",
        "{" + base + ",\"purpose\":\"a\\ud83db\"}",
        "{" + base + ",\"purpose\":\"a\\qb\"}",
        "{" + base + ",\"purpose\":\"a\tb\"}",
        "{" + base + ",\"purpose\":\"a\\u00e9\\/\\\"\\\\\\b\\f\\n\\r\\t\"}",
        "{" + base + ",\"purpose\":p}",
        "{" + base + ",\"purpose\":true}",
        "{" + base + ",\"purpose\":truex}",
        "{" + base + ",\"purpose\":[\"p\"]}",
        "{" + base + ",\"purpose\":{}}",
        "{" + base + ",\"purpose\":\"p\",\"action\":\"READ\"}",
        "{" + base + ",\"purpose\":\"p\",\"action\":\"odrl:read\"}",
        "{" + base + ",\"purpose\":\"p\",\"action\":\"fly\"}",
        "{" + base + ",\"purpose\":\"p\",\"channel\":\"smoke\"}",
        "{" + base + ",\"purpose\":\"p\",\"channel\":\"MQTT\"}",
        "{" + base + ",\"purpose\":\"p\",\"region\":\"CN-SH\"}",
        "{" + base + ",\"purpose\":\"p\",\"region\":\"cn-sh\"}",
        "{" + base + ",\"purpose\":\"p\",\"region\":\"CN-ABCD\"}",
        "{" + base + ",\"purpose\":\"p\",\"region\":\"CN-\"}",
        "{" + base + ",\"purpose\":\"p\",\"region\":\"C\\u004e\"}",
        "{" + base + ",\"purpose\":\"p\",\"fields\":[]}",
        "{" + base + ",\"purpose\":\"p\",\"fields\":null}",
        "{" + base + ",\"purpose\":\"p\",\"fields\":\"speed\"}",
        "{" + base + ",\"purpose\":\"p\",\"fields\":[\"a\",1]}",
        "{" + base + ",\"purpose\":\"p\",\"fields\":[\"a\",]}",
        "{" + base + ",\"purpose\":\"p\",\"fields\":[\"a\",\"\"]}",
        "{" + base + ",\"purpose\":\"p\",\"fields\":" + names(256) + "}",
        "{" + base + ",\"purpose\":\"p\",\"fields\":" + names(257) + "}",
        "{" + base + ",\"purpose\":\"p\",\"location\":{\"lat\":31.2,\"lon\":121.4}}",
        "{" + base + ",\"purpose\":\"p\",\"location\":{\"lat\":-0.0,\"lon\":-0}}",
        "{" + base + ",\"purpose\":\"p\",\"location\":{\"lat\":91,\"lon\":0}}",
        "{" + base + ",\"purpose\":\"p\",\"location\":{\"lat\":1}}",
        "{" + base + ",\"purpose\":\"p\",\"location\":{}}",
        "{" + base + ",\"purpose\":\"p\",\"location\":{\"lat\":1,\"lon\":2,\"alt\":3}}",
        "{" + base + ",\"purpose\":\"p\",\"location\":{\"alt\":\"x\"}}",
        "{" + base + ",\"purpose\":\"p\",\"location\":{\"lat\":\"1\",\"lon\":2}}",
        "{" + base + ",\"purpose\":\"p\",\"location\":{\"lat\":1,\"lat\":2}}",
        "{" + base + ",\"purpose\":\"p\",\"location\":[1,2]}",
        "{" + base + ",\"purpose\":\"p\",\"location\":{\"lat\":1.7976931348623157e308}}",
        "{"
            + base
            + ",\"purpose\":\"p\",\"location\":{\"lat\":12.345678901234567890123,\"lon\":1e-400}}",
        "{" + base + ",\"purpose\":\"p\",\"location\":{\"lat\":1E1,\"lon\":2e+1}}",
        "{" + base + ",\"purpose\":\"p\",\"location\":{\"lat\":1.,\"lon\":2}}",
        "{" + base + ",\"purpose\":\"p\",\"location\":{\"lat\":.5,\"lon\":2}}",
        "{" + base + ",\"purpose\":\"p\",\"location\":{\"lat\":1e,\"lon\":2}}",
        "{" + base + ",\"purpose\":\"p\",\"location\":{\"lat\":+1,\"lon\":2}}",
        "{" + base + ",\"purpose\":\"p\",\"location\":{\"lat\":NaN,\"lon\":2}}",
        "{" + base + ",\"purpose\":\"p\",\"x\":" + "1".repeat(1000) + "}",
        "{" + base + ",\"purpose\":\"p\",\"x\":" + "1".repeat(1001) + "}",
        "{" + base + ",\"purpose\":\"p\",\"x\":-" + "1".repeat(1000) + "}",
        "{" + base + ",\"purpose\":\"p\",\"x\":0." + "1".repeat(998) + "}",
        "{" + base + ",\"purpose\":\"p\",\"x\":0." + "1".repeat(999) + "}",
        "{" + base + ",\"purpose\":\"p\",\"x\":-0." + "1".repeat(998) + "}",
        "{" + base + ",\"purpose\":\"p\",\"" + "k".repeat(50_000) + "\":1}",
        "{" + base + ",\"purpose\":\"p\",\"" + "k".repeat(50_001) + "\":1}",
        "{" + base + ",\"purpose\":\"p\",\"payload\":{\"" + "é".repeat(25_000) + "\":1}}",
        "{" + base + ",\"purpose\":\"p\",\"payload\":{\"" + "é".repeat(25_001) + "\":1}}",
        "{" + base + ",\"purpose\":\"p\",\"" + "€".repeat(16_667) + "\":1}",
        "{" + base + ",\"purpose\":\"p\",\"" + "\\u00e9".repeat(25_001) + "\":1}",
        "{" + base + ",\"purpose\":\"p\",\"location\":{\"" + "€".repeat(20_000) + "\":1}}",
        "{\"id\":\"c\"} 1",
        "{\"id\":\"c\"}}",
        "{\"id\":true\u007f}",
        "1x",
        "1{" + base + ",\"purpose\":\"p\"}",
        "{"
            + base
            + ",\"purpose\":\"p\",\"payload\":"
            + keys(1024).replace("}", ",\"z\":tru}")
            + "}",
        "{"
            + base
            + ",\"purpose\":\"p\",\"payload\":"
            + keys(1024).replace("}", ",\"z\":01}")
            + "}",
        "{" + base + ",\"purpose\":\"p\",\"x\":" + nested(30) + "}",
        "{" + base + ",\"purpose\":\"p\",\"x\":" + nested(31) + "}",
        "{" + base + ",\"purpose\":\"p\",\"x\":" + nested(32) + "}",
        "{" + base + ",\"purpose\":\"p\",\"payload\":" + nested(31) + "}",
        "{" + base + ",\"purpose\":\"p\",\"payload\":{\"a\":" + nested(30) + "}}",
        "{" + base + ",\"purpose\":\"p\",\"payload\":{\"a\":" + nested(31) + "}}",
        "{" + base + ",\"purpose\":\"p\",\"payload\":" + keys(1024) + "}",
        "{" + base + ",\"purpose\":\"p\",\"payload\":" + keys(1025) + "}",
        "{" + base + ",\"purpose\":\"p\",\"payload\":{\"a\":\"x\"  ,  \"b\" : [1, {\"c\":null}] }}",
        "{" + base + ",\"purpose\":\"p\",\"x\":1 \"y\":2}",
        "{" + base + ",\"purpose\":\"p\",\"x\" 1}",
        "{" + base + ",\"purpose\":\"p\",x:1}",
        "{" + base + ",\"purpose\":\"p\",'x':1}",
        "{" + base + ",\"purpose\":\"p\"/*c*/}",
        "{" + base + ",\"purpose\":\"p\"}\u0000",
        "{" + base + ",\"purpose\":\"p\",\"x\":\f1}",
        "{\"id\":\"c\",\"ts\":\"2026-03-02T09:00:00Z\",\"consumer\":\"a\",\"dataset\":\"d\","
            + "\"action\":\"read\",\"purpose\":\"p\"}",
        "{\"id\":\"c\",\"ts\":"
            + (NOW + 400_000)
            + ",\"consumer\":\"a\",\"dataset\":\"d\","
            + "\"action\":\"read\",\"purpose\":\"p\"}",
        "{\"id\":\"c\",\"ts\":-1,\"consumer\":\"a\",\"dataset\":\"d\","
            + "\"action\":\"read\",\"purpose\":\"p\"}",
        "{\"id\":\"c\",\"ts\":1e12,\"consumer\":\"a\",\"dataset\":\"d\","
            + "\"action\":\"read\",\"purpose\":\"p\"}",
        "{\"id\":\"c\",\"ts\":null,\"consumer\":\"a\",\"dataset\":\"d\","
            + "\"action\":\"read\",\"purpose\":\"p\"}",
        "{\"ts\":" + NOW + ",\"consumer\":\"a\",\"dataset\":\"d\",\"action\":\"read\"}",
        "{\"id\":\"c\",\"consumer\":\"a\",\"dataset\":\"d\",\"action\":\"read\",\"purpose\":\"p\"}",
        "{\"id\":\"c\",\"ts\":" + NOW + ",\"dataset\":\"d\",\"action\":\"read\",\"purpose\":\"p\"}",
        "{\"id\":\"c\",\"ts\":"
            + NOW
            + ",\"consumer\":\"a\",\"action\":\"read\",\"purpose\":\"p\"}",
        "{\"id\":\"c\",\"ts\":" + NOW + ",\"consumer\":\"a\",\"dataset\":\"d\",\"purpose\":\"p\"}",
        "{\"id\":\"c\",\"ts\":"
            + NOW
            + ",\"consumer\":\"a\",\"dataset\":\"d\",\"action\":\"read\"}",
        "\ufeff{" + base + ",\"purpose\":\"p\"}");
  }

  @ParameterizedTest
  @MethodSource("hostile")
  void hostileRecordsAreReadAlike(String json) {
    same(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void invalidUtf8AndNullAreRefusedAlike() {
    same(null);
    same(new byte[] {'{', (byte) 0xc0, (byte) 0x80, '}'});
    same(new byte[] {'{', '"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"', '}'});
    byte[] big = new byte[CallRecordCodec.MAX_RECORD_BYTES + 1];
    Arrays.fill(big, (byte) ' ');
    same(big);
  }

  @Test
  void isoInstantsOfTheFastShapeMatchJavaTime() {
    Random random = new Random(7);
    for (int k = 0; k < 20_000; k++) {
      long ms = (long) (random.nextDouble() * 7_258_118_400_000L);
      int offsetMinutes = (random.nextInt(35 * 60) - 17 * 60) / 15 * 15;
      OffsetDateTime t =
          Instant.ofEpochMilli(ms).atOffset(ZoneOffset.ofTotalSeconds(offsetMinutes * 60));
      String text = t.toString();
      byte[] b = text.getBytes(StandardCharsets.US_ASCII);
      long fast = IsoTime.parse(b, 0, b.length);
      if (fast != IsoTime.NOT_FAST) {
        assertThat(fast).as(text).isEqualTo(OffsetDateTime.parse(text).toInstant().toEpochMilli());
      }
    }
    for (String s :
        List.of(
            "2026-02-29T00:00:00Z",
            "2024-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-03-02T24:00:00Z",
            "2026-03-02T23:59:60Z",
            "2026-03-02T09:00Z",
            "2026-03-02t09:00:00z",
            "2026-03-02T09:00:00.123456789+08:00",
            "2026-03-02T09:00:00.1234567890+08:00",
            "2026-03-02T09:00:00.+08:00",
            "2026-03-02T09:00:00+18:00",
            "2026-03-02T09:00:00+08:00:30",
            "2026-03-02T09:00:00-00:00",
            "1969-12-31T23:59:59.999Z")) {
      byte[] b = s.getBytes(StandardCharsets.US_ASCII);
      long fast = IsoTime.parse(b, 0, b.length);
      if (fast != IsoTime.NOT_FAST) {
        assertThat(fast).as(s).isEqualTo(OffsetDateTime.parse(s).toInstant().toEpochMilli());
      }
      same(
          ("{\"id\":\"c\",\"ts\":\""
                  + s
                  + "\",\"consumer\":\"a\",\"dataset\":\"d\",\"action\":\"read\",\"purpose\":\"p\"}")
              .getBytes(StandardCharsets.UTF_8),
          Long.MIN_VALUE / 4);
    }
  }

  @Test
  void aReusedRecordCarriesEachCallAlone() {
    CallRecord r = new CallRecord();
    byte[] a = record(new Random(1)).getBytes(StandardCharsets.UTF_8);
    String withFields =
        "{\"id\":\"x\",\"ts\":"
            + NOW
            + ",\"consumer\":\"a\",\"dataset\":\"d\",\"action\":\"read\",\"purpose\":\"p\","
            + "\"fields\":[\"speed\"],\"region\":\"CN\",\"payload\":{\"speed\":1}}";
    String bare =
        "{\"id\":\"y\",\"ts\":"
            + NOW
            + ",\"consumer\":\"a\",\"dataset\":\"d\",\"action\":\"read\",\"purpose\":\"p\"}";
    reader.read(null, withFields.getBytes(StandardCharsets.UTF_8), NOW, r);
    assertThat(r.fields).containsExactly("speed");
    reader.read(null, bare.getBytes(StandardCharsets.UTF_8), NOW, r);
    assertThat(r.fields).isNull();
    assertThat(r.region).isNull();
    assertThat(r.payload).isNull();
    assertThat(r.payloadKeys).isNull();
    reader.read(null, a, NOW, r);
    reader.read(null, "{".getBytes(StandardCharsets.UTF_8), NOW, r);
    assertThat(r.error).startsWith("expected valid JSON");
    assertThat(r.id).isNull();
    reader.read(null, bare.getBytes(StandardCharsets.UTF_8), NOW, r);
    assertThat(r.error).isNull();
    assertThat(r.id).isEqualTo("y");
  }

  @Test
  void aReusedRecordsOwnFieldsAreProjectedAnewEachCall() {
    // the reader reuses the record's fields array when the next call asks for as many fields:
    // the writer must not take the array for a contract's own, unchanging list
    EventWriter writer = new EventWriter(new byte[] {1});
    CallRecord r = new CallRecord();
    String[] delivered = new String[2];
    String[] asked = {"speed", "heading"};
    for (int k = 0; k < 2; k++) {
      String json =
          "{\"id\":\"x\",\"ts\":"
              + NOW
              + ",\"consumer\":\"a\",\"dataset\":\"d\",\"action\":\"read\",\"purpose\":\"p\","
              + "\"fields\":[\""
              + asked[k]
              + "\"],\"payload\":{\"speed\":1,\"heading\":2}}";
      reader.read(null, json.getBytes(StandardCharsets.UTF_8), NOW, r);
      delivered[k] =
          new String(writer.delivered(r, "c", "v", r.fields, null), StandardCharsets.UTF_8);
    }
    assertThat(delivered[0]).contains("\"payload\":{\"speed\":1}");
    assertThat(delivered[1]).contains("\"payload\":{\"heading\":2}");
  }

  @Test
  void numbersAreWrittenAsJavaWritesThem() {
    Random random = new Random(3);
    JsonBytes out = new JsonBytes();
    for (int k = 0; k < 100_000; k++) {
      long v =
          switch (k % 4) {
            case 0 -> random.nextLong();
            case 1 -> random.nextInt(1000) - 500;
            case 2 -> random.nextLong() >>> random.nextInt(64);
            default -> (long) Math.pow(10, k % 19) - (k & 1);
          };
      out.reset().number(v);
      assertThat(new String(out.toByteArray(), StandardCharsets.US_ASCII))
          .isEqualTo(Long.toString(v));
    }
    for (long v : new long[] {0, Long.MIN_VALUE, Long.MAX_VALUE, 99_999_999, 100_000_000}) {
      out.reset().number(v);
      assertThat(new String(out.toByteArray(), StandardCharsets.US_ASCII))
          .isEqualTo(Long.toString(v));
    }
  }

  // ----------------------------------------------------------------------------------------------

  private boolean same(byte[] value) {
    return same(value, NOW);
  }

  /** Reads {@code value} both ways; true when both accept it. */
  private boolean same(byte[] value, long ingest) {
    CallRecord expected = codec.parse(new byte[] {'k'}, value, ingest, new CallRecord());
    CallRecord fresh = reader.read(new byte[] {'k'}, value, ingest, new CallRecord());
    CallRecord again = reader.read(new byte[] {'k'}, value, ingest, reused);
    String shown = value == null ? "null" : clip(new String(value, StandardCharsets.UTF_8));
    for (CallRecord actual : List.of(fresh, again)) {
      if (expected.error == null
          && actual.error != null
          && actual.error.contains("a number of more than 1000 digits")) {
        // stricter than Jackson, which checks the length only of the numbers it decodes
        assertThat(value.length).isGreaterThan(1000);
        continue;
      }
      if (expected.error != null || actual.error != null) {
        assertThat(actual.error).as("refused: " + shown).isNotNull();
        assertThat(expected.error).as("refused by the codec: " + shown).isNotNull();
        if (!syntaxClass(expected.error) || !syntaxClass(actual.error)) {
          if (syntaxClass(expected.error) || syntaxClass(actual.error)) {
            // one parser met the broken syntax first, the other a rule: the record is not JSON
            assertThat(strictJson(value)).as("not strict JSON: " + shown).isFalse();
          } else {
            assertThat(actual.error).as(shown).isEqualTo(expected.error);
          }
        }
        assertThat(actual.original).isSameAs(value);
        assertThat(actual.ts).isEqualTo(ingest);
        continue;
      }
      assertThat(actual.id).as(shown).isEqualTo(expected.id);
      assertThat(actual.ts).as(shown).isEqualTo(expected.ts);
      assertThat(actual.consumer).as(shown).isEqualTo(expected.consumer);
      assertThat(actual.dataset).isEqualTo(expected.dataset);
      assertThat(actual.action).isEqualTo(expected.action);
      assertThat(actual.purpose).isEqualTo(expected.purpose);
      assertThat(actual.fields).as(shown).isEqualTo(expected.fields);
      assertThat(actual.region).isEqualTo(expected.region);
      assertThat(actual.hasLocation).isEqualTo(expected.hasLocation);
      assertThat(Double.compare(actual.lat, expected.lat)).as(shown).isZero();
      assertThat(Double.compare(actual.lon, expected.lon)).as(shown).isZero();
      assertThat(actual.channel).isEqualTo(expected.channel);
      assertThat(actual.records).isEqualTo(expected.records);
      assertThat(actual.bytes).isEqualTo(expected.bytes);
      if (expected.payload == null) {
        assertThat(actual.payload).isNull();
        assertThat(actual.payloadKeys).isNull();
      } else {
        assertThat(Arrays.copyOfRange(actual.payload, actual.payloadFrom, actual.payloadEnd()))
            .as(shown)
            .isEqualTo(expected.payload);
        assertThat(actual.payloadKeys).isEqualTo(expected.payloadKeys);
        int[] shifted = actual.payloadSpans.clone();
        for (int k = 0; k < shifted.length; k++) {
          shifted[k] -= actual.payloadFrom;
        }
        assertThat(shifted).as(shown).isEqualTo(expected.payloadSpans);
      }
    }
    return expected.error == null;
  }

  private static boolean syntaxClass(String error) {
    // "found trailing content" is a rule of its own: compared exactly, unless the other parser
    // met the trailing bytes as broken syntax
    return error.startsWith("expected valid JSON") || error.startsWith("unreadable");
  }

  /** Whether Jackson, with the codec's limits and duplicate detection, reads it to its end. */
  private static boolean strictJson(byte[] value) {
    try (JsonParser p = STRICT.createParser(value)) {
      int roots = 0;
      while (p.nextToken() != null) {
        if (p.getParsingContext().inRoot() && !p.currentToken().isStructEnd() && ++roots > 1) {
          return false; // one value only
        }
        if (p.currentToken().isNumeric()) {
          p.getNumberValue();
        } else if (p.currentToken() == com.fasterxml.jackson.core.JsonToken.VALUE_STRING) {
          p.getText();
        }
      }
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static String clip(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  private static String names(int n) {
    StringBuilder sb = new StringBuilder("[");
    for (int k = 0; k < n; k++) {
      sb.append(k == 0 ? "" : ",").append("\"f").append(k).append('"');
    }
    return sb.append(']').toString();
  }

  private static String keys(int n) {
    StringBuilder sb = new StringBuilder("{");
    for (int k = 0; k < n; k++) {
      sb.append(k == 0 ? "" : ",").append("\"k").append(k).append("\":").append(k);
    }
    return sb.append('}').toString();
  }

  /** {@code depth} nested lists around 1. */
  private static String nested(int depth) {
    return "[".repeat(depth) + "1" + "]".repeat(depth);
  }

  // a generator of call records: mostly valid, in every shape the schema allows
  private static final String[] TEXTS = {
    "a", "city-traffic-lab", "vehicle-telemetry", "traffic-optimisation", "导航", "é", "😀x",
    "a\\\"b", "\\u00e9t\\u00E9", "tab\\there", "sl\\/ash", "\\ud83d\\ude00", "x y", "back\\\\"
  };
  private static final String[] NUMBERS = {
    "0",
    "-0",
    "1",
    "42",
    "-17",
    "3.25",
    "-0.0",
    "1e3",
    "1E-3",
    "2.5e+2",
    "123456789012345678901",
    "0.1",
    "31.2304",
    "121.473701",
    "1.7976931348623157e308",
    "4.9e-324",
    "12345678901234567.5"
  };

  static String record(Random r) {
    List<String> parts = new ArrayList<>();
    if (r.nextInt(4) == 0) {
      parts.add("\"v\":1");
    }
    parts.add("\"id\":\"" + pick(r, TEXTS) + r.nextInt(1000) + "\"");
    parts.add(
        "\"ts\":"
            + (r.nextInt(5) == 0
                ? "\"" + Instant.ofEpochMilli(NOW - r.nextInt(1_000_000)) + "\""
                : Long.toString(NOW - r.nextInt(1_000_000))));
    parts.add("\"consumer\":\"" + pick(r, TEXTS) + "\"");
    parts.add("\"dataset\":\"" + pick(r, TEXTS) + "\"");
    parts.add("\"action\":\"" + pick(r, new String[] {"read", "stream", "use", "Read"}) + "\"");
    parts.add("\"purpose\":\"" + pick(r, TEXTS) + "\"");
    if (r.nextBoolean()) {
      StringBuilder f = new StringBuilder("[");
      int n = r.nextInt(4);
      for (int k = 0; k < n; k++) {
        f.append(k == 0 ? "" : ",").append('"').append(pick(r, TEXTS)).append(k).append('"');
      }
      parts.add("\"fields\":" + f + "]");
    }
    if (r.nextBoolean()) {
      parts.add("\"region\":\"" + pick(r, new String[] {"CN", "CN-SH", "DE-BY", "US-CA1"}) + "\"");
    }
    if (r.nextBoolean()) {
      parts.add(
          "\"location\":{\"lat\":"
              + pick(r, new String[] {"31.23", "-0.5", "0", "45", "89.999999999999999"})
              + ",\"lon\":"
              + pick(r, new String[] {"121.47", "-180", "179.9", "1e1"})
              + "}");
    }
    if (r.nextBoolean()) {
      parts.add("\"channel\":\"" + pick(r, new String[] {"kafka", "mqtt", "http"}) + "\"");
    }
    if (r.nextBoolean()) {
      parts.add("\"records\":" + r.nextInt(10));
    }
    if (r.nextBoolean()) {
      parts.add("\"bytes\":" + r.nextInt(100_000));
    }
    if (r.nextInt(4) != 0) {
      parts.add("\"payload\":" + object(r, 0));
    }
    if (r.nextInt(3) == 0) {
      parts.add("\"extra\":" + value(r, 0));
    }
    java.util.Collections.shuffle(parts, r);
    String ws = pick(r, new String[] {"", "", " ", "\n", " \t"});
    return "{" + ws + String.join("," + ws, parts) + ws + "}";
  }

  private static String object(Random r, int depth) {
    StringBuilder sb = new StringBuilder("{");
    int n = r.nextInt(6);
    for (int k = 0; k < n; k++) {
      sb.append(k == 0 ? "" : ",")
          .append('"')
          .append(pick(r, TEXTS))
          .append(k)
          .append("\":")
          .append(value(r, depth + 1));
    }
    return sb.append('}').toString();
  }

  private static String value(Random r, int depth) {
    switch (depth > 4 ? r.nextInt(4) : r.nextInt(6)) {
      case 0:
        return "\"" + pick(r, TEXTS) + "\"";
      case 1:
        return pick(r, NUMBERS);
      case 2:
        return pick(r, new String[] {"true", "false", "null"});
      case 3:
        return "\"\"";
      case 4:
        return object(r, depth);
      default:
        {
          StringBuilder sb = new StringBuilder("[");
          int n = r.nextInt(4);
          for (int k = 0; k < n; k++) {
            sb.append(k == 0 ? "" : ",").append(value(r, depth + 1));
          }
          return sb.append(']').toString();
        }
    }
  }

  private static final byte[] SIGNIFICANT =
      "{}[]\",:\\ 0-.eEtfnu1\"x".getBytes(StandardCharsets.UTF_8);

  static byte[] mutate(byte[] v, Random r) {
    if (v.length == 0) {
      return v;
    }
    int at = r.nextInt(v.length);
    switch (r.nextInt(4)) {
      case 0: // delete a byte
        {
          byte[] out = new byte[v.length - 1];
          System.arraycopy(v, 0, out, 0, at);
          System.arraycopy(v, at + 1, out, at, v.length - at - 1);
          return out;
        }
      case 1: // insert a significant byte
        {
          byte[] out = new byte[v.length + 1];
          System.arraycopy(v, 0, out, 0, at);
          out[at] = SIGNIFICANT[r.nextInt(SIGNIFICANT.length)];
          System.arraycopy(v, at, out, at + 1, v.length - at);
          return out;
        }
      case 2: // replace a byte
        {
          byte[] out = v.clone();
          out[at] = SIGNIFICANT[r.nextInt(SIGNIFICANT.length)];
          return out;
        }
      default: // cut the record short
        return Arrays.copyOf(v, at);
    }
  }

  private static String pick(Random r, String[] from) {
    return from[r.nextInt(from.length)];
  }
}
