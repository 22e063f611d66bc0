package io.tollgate.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.erdtman.jcs.JsonCanonicalizer;
import org.junit.jupiter.api.Test;

/** Our RFC 8785 writer gives the bytes of the RFC's Java implementation, for any JSON we hold. */
class CanonicalTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theRfcsExamples() throws Exception {
    // RFC 8785 section 3.2.2's sorting and 3.2.3's example (numbers, literals, escapes)
    String in =
        "{\"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],"
            + " \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\","
            + " \"literals\": [null, true, false]}";
    assertThat(Canonical.string(JSON.readTree(in)))
        .isEqualTo(
            "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
                + "\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
    String sorting =
        "{\"\\u20ac\": \"Euro Sign\", \"\\r\": \"Carriage Return\", \"\\ufb33\": \"Hebrew\","
            + " \"1\": \"One\", \"\\ud83d\\ude00\": \"Emoji\", \"\\u0080\": \"Control\","
            + " \"\\u00f6\": \"Latin\"}";
    assertThat(Canonical.string(JSON.readTree(sorting)))
        .isEqualTo(new JsonCanonicalizer(sorting).getEncodedString());
  }

  @Test
  void randomDocumentsMatchTheReferenceImplementation() throws Exception {
    Random r = new Random(8785);
    for (int i = 0; i < 2000; i++) {
      ObjectNode n = JSON.createObjectNode(); // the reference reads objects and arrays only
      n.set("x", random(r, 0));
      String text = JSON.writeValueAsString(n);
      assertThat(new String(Canonical.bytes(n), StandardCharsets.UTF_8))
          .as(text)
          .isEqualTo(new JsonCanonicalizer(text).getEncodedString());
    }
  }

  @Test
  void whatJcsCannotHoldIsRefused() {
    assertThatThrownBy(() -> Canonical.bytes(JSON.getNodeFactory().numberNode(1L << 60)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Canonical.bytes(JSON.getNodeFactory().textNode("\ud800x")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  static JsonNode random(Random r, int depth) {
    int k = depth > 3 ? r.nextInt(4) : r.nextInt(6);
    switch (k) {
      case 0:
        return JSON.getNodeFactory().textNode(randomString(r));
      case 1:
        return JSON.getNodeFactory().numberNode((long) (r.nextGaussian() * 1e12));
      case 2:
        {
          double d =
              r.nextInt(3) == 0
                  ? r.nextInt(1000) / 1000.0
                  : r.nextGaussian() * Math.pow(10, r.nextInt(40) - 20);
          return JSON.getNodeFactory().numberNode(d);
        }
      case 3:
        return r.nextBoolean()
            ? JSON.getNodeFactory().booleanNode(r.nextBoolean())
            : JSON.getNodeFactory().nullNode();
      case 4:
        {
          ArrayNode a = JSON.createArrayNode();
          for (int i = r.nextInt(4); i > 0; i--) {
            a.add(random(r, depth + 1));
          }
          return a;
        }
      default:
        {
          ObjectNode o = JSON.createObjectNode();
          for (int i = r.nextInt(5); i > 0; i--) {
            o.set(randomString(r), random(r, depth + 1));
          }
          return o;
        }
    }
  }

  static String randomString(Random r) {
    String alphabet = "abcXYZ019 \"\\/\n\t\u0001\u001f\u007f\u00e9\u20ac\u4e2d\ufb33\ud83d\ude00";
    StringBuilder b = new StringBuilder();
    for (int i = r.nextInt(8); i > 0; i--) {
      int p = r.nextInt(alphabet.length());
      char c = alphabet.charAt(p);
      if (Character.isHighSurrogate(c)) {
        b.append(c).append(alphabet.charAt(p + 1));
      } else if (!Character.isLowSurrogate(c)) {
        b.append(c);
      }
    }
    return b.toString();
  }
}
