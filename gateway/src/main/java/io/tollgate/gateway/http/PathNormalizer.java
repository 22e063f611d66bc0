package io.tollgate.gateway.http;

import java.util.ArrayList;
import java.util.List;

/**
 * Normalises a request path before routing and before the policy, and refuses what a gateway must
 * never forward: percent-encoded unreserved characters are decoded, dot segments removed (RFC 3986
 * §5.2.4), duplicate slashes collapsed. Encoded slashes or backslashes, raw backslashes, {@code
 * %00} and control characters, path parameters ({@code ;}), bytes outside ASCII, percent-encoded
 * text that is not UTF-8 (overlong forms included) and a {@code ..} above the root are refused.
 * Other percent-encodings are kept, with upper-case hex.
 */
public final class PathNormalizer {
  /** Why a path is refused (a 400). */
  public static final class BadPath extends Exception {
    BadPath(String message) {
      super(message);
    }
  }

  /** A normalised path: its segments (still percent-encoded where not unreserved). */
  public record Normalized(String path, List<String> segments, boolean hadDotSegments) {}

  private PathNormalizer() {}

  public static Normalized normalize(String raw) throws BadPath {
    if (raw.isEmpty() || raw.charAt(0) != '/') {
      throw new BadPath("expected an origin-form path starting with /");
    }
    List<String> out = new ArrayList<>();
    boolean dots = false;
    int i = 1;
    int n = raw.length();
    StringBuilder seg = new StringBuilder();
    while (i <= n) {
      char c = i < n ? raw.charAt(i) : '/';
      if (c == '/') {
        String s = seg.toString();
        seg.setLength(0);
        i++;
        if (s.isEmpty()) {
          if (i > n && !out.isEmpty()) {
            out.add(""); // a trailing slash is kept
          }
          continue; // duplicate slashes collapse
        }
        if (s.equals(".")) {
          dots = true;
          if (i > n) {
            out.add("");
          }
          continue;
        }
        if (s.equals("..")) {
          dots = true;
          if (out.isEmpty()) {
            throw new BadPath("expected a path that stays below the root, found a '..' above it");
          }
          out.remove(out.size() - 1);
          if (i > n) {
            out.add("");
          }
          continue;
        }
        out.add(s);
        continue;
      }
      if (c == '%') {
        if (i + 2 >= n) {
          throw new BadPath("expected two hex digits after '%'");
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new BadPath("expected two hex digits after '%'");
        }
        int b = hi * 16 + lo;
        if (b == '/' || b == '\\') {
          throw new BadPath("expected no encoded slash or backslash in the path");
        }
        if (b < 0x20 || b == 0x7f) {
          throw new BadPath("expected no encoded control character or NUL in the path");
        }
        if (b == ';') {
          throw new BadPath("expected no path parameters (';') in the path");
        }
        if (b >= 0x80) {
          i = utf8(raw, i, seg);
          continue;
        }
        if (unreserved(b)) {
          seg.append((char) b);
        } else {
          seg.append('%').append(hex(hi)).append(hex(lo));
        }
        i += 3;
        continue;
      }
      if (c < 0x21 || c >= 0x7f) {
        throw new BadPath("expected no control, space or non-ASCII character in the path");
      }
      if (c == '\\') {
        throw new BadPath("expected no backslash in the path");
      }
      if (c == ';') {
        throw new BadPath("expected no path parameters (';') in the path");
      }
      if (!pchar(c)) {
        throw new BadPath("expected no '" + c + "' in the path");
      }
      seg.append(c);
      i++;
    }
    StringBuilder p = new StringBuilder();
    for (String s : out) {
      p.append('/').append(s);
    }
    if (p.length() == 0) {
      p.append('/');
    }
    return new Normalized(p.toString(), List.copyOf(out), dots);
  }

  /** Validates a percent-encoded UTF-8 sequence starting at raw[i] ('%'); appends it encoded. */
  private static int utf8(String raw, int i, StringBuilder seg) throws BadPath {
    int b0 = octet(raw, i);
    int more;
    int min = 0x80;
    int max = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      more = 1;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      more = 2;
      if (b0 == 0xe0) {
        min = 0xa0;
      } else if (b0 == 0xed) {
        max = 0x9f;
      }
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      more = 3;
      if (b0 == 0xf0) {
        min = 0x90;
      } else if (b0 == 0xf4) {
        max = 0x8f;
      }
    } else {
      throw new BadPath(
          "expected percent-encoded UTF-8 in the path, found an invalid or overlong sequence");
    }
    appendOctet(seg, b0);
    i += 3;
    for (int k = 0; k < more; k++) {
      if (i >= raw.length() || raw.charAt(i) != '%') {
        throw new BadPath("expected percent-encoded UTF-8 in the path, found a truncated sequence");
      }
      int b = octet(raw, i);
      if (b < min || b > max) {
        throw new BadPath(
            "expected percent-encoded UTF-8 in the path, found an invalid or overlong sequence");
      }
      min = 0x80;
      max = 0xbf;
      appendOctet(seg, b);
      i += 3;
    }
    return i;
  }

  private static void appendOctet(StringBuilder seg, int b) {
    seg.append('%').append(hex(b >> 4)).append(hex(b & 0xf));
  }

  private static int octet(String raw, int i) throws BadPath {
    if (i + 3 > raw.length()) {
      throw new BadPath("expected two hex digits after '%'");
    }
    int hi = Character.digit(raw.charAt(i + 1), 16);
    int lo = Character.digit(raw.charAt(i + 2), 16);
    if (hi < 0 || lo < 0) {
      throw new BadPath("expected two hex digits after '%'");
    }
    return hi * 16 + lo;
  }

  private static char hex(int d) {
    return Character.toUpperCase(Character.forDigit(d, 16));
  }

  private static boolean unreserved(int c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~';
  }

  /** RFC 3986 pchar, less '%' (handled) and ';' (refused). */
  private static boolean pchar(char c) {
    return unreserved(c) || "!$&'()*+,=:@".indexOf(c) >= 0;
  }
}
