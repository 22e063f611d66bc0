package io.tollgate.enforcement.records;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The pseudonym is HMAC-SHA256 as the JDK computes it, for keys of every length. */
class PseudonymsTest {
  @Test
  void pseudonymsAreTheJdksHmacSha256() throws Exception {
    Random random = new Random(11);
    for (int k = 0; k < 500; k++) {
      byte[] key = new byte[k % 7 == 0 ? 64 + random.nextInt(100) : 1 + random.nextInt(64)];
      random.nextBytes(key);
      Pseudonyms p = new Pseudonyms(key);
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      for (int v = 0; v < 5; v++) {
        String json = "\"SH-A" + random.nextInt(100_000) + "\"";
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        String expected = HexFormat.of().formatHex(mac.doFinal(b)).substring(0, 32);
        byte[] q = p.quoted(b, 0, b.length);
        assertThat(new String(q, 1, 32, StandardCharsets.US_ASCII)).isEqualTo(expected);
      }
    }
  }

  @Test
  void anEscapedStringHasThePseudonymOfItsPlainForm() {
    Pseudonyms p = new Pseudonyms("k".getBytes(StandardCharsets.UTF_8));
    byte[] plain = "\"SH-A1\"".getBytes(StandardCharsets.UTF_8);
    byte[] escaped = "\"SH-A\\u0031\"".getBytes(StandardCharsets.UTF_8);
    String a = new String(p.quoted(plain, 0, plain.length), StandardCharsets.US_ASCII);
    String b = new String(p.quoted(escaped, 0, escaped.length), StandardCharsets.US_ASCII);
    assertThat(b).isEqualTo(a);
  }
}
