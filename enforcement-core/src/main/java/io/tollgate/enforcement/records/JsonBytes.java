package io.tollgate.enforcement.records;

import java.util.Arrays;

/**
 * A growable UTF-8 JSON byte buffer for records whose shape is fixed: strings are escaped as RFC
 * 8259 requires, numbers written without boxing, and raw JSON (a value already validated by the
 * parser) copied as bytes. Reused per operator; {@link #toByteArray()} copies the result out.
 */
final class JsonBytes {
  private static final byte[] HEX =
      "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private byte[] buf = new byte[512];
  private int len;

  JsonBytes reset() {
    len = 0;
    return this;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, len);
  }

  /** The buffer itself (valid up to {@link #length()}); replaced when it grows. */
  byte[] buffer() {
    return buf;
  }

  int length() {
    return len;
  }

  private void ensure(int more) {
    if (len + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
    }
  }

  JsonBytes raw(char c) {
    ensure(1);
    buf[len++] = (byte) c;
    return this;
  }

  /** ASCII text known to need no escaping (keys and fixed tokens of our own). */
  JsonBytes ascii(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      buf[len++] = (byte) s.charAt(i);
    }
    return this;
  }

  JsonBytes ascii(char[] s, int n) {
    ensure(n);
    for (int i = 0; i < n; i++) {
      buf[len++] = (byte) s[i];
    }
    return this;
  }

  JsonBytes raw(byte[] b, int off, int n) {
    ensure(n);
    System.arraycopy(b, off, buf, len, n);
    len += n;
    return this;
  }

  private static final int KEYS = 256;
  private final String[] keyNames = new String[KEYS];
  private final byte[][] keyBytes = new byte[KEYS][]; // ,"key":

  /**
   * {@code "key":} for one of our own ASCII keys, with a leading comma unless first. The keys are
   * constants: each is encoded once, then copied.
   */
  JsonBytes key(String k, boolean first) {
    int slot = (k.hashCode() * 0x9E3779B9) >>> 24;
    byte[] q = keyBytes[slot];
    if (keyNames[slot] != k && keyNames[slot] != null) {
      // the slot is another key's: this one is written out each time (a slot is never taken
      // over, so that two keys never evict each other record after record)
      if (!first) {
        raw(',');
      }
      return raw('"').ascii(k).raw('"').raw(':');
    }
    if (q == null) {
      int n = k.length();
      q = new byte[n + 4];
      q[0] = ',';
      q[1] = '"';
      for (int i = 0; i < n; i++) {
        q[2 + i] = (byte) k.charAt(i);
      }
      q[n + 2] = '"';
      q[n + 3] = ':';
      keyNames[slot] = k;
      keyBytes[slot] = q;
    }
    return first ? raw(q, 1, q.length - 1) : raw(q, 0, q.length);
  }

  private static final byte[] DIGITS = new byte[200];

  static {
    for (int i = 0; i < 100; i++) {
      DIGITS[2 * i] = (byte) ('0' + i / 10);
      DIGITS[2 * i + 1] = (byte) ('0' + i % 10);
    }
  }

  JsonBytes number(long v) {
    if (v == Long.MIN_VALUE) {
      return ascii("-9223372036854775808");
    }
    ensure(20);
    if (v < 0) {
      buf[len++] = '-';
      v = -v;
    }
    if (v < 100_000_000L) {
      digits((int) v);
    } else if (v < 10_000_000_000_000_000L) {
      digits((int) (v / 100_000_000L));
      eight((int) (v % 100_000_000L));
    } else {
      long hi = v / 100_000_000L;
      digits((int) (hi / 100_000_000L));
      eight((int) (hi % 100_000_000L));
      eight((int) (v % 100_000_000L));
    }
    return this;
  }

  /** Writes {@code v} (0 to 99,999,999) without leading zeros, two digits at a time. */
  private void digits(int v) {
    int n =
        v < 10
            ? 1
            : v < 100
                ? 2
                : v < 1000
                    ? 3
                    : v < 10_000 ? 4 : v < 100_000 ? 5 : v < 1_000_000 ? 6 : v < 10_000_000 ? 7 : 8;
    int end = len + n;
    int at = end;
    while (v >= 100) {
      int q = v / 100;
      int r = (v - q * 100) * 2;
      buf[--at] = DIGITS[r + 1];
      buf[--at] = DIGITS[r];
      v = q;
    }
    if (v >= 10) {
      buf[--at] = DIGITS[2 * v + 1];
      buf[--at] = DIGITS[2 * v];
    } else {
      buf[--at] = (byte) ('0' + v);
    }
    len = end;
  }

  /** Writes {@code v} (0 to 99,999,999) as exactly eight digits. */
  private void eight(int v) {
    int at = len + 8;
    for (int k = 0; k < 4; k++) {
      int q = v / 100;
      int r = (v - q * 100) * 2;
      buf[--at] = DIGITS[r + 1];
      buf[--at] = DIGITS[r];
      v = q;
    }
    len += 8;
  }

  private static final int QUOTES = 1024;
  private final String[] quotedKeys = new String[QUOTES];
  private final byte[][] quotedBytes = new byte[QUOTES][];

  /**
   * As {@link #string}, for the few texts that recur from record to record (consumers, datasets,
   * purposes, contract ids, payload keys): their encoded bytes are kept in a small table, found by
   * the string's cached hash and an equality test, so each is encoded once.
   */
  JsonBytes recurring(String s) {
    if (s == null || s.length() > 64) {
      return string(s);
    }
    int slot = (s.hashCode() * 0x9E3779B9) >>> 22;
    String k = quotedKeys[slot];
    if (k != null && (k == s || k.equals(s))) {
      byte[] q = quotedBytes[slot];
      return raw(q, 0, q.length);
    }
    int from = len;
    string(s);
    if (k == null) { // a slot is taken once and kept: no eviction, no garbage, under any mix
      quotedKeys[slot] = s;
      quotedBytes[slot] = Arrays.copyOfRange(buf, from, len);
    }
    return this;
  }

  /** A JSON string (or null), escaped, UTF-8 encoded (unpaired surrogates become U+FFFD). */
  JsonBytes string(String s) {
    if (s == null) {
      return ascii("null");
    }
    int n = s.length();
    ensure(n * 6 + 2); // worst case per char: a six-byte escape; UTF-8 needs at most 3, or 4 per
    // surrogate pair
    buf[len++] = '"';
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        if (c < 0x20 || c == '"' || c == '\\') {
          escape(c);
        } else {
          buf[len++] = (byte) c;
        }
      } else if (c < 0x800) {
        buf[len++] = (byte) (0xc0 | (c >> 6));
        buf[len++] = (byte) (0x80 | (c & 0x3f));
      } else if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        ensure(4);
        buf[len++] = (byte) (0xf0 | (cp >> 18));
        buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
        buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
        buf[len++] = (byte) (0x80 | (cp & 0x3f));
      } else {
        if (Character.isSurrogate(c)) {
          c = '\ufffd';
        }
        buf[len++] = (byte) (0xe0 | (c >> 12));
        buf[len++] = (byte) (0x80 | ((c >> 6) & 0x3f));
        buf[len++] = (byte) (0x80 | (c & 0x3f));
      }
    }
    ensure(1);
    buf[len++] = '"';
    return this;
  }

  private void escape(char c) {
    ensure(6);
    buf[len++] = '\\';
    switch (c) {
      case '"' -> buf[len++] = '"';
      case '\\' -> buf[len++] = '\\';
      case '\n' -> buf[len++] = 'n';
      case '\r' -> buf[len++] = 'r';
      case '\t' -> buf[len++] = 't';
      case '\b' -> buf[len++] = 'b';
      case '\f' -> buf[len++] = 'f';
      default -> {
        buf[len++] = 'u';
        buf[len++] = '0';
        buf[len++] = '0';
        buf[len++] = HEX[c >> 4];
        buf[len++] = HEX[c & 0xf];
      }
    }
  }
}
