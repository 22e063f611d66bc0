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

  /** {@code "key":} for one of our own ASCII keys, with a leading comma unless first. */
  JsonBytes key(String k, boolean first) {
    ensure(k.length() + 4);
    if (!first) {
      buf[len++] = ',';
    }
    buf[len++] = '"';
    ascii(k);
    buf[len++] = '"';
    buf[len++] = ':';
    return this;
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
    int start = len;
    do {
      buf[len++] = (byte) ('0' + v % 10);
      v /= 10;
    } while (v != 0);
    for (int i = start, j = len - 1; i < j; i++, j--) {
      byte t = buf[i];
      buf[i] = buf[j];
      buf[j] = t;
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
