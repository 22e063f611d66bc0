package io.tollgate.enforcement.records;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

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

  // HMAC-SHA256 (RFC 2104) over a MessageDigest that digests into our own buffer: the JDK's Mac
  // returns a new array per value, even through doFinal(byte[], int)
  private final MessageDigest sha;
  private final byte[] innerPad = new byte[64];
  private final byte[] outerPad = new byte[64];
  private final byte[] inner = new byte[32];
  private final byte[] quoted = new byte[QUOTED_LENGTH];
  private final byte[] digest = new byte[32];
  private final JsonBytes scratch = new JsonBytes();

  /**
   * @param key the mask key (HMAC-SHA256)
   */
  public Pseudonyms(byte[] key) {
    if (key.length == 0) {
      // an empty key makes pseudonyms an unkeyed hash, which a dictionary reverses
      throw new IllegalArgumentException("the mask key is empty");
    }
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
    byte[] k = key.length > 64 ? sha.digest(key) : key;
    for (int i = 0; i < 64; i++) {
      byte b = i < k.length ? k[i] : 0;
      innerPad[i] = (byte) (b ^ 0x36);
      outerPad[i] = (byte) (b ^ 0x5c);
    }
  }

  /** HMAC-SHA256 of {@code m[from, to)} into {@link #digest}. */
  private void hmac(byte[] m, int from, int to) {
    try {
      sha.update(innerPad);
      sha.update(m, from, to - from);
      sha.digest(inner, 0, 32);
      sha.update(outerPad);
      sha.update(inner);
      sha.digest(digest, 0, 32);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e); // 32 bytes always fit
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
      byte[] canonical = scratch.reset().string(decodeString(json, from, to)).toByteArray();
      hmac(canonical, 0, canonical.length);
    } else {
      hmac(json, from, to);
    }
    byte[] h = digest;
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
