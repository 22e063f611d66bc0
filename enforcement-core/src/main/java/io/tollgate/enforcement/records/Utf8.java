package io.tollgate.enforcement.records;

/**
 * Strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF, no
 * truncated sequences. The parser alone lets some of these through, and payload bytes are copied to
 * consumers as they are.
 */
final class Utf8 {
  private Utf8() {}

  /** Eight bytes at a time, little-endian: the fast paths skip words with nothing to see. */
  static final java.lang.invoke.VarHandle LONGS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
          long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  static final long HIGH_BITS = 0x8080808080808080L;
  static final long ONES = 0x0101010101010101L;

  /** Whether any byte of {@code w} is zero (exact as to whether, not which). */
  static boolean hasZeroByte(long w) {
    return ((w - ONES) & ~w & HIGH_BITS) != 0;
  }

  /** Whether any byte of {@code w} equals {@code c}. */
  static boolean hasByte(long w, byte c) {
    return hasZeroByte(w ^ (ONES * (c & 0xff)));
  }

  /**
   * The offset of the first {@code \\u} escape in JSON text {@code b} that denotes a lone surrogate
   * (a high one not followed by an escaped low one, or a low one alone), or -1. Such a string has
   * no UTF-8 form: strict parsers refuse it, and two of them would collapse into one.
   */
  static int loneSurrogateEscapeAt(byte[] b) {
    int n = b.length;
    for (int i = 0; i < n; i++) {
      while (i + 8 <= n && !hasByte((long) LONGS.get(b, i), (byte) '\\')) {
        i += 8;
      }
      if (i >= n || b[i] != '\\') {
        continue;
      }
      if (i + 1 < n && b[i + 1] == 'u' && i + 5 < n) {
        int c = hex4(b, i + 2);
        if (c >= 0xd800 && c <= 0xdbff) {
          int low = i + 11 < n && b[i + 6] == '\\' && b[i + 7] == 'u' ? hex4(b, i + 8) : -1;
          if (low < 0xdc00 || low > 0xdfff) {
            return i;
          }
          i += 11;
          continue;
        }
        if (c >= 0xdc00 && c <= 0xdfff) {
          return i;
        }
        i += 5;
      } else {
        i++; // an escaped character, \\ included
      }
    }
    return -1;
  }

  private static int hex4(byte[] b, int at) {
    int v = 0;
    for (int k = 0; k < 4; k++) {
      int d = Character.digit(b[at + k], 16);
      if (d < 0) {
        return -1;
      }
      v = v << 4 | d;
    }
    return v;
  }

  /**
   * The length (2 to 4) of the valid multi-byte UTF-8 sequence whose lead byte is {@code b[i]}, or
   * -1 when it is not one (as {@link #invalidAt} judges: no overlong forms, no surrogates, nothing
   * above U+10FFFF, nothing cut short before {@code n}).
   */
  static int sequenceAt(byte[] b, int i, int n) {
    int c = b[i] & 0xff;
    int need;
    int min;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return -1;
    }
    if (i + need >= n) {
      return -1;
    }
    int cp = c & (0x3f >> need);
    for (int k = 1; k <= need; k++) {
      int cc = b[i + k] & 0xff;
      if ((cc & 0xc0) != 0x80) {
        return -1;
      }
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return -1;
    }
    return need + 1;
  }

  /**
   * The offset of the lead byte of the first invalid sequence in {@code b}, or -1 when all of it is
   * valid UTF-8.
   */
  static int invalidAt(byte[] b) {
    int i = 0;
    int n = b.length;
    while (i < n) {
      while (i + 8 <= n && ((long) LONGS.get(b, i) & HIGH_BITS) == 0) {
        i += 8; // eight ASCII bytes
      }
      if (i >= n) {
        break;
      }
      if (b[i] >= 0) {
        i++;
        continue;
      }
      int len = sequenceAt(b, i, n);
      if (len < 0) {
        return i;
      }
      i += len;
    }
    return -1;
  }
}
