package io.tollgate.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import org.erdtman.jcs.NumberToJSON;

/**
 * JSON in the RFC 8785 canonical form (JCS): object members sorted by the UTF-16 code units of
 * their names, no white space, strings with only the escapes the RFC allows, numbers as ECMAScript
 * prints them (through the RFC's reference number serializer, {@code org.erdtman.jcs}). Written
 * straight to UTF-8 bytes. The tests check this writer against that library's own canonicalizer.
 */
public final class Canonical {
  private Canonical() {}

  /** Integers beyond this lose precision as IEEE doubles, which JCS numbers are. */
  static final long MAX_SAFE = (1L << 53) - 1;

  /** {@code n} canonical, as UTF-8. */
  public static byte[] bytes(JsonNode n) {
    Writer w = new Writer(256);
    w.value(n);
    return w.toByteArray();
  }

  public static String string(JsonNode n) {
    return new String(bytes(n), StandardCharsets.UTF_8);
  }

  /** A growing UTF-8 buffer that writes canonical JSON values and the pieces of an object. */
  public static final class Writer {
    private byte[] buf;
    private int len;

    public Writer(int capacity) {
      buf = new byte[Math.max(16, capacity)];
    }

    public byte[] toByteArray() {
      return Arrays.copyOf(buf, len);
    }

    private void ensure(int more) {
      if (len + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
      }
    }

    /** An ASCII text as it is: punctuation and member names the caller knows need no escape. */
    public Writer raw(String ascii) {
      ensure(ascii.length());
      for (int i = 0; i < ascii.length(); i++) {
        buf[len++] = (byte) ascii.charAt(i);
      }
      return this;
    }

    public Writer number(long v) {
      if (v > MAX_SAFE || v < -MAX_SAFE) {
        throw new IllegalArgumentException(
            v + " is not an exact IEEE double: JSON numbers in evidence must be");
      }
      return raw(Long.toString(v));
    }

    public Writer value(JsonNode n) {
      switch (n.getNodeType()) {
        case OBJECT:
          {
            String[] names = new String[n.size()];
            int k = 0;
            for (Iterator<String> i = n.fieldNames(); i.hasNext(); ) {
              names[k++] = i.next();
            }
            Arrays.sort(names); // String order is UTF-16 code unit order
            ensure(1);
            buf[len++] = '{';
            for (int i = 0; i < names.length; i++) {
              if (i > 0) {
                ensure(1);
                buf[len++] = ',';
              }
              string(names[i]);
              ensure(1);
              buf[len++] = ':';
              value(n.get(names[i]));
            }
            ensure(1);
            buf[len++] = '}';
            return this;
          }
        case ARRAY:
          ensure(1);
          buf[len++] = '[';
          for (int i = 0; i < n.size(); i++) {
            if (i > 0) {
              ensure(1);
              buf[len++] = ',';
            }
            value(n.get(i));
          }
          ensure(1);
          buf[len++] = ']';
          return this;
        case STRING:
          return string(n.textValue());
        case NUMBER:
          if (n.isIntegralNumber() && n.canConvertToLong()) {
            return number(n.longValue());
          }
          double d = n.doubleValue();
          if (!Double.isFinite(d)) {
            throw new IllegalArgumentException("JSON has no " + d);
          }
          try {
            return raw(NumberToJSON.serializeNumber(d));
          } catch (IOException e) {
            throw new IllegalArgumentException("cannot write " + d + " as JSON", e);
          }
        case BOOLEAN:
          return raw(n.booleanValue() ? "true" : "false");
        case NULL:
          return raw("null");
        default:
          throw new IllegalArgumentException("not JSON: " + n.getNodeType());
      }
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /** A JSON string, with the escapes RFC 8785 allows, in UTF-8. */
    public Writer string(String s) {
      int n = s.length();
      ensure(n * 3 + 2);
      buf[len++] = '"';
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        if (c < 0x80) {
          if (c >= 0x20 && c != '"' && c != '\\') {
            buf[len++] = (byte) c;
            continue;
          }
          ensure(6 + (n - i) * 3);
          buf[len++] = '\\';
          switch (c) {
            case '"':
              buf[len++] = '"';
              break;
            case '\\':
              buf[len++] = '\\';
              break;
            case '\b':
              buf[len++] = 'b';
              break;
            case '\f':
              buf[len++] = 'f';
              break;
            case '\n':
              buf[len++] = 'n';
              break;
            case '\r':
              buf[len++] = 'r';
              break;
            case '\t':
              buf[len++] = 't';
              break;
            default:
              buf[len++] = 'u';
              buf[len++] = '0';
              buf[len++] = '0';
              buf[len++] = HEX[c >> 4];
              buf[len++] = HEX[c & 15];
          }
        } else if (c < 0x800) {
          buf[len++] = (byte) (0xc0 | c >> 6);
          buf[len++] = (byte) (0x80 | c & 0x3f);
        } else if (Character.isSurrogate(c)) {
          if (!Character.isHighSurrogate(c)
              || i + 1 >= n
              || !Character.isLowSurrogate(s.charAt(i + 1))) {
            throw new IllegalArgumentException("a lone surrogate is not JSON text (I-JSON)");
          }
          int cp = Character.toCodePoint(c, s.charAt(++i));
          ensure(4 + (n - i) * 3);
          buf[len++] = (byte) (0xf0 | cp >> 18);
          buf[len++] = (byte) (0x80 | cp >> 12 & 0x3f);
          buf[len++] = (byte) (0x80 | cp >> 6 & 0x3f);
          buf[len++] = (byte) (0x80 | cp & 0x3f);
        } else {
          buf[len++] = (byte) (0xe0 | c >> 12);
          buf[len++] = (byte) (0x80 | c >> 6 & 0x3f);
          buf[len++] = (byte) (0x80 | c & 0x3f);
        }
      }
      ensure(1);
      buf[len++] = '"';
      return this;
    }
  }
}
