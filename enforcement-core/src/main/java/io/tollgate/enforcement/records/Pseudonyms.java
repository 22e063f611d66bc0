package io.tollgate.enforcement.records;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What the {@code hash} mask means: a stable, keyed pseudonym of a JSON value. The pseudonym is 32
 * hex digits of HMAC-SHA256 under the operator's mask key, taken over the value's canonical JSON
 * text: a string without escapes as written, a string with escapes as decoded and written again. So
 * {@code "SH-A1"} and {@code "SH-A\u0031"} get the same pseudonym, while {@code "42"} and {@code
 * 42} do not, nor {@code 42} and {@code 42.0}. Every enforcement point (the stream job, the HTTP
 * gateway) masks through this class, so the same value gets the same pseudonym everywhere and joins
 * still work.
 *
 * <p>Reuses its buffers: not thread-safe (one per operator or per event loop).
 */
public final class Pseudonyms {
  /** Length of a quoted pseudonym in bytes: 32 hex digits and two quotes. */
  public static final int QUOTED_LENGTH = 34;

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final JsonFactory JSON = new JsonFactory();

  private final Mac mac;
  private final byte[] quoted = new byte[QUOTED_LENGTH];
  private final byte[] digest = new byte[32];
  private final JsonBytes scratch = new JsonBytes();

  /**
   * @param key the mask key (HMAC-SHA256)
   */
  public Pseudonyms(byte[] key) {
    try {
      mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /**
   * The pseudonym, as a quoted JSON string, of the valid JSON value {@code json[from, to)}. The
   * returned array is reused by the next call.
   */
  public byte[] quoted(byte[] json, int from, int to) {
    boolean escaped = false;
    if (json[from] == '"') {
      for (int i = from + 1; i < to - 1; i++) {
        if (json[i] == '\\') {
          escaped = true;
          break;
        }
      }
    }
    if (escaped) {
      mac.update(scratch.reset().string(decodeString(json, from, to)).toByteArray());
    } else {
      mac.update(json, from, to - from);
    }
    byte[] h = digest;
    try {
      mac.doFinal(h, 0);
    } catch (javax.crypto.ShortBufferException e) {
      throw new IllegalStateException(e); // 32 bytes always fit
    }
    quoted[0] = '"';
    for (int i = 0; i < 16; i++) {
      quoted[1 + 2 * i] = HEX[(h[i] >> 4) & 0xf];
      quoted[2 + 2 * i] = HEX[h[i] & 0xf];
    }
    quoted[33] = '"';
    return quoted;
  }

  /** The pseudonym (32 hex digits, unquoted) of the JSON string value {@code value}. */
  public String of(String value) {
    byte[] json = scratch.reset().string(value).toByteArray();
    byte[] q = quoted(json, 0, json.length);
    return new String(q, 1, 32, StandardCharsets.US_ASCII);
  }

  static String decodeString(byte[] b, int from, int to) {
    try (JsonParser p = JSON.createParser(b, from, to - from)) {
      p.nextToken();
      return p.getText();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // the span was validated when the call was parsed
    }
  }
}
