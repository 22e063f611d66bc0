package io.tollgate.enforcement.records;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The strict UTF-8 check against the JDK's strict decoder, and the sequences it must refuse. */
class Utf8Test {
  static boolean jdkValid(byte[] b) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  @Test
  void agreesWithTheJdkOnRandomBytes() {
    Random rnd = new Random(11);
    int valid = 0;
    for (int i = 0; i < 300_000; i++) {
      byte[] b = new byte[rnd.nextInt(8)];
      for (int k = 0; k < b.length; k++) {
        // bias towards lead and continuation bytes so that multi-byte forms are common
        b[k] = (byte) (rnd.nextInt(3) == 0 ? rnd.nextInt(128) : 0x80 + rnd.nextInt(128));
      }
      boolean ours = Utf8.invalidAt(b) < 0;
      assertThat(ours).as("%s", java.util.HexFormat.of().formatHex(b)).isEqualTo(jdkValid(b));
      valid += ours ? 1 : 0;
    }
    assertThat(valid).isGreaterThan(1000);
  }

  @Test
  void refusesOverlongSurrogateTooLargeAndTruncatedForms() {
    assertThat(Utf8.invalidAt(new byte[] {'a', (byte) 0xc0, (byte) 0xaf})).isEqualTo(1);
    assertThat(Utf8.invalidAt(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80})).isZero();
    assertThat(Utf8.invalidAt(new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}))
        .isZero();
    assertThat(Utf8.invalidAt(new byte[] {'x', 'y', (byte) 0xe4, (byte) 0xb8})).isEqualTo(2);
    assertThat(Utf8.invalidAt("车路协同 😀".getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
  }

  @Test
  void callsThatAreNotUtf8GoToTheDeadLetterTopic() {
    String call =
        "{\"id\":\"c\",\"ts\":1,\"consumer\":\"a\",\"dataset\":\"d\",\"action\":\"read\",\"purpose\":\"p\"}";
    CallRecordCodec codec = new CallRecordCodec(Long.MAX_VALUE);
    assertThat(
            codec.parse(null, call.getBytes(StandardCharsets.UTF_16LE), 1, new CallRecord()).error)
        .startsWith("expected");
    byte[] overlong = call.replace("\"a\"", "\"a\u0001\"").getBytes(StandardCharsets.UTF_8);
    int at = new String(overlong, StandardCharsets.UTF_8).indexOf('\u0001');
    overlong[at] = (byte) 0xc0; // followed by '"': an invalid sequence inside a string
    assertThat(codec.parse(null, overlong, 1, new CallRecord()).error)
        .isEqualTo("expected UTF-8 text, found an invalid byte sequence at offset " + at);
    assertThat(codec.parse(null, call.getBytes(StandardCharsets.UTF_8), 1, new CallRecord()).error)
        .isNull();
  }

  @Test
  void escapedLoneSurrogatesAndByteOrderMarksAreRefused() {
    String call =
        "{\"id\":\"c\",\"ts\":1,\"consumer\":\"a\",\"dataset\":\"d\",\"action\":\"read\",\"purpose\":\"p\","
            + "\"payload\":{\"v\":\"X\"}}";
    CallRecordCodec codec = new CallRecordCodec(Long.MAX_VALUE);
    java.util.function.Function<String, String> error =
        v ->
            codec.parse(
                    null,
                    call.replace("\"X\"", v).getBytes(StandardCharsets.UTF_8),
                    1,
                    new CallRecord())
                .error;
    assertThat(error.apply("\"\\ud800\""))
        .startsWith("expected text that UTF-8 can encode, found an escaped lone surrogate");
    assertThat(error.apply("\"\\udc00x\"")).startsWith("expected text that UTF-8 can encode");
    assertThat(error.apply("\"\\ud83d\\u0041\"")).startsWith("expected text that UTF-8 can encode");
    assertThat(error.apply("\"\\ud83d\\ude00\"")).isNull();
    assertThat(error.apply("\"\\\\ud800\"")).isNull(); // an escaped backslash, then plain text
    assertThat(error.apply("\"\\u00e9\\n\"")).isNull();
    byte[] bom = ("\ufeff" + call).getBytes(StandardCharsets.UTF_8);
    assertThat(codec.parse(null, bom, 1, new CallRecord()).error)
        .isEqualTo("expected UTF-8 JSON without a byte order mark, found one");
  }

  @Test
  void pseudonymsSeparateTypes() throws Exception {
    String a =
        "{\"id\":\"c\",\"ts\":1,\"consumer\":\"a\",\"dataset\":\"d\",\"action\":\"read\",\"purpose\":\"p\","
            + "\"payload\":{\"v\":\"42\"}}";
    String b = a.replace("\"42\"", "42");
    CallRecordCodec codec = new CallRecordCodec(Long.MAX_VALUE);
    EventWriter w = new EventWriter(new byte[] {4});
    var mask =
        new io.tollgate.policy.Obligations.Mask[] {
          new io.tollgate.policy.Obligations.Mask("v", io.tollgate.policy.MaskMethod.HASH)
        };
    assertThat(
            w.delivered(
                codec.parse(null, a.getBytes(StandardCharsets.UTF_8), 1, new CallRecord()),
                "k",
                "v",
                null,
                mask))
        .isNotEqualTo(
            w.delivered(
                codec.parse(null, b.getBytes(StandardCharsets.UTF_8), 1, new CallRecord()),
                "k",
                "v",
                null,
                mask));
  }

  @Test
  void hashedStringsAreHashedAsTheirText() throws Exception {
    String a =
        "{\"id\":\"c\",\"ts\":1,\"consumer\":\"a\",\"dataset\":\"d\",\"action\":\"read\",\"purpose\":\"p\","
            + "\"payload\":{\"v\":\"SH-A1\"}}";
    String b = a.replace("SH-A1", "SH-A\\u0031");
    CallRecordCodec codec = new CallRecordCodec(Long.MAX_VALUE);
    EventWriter w = new EventWriter(new byte[] {4});
    var mask =
        new io.tollgate.policy.Obligations.Mask[] {
          new io.tollgate.policy.Obligations.Mask("v", io.tollgate.policy.MaskMethod.HASH)
        };
    String ha =
        new String(
            w.delivered(
                codec.parse(null, a.getBytes(StandardCharsets.UTF_8), 1, new CallRecord()),
                "k",
                "v",
                null,
                mask),
            StandardCharsets.UTF_8);
    String hb =
        new String(
            w.delivered(
                codec.parse(null, b.getBytes(StandardCharsets.UTF_8), 1, new CallRecord()),
                "k",
                "v",
                null,
                mask),
            StandardCharsets.UTF_8);
    assertThat(ha).isEqualTo(hb).doesNotContain("SH-A");
  }
}
