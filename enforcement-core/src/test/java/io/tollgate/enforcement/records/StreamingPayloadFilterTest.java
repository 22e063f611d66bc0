package io.tollgate.enforcement.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.policy.MaskMethod;
import io.tollgate.policy.Obligations;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The streaming filter against the stream's {@link PayloadFilter}: the same payload, cut into
 * random pieces, gives the same bytes; hostile bodies are refused at the byte they go wrong.
 */
class StreamingPayloadFilterTest {
  static final byte[] KEY = "mask-key-for-tests".getBytes(StandardCharsets.UTF_8);
  static final String[] NAMES = {
    "name", "idNumber", "score", "phone", "addr", "k\\u0041", "城市", "x"
  };

  static long[] seeds() {
    long base = Long.getLong("tollgate.seed", 20261201L);
    int n = Integer.getInteger("tollgate.seeds", 500);
    long[] s = new long[n];
    for (int i = 0; i < n; i++) {
      s[i] = base + i;
    }
    return s;
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void streamedPiecesGiveTheStreamsBytes(long seed) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    String payload = object(r, 0, true);
    CallRecord rec = EventCodecsTest.parse(EventCodecsTest.call(payload));
    assertThat(rec.error).as(payload).isNull();
    String[] project = r.nextInt(3) == 0 ? null : pick(r);
    Obligations.Mask[] masks = masks(r);

    JsonBytes expected = new JsonBytes();
    new PayloadFilter(new Pseudonyms(KEY))
        .write(
            expected,
            rec.payload,
            rec.payloadFrom,
            rec.payloadEnd(),
            rec.payloadKeys,
            rec.payloadSpans,
            project,
            masks,
            false);
    byte[] want = expected.toByteArray();
    if (project == null && masks.length == 0) {
      return; // both pass the bytes through untouched; the gateway does not filter then
    }
    byte[] got = filter(rec.payload, project, masks, r);
    assertThat(new String(got, StandardCharsets.UTF_8))
        .as(
            "payload %s project %s masks %s",
            payload, project == null ? null : List.of(project), List.of(masks))
        .isEqualTo(new String(want, StandardCharsets.UTF_8));
  }

  @Test
  void anArrayOfObjectsIsFilteredRecordByRecord() throws Exception {
    StreamingPayloadFilter f = filter();
    f.start(
        new String[] {"a", "b"},
        new Obligations.Mask[] {new Obligations.Mask("b", MaskMethod.REDACT)});
    byte[] out = run(f, " [ {\"a\":1,\"b\":\"x\",\"c\":[1,2]} , {\"c\":{},\"a\":[ 1 ]} ] ");
    assertThat(new String(out, StandardCharsets.UTF_8))
        .isEqualTo("[{\"a\":1,\"b\":\"[redacted]\"},{\"a\":[ 1 ]}]");
    assertThat(f.records()).isEqualTo(2);
  }

  @Test
  void hostileBodiesAreRefusedWhereTheyGoWrong() {
    assertRefused("{\"a\":1", "expected more JSON, found the end of the body at byte 6");
    assertRefused("{\"a\":1}x", "expected the end of the body, found 'x' at byte 7");
    assertRefused(
        "\"text\"", "expected a JSON object or an array of objects, found '\"' at byte 0");
    assertRefused("[1]", "expected an object in the top-level array, found '1' at byte 1");
    assertRefused("{\"a\":01}", "expected no leading zero in a number, found '1' at byte 6");
    assertRefused("{\"a\":tru}", "expected 'true', found '}' at byte 8");
    assertRefused("{\"a\":\"\\x\"}", "expected a JSON escape, found \\'x' at byte 7");
    assertRefused("{\"a\":1,}", "expected a member name, found '}' at byte 7");
    assertRefused(
        "{\"a\":1,\"a\":2}",
        "expected each member name once in an object, found \"a\" again at byte 9");
    assertRefused(
        "{\"a\":\"\u0001\"}",
        "expected a control character to be escaped in a string, found byte 0x01 at byte 6");
    assertRefused("{\"a\" 1}", "expected ':', found '1' at byte 5");
  }

  @Test
  void invalidUtf8IsRefused() {
    byte[] overlong = {'{', '"', 'a', '"', ':', '"', (byte) 0xc0, (byte) 0xaf, '"', '}'};
    byte[] surrogate = {
      '{', '"', 'a', '"', ':', '"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"', '}'
    };
    for (byte[] b : List.of(overlong, surrogate)) {
      StreamingPayloadFilter f = filter();
      f.start(null, new Obligations.Mask[] {new Obligations.Mask("a", MaskMethod.HASH)});
      assertThatThrownBy(() -> f.feed(b, 0, b.length))
          .isInstanceOf(StreamingPayloadFilter.Refused.class)
          .hasMessageContaining("expected UTF-8 text");
    }
  }

  @Test
  void deepNestingIsRefusedWithoutRecursion() {
    StringBuilder deep = new StringBuilder("{\"a\":");
    deep.append("[".repeat(10_000));
    StreamingPayloadFilter f = filter();
    f.start(new String[] {"a"}, null);
    byte[] b = deep.toString().getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> f.feed(b, 0, b.length))
        .hasMessage("expected JSON nested at most 64 levels deep, found deeper at byte 68");
  }

  @Test
  void aHugeMaskedValueIsRefusedBeforeAnyOfItIsWritten() throws Exception {
    StreamingPayloadFilter f = new StreamingPayloadFilter(new Pseudonyms(KEY), 64, 1024);
    f.start(null, new Obligations.Mask[] {new Obligations.Mask("id", MaskMethod.HASH)});
    byte[] head = "{\"ok\":1,\"id\":\"".getBytes(StandardCharsets.US_ASCII);
    f.feed(head, 0, head.length);
    assertThat(new String(f.output(), 0, f.outputLength(), StandardCharsets.US_ASCII))
        .isEqualTo("{\"ok\":1,\"id\":");
    byte[] secret = "S".repeat(4096).getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> f.feed(secret, 0, secret.length))
        .hasMessageContaining("at most 1024 bytes");
    assertThat(new String(f.output(), 0, f.outputLength(), StandardCharsets.US_ASCII))
        .doesNotContain("S");
  }

  @Test
  void aHugePassedStringIsRefusedToo() {
    StreamingPayloadFilter f = new StreamingPayloadFilter(new Pseudonyms(KEY), 64, 1 << 20);
    f.start(new String[] {"big"}, null);
    byte[] head = "{\"big\":\"".getBytes(StandardCharsets.US_ASCII);
    byte[] chunk = new byte[64 * 1024];
    java.util.Arrays.fill(chunk, (byte) 'a');
    assertThatThrownBy(
            () -> {
              f.feed(head, 0, head.length);
              for (int i = 0; i < 100 * 16; i++) { // up to 100 MiB, refused after 1 MiB
                f.feed(chunk, 0, chunk.length);
              }
            })
        .hasMessageContaining("expected a string of at most 1048576 bytes");
  }

  // --- helpers

  static StreamingPayloadFilter filter() {
    return new StreamingPayloadFilter(new Pseudonyms(KEY), 64, 1 << 20);
  }

  static void assertRefused(String body, String message) {
    StreamingPayloadFilter f = filter();
    f.start(new String[] {"a"}, null);
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(
            () -> {
              f.feed(b, 0, b.length);
              f.finish();
            })
        .isInstanceOf(StreamingPayloadFilter.Refused.class)
        .hasMessage(message);
  }

  static byte[] run(StreamingPayloadFilter f, String body) throws Exception {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    f.feed(b, 0, b.length);
    out.write(f.output(), 0, f.outputLength());
    f.finish();
    return out.toByteArray();
  }

  static byte[] filter(byte[] body, String[] project, Obligations.Mask[] masks, SplittableRandom r)
      throws Exception {
    StreamingPayloadFilter f = filter();
    f.start(project, masks);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = 0;
    while (at < body.length) {
      int n = Math.min(body.length - at, 1 + r.nextInt(r.nextBoolean() ? 3 : 64));
      f.feed(body, at, n);
      out.write(f.output(), 0, f.outputLength());
      at += n;
    }
    f.finish();
    out.write(f.output(), 0, f.outputLength());
    assertThat(f.records()).isEqualTo(1);
    return out.toByteArray();
  }

  static String[] pick(SplittableRandom r) {
    List<String> names = new ArrayList<>();
    for (String n : NAMES) {
      if (r.nextBoolean()) {
        names.add(decoded(n));
      }
    }
    return names.toArray(String[]::new);
  }

  static String decoded(String n) {
    return n.replace("\\u0041", "A");
  }

  static Obligations.Mask[] masks(SplittableRandom r) {
    List<Obligations.Mask> masks = new ArrayList<>();
    MaskMethod[] methods = MaskMethod.values();
    for (String n : NAMES) {
      if (r.nextInt(4) == 0) {
        masks.add(new Obligations.Mask(decoded(n), methods[r.nextInt(methods.length)]));
      }
    }
    return masks.toArray(Obligations.Mask[]::new);
  }

  static String ws(SplittableRandom r) {
    switch (r.nextInt(6)) {
      case 0:
        return " ";
      case 1:
        return "\n  ";
      case 2:
        return "\t\r\n";
      default:
        return "";
    }
  }

  static String object(SplittableRandom r, int depth, boolean top) {
    StringBuilder b = new StringBuilder("{").append(ws(r));
    List<String> names = new ArrayList<>(List.of(NAMES));
    int n = r.nextInt(top ? 7 : 3);
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        b.append(',').append(ws(r));
      }
      String name = names.remove(r.nextInt(names.size()));
      b.append('"').append(name).append('"').append(ws(r)).append(':').append(ws(r));
      b.append(value(r, depth + 1)).append(ws(r));
    }
    return b.append('}').toString();
  }

  static String value(SplittableRandom r, int depth) {
    switch (r.nextInt(depth > 3 ? 5 : 7)) {
      case 0:
        return "\"" + text(r) + "\"";
      case 1:
        return Long.toString(r.nextLong(-1_000_000, 1_000_000));
      case 2:
        return r.nextBoolean() ? "-0.5e+7" : "3.25E-2";
      case 3:
        return r.nextBoolean() ? "true" : r.nextBoolean() ? "false" : "null";
      case 4:
        return "\"SH-A\\u0031\"";
      case 5:
        return object(r, depth, false);
      default:
        StringBuilder b = new StringBuilder("[").append(ws(r));
        int n = r.nextInt(3);
        for (int i = 0; i < n; i++) {
          if (i > 0) {
            b.append(',').append(ws(r));
          }
          b.append(value(r, depth + 1));
        }
        return b.append(ws(r)).append(']').toString();
    }
  }

  static String text(SplittableRandom r) {
    String[] parts = {"a", "张三", "\\n", "\\\"", "\\u00e9", "😀", " ", "110101199003077777", "\\/"};
    StringBuilder b = new StringBuilder();
    int n = r.nextInt(5);
    for (int i = 0; i < n; i++) {
      b.append(parts[r.nextInt(parts.length)]);
    }
    return b.toString();
  }
}
