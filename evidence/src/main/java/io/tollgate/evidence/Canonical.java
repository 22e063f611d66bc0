package io.tollgate.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.erdtman.jcs.NumberToJSON;

/**
 * JSON in the RFC 8785 canonical form (JCS): object members sorted by the UTF-16 code units of
 * their names, no white space, strings with only the escapes the RFC allows, numbers as ECMAScript
 * prints them (through the RFC's reference number serializer, {@code org.erdtman.jcs}). The tests
 * check this writer against that library's own canonicalizer.
 */
public final class Canonical {
  private Canonical() {}

  /** Integers beyond this lose precision as IEEE doubles, which JCS numbers are. */
  static final long MAX_SAFE = (1L << 53) - 1;

  /** {@code n} canonical, as UTF-8. */
  public static byte[] bytes(JsonNode n) {
    StringBuilder b = new StringBuilder(256);
    write(n, b);
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  public static String string(JsonNode n) {
    StringBuilder b = new StringBuilder(256);
    write(n, b);
    return b.toString();
  }

  private static void write(JsonNode n, StringBuilder b) {
    switch (n.getNodeType()) {
      case OBJECT:
        {
          List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(n.size());
          for (Iterator<Map.Entry<String, JsonNode>> i = n.fields(); i.hasNext(); ) {
            fields.add(i.next());
          }
          fields.sort(Map.Entry.comparingByKey()); // String order is UTF-16 code unit order
          b.append('{');
          for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
              b.append(',');
            }
            string(fields.get(i).getKey(), b);
            b.append(':');
            write(fields.get(i).getValue(), b);
          }
          b.append('}');
          return;
        }
      case ARRAY:
        b.append('[');
        for (int i = 0; i < n.size(); i++) {
          if (i > 0) {
            b.append(',');
          }
          write(n.get(i), b);
        }
        b.append(']');
        return;
      case STRING:
        string(n.textValue(), b);
        return;
      case NUMBER:
        if (n.isIntegralNumber() && n.canConvertToLong()) {
          long v = n.longValue();
          if (v > MAX_SAFE || v < -MAX_SAFE) {
            throw new IllegalArgumentException(
                v + " is not an exact IEEE double: JSON numbers in evidence must be");
          }
          b.append(v);
          return;
        }
        double d = n.doubleValue();
        if (!Double.isFinite(d)) {
          throw new IllegalArgumentException("JSON has no " + d);
        }
        try {
          b.append(NumberToJSON.serializeNumber(d));
        } catch (IOException e) {
          throw new IllegalArgumentException("cannot write " + d + " as JSON", e);
        }
        return;
      case BOOLEAN:
        b.append(n.booleanValue() ? "true" : "false");
        return;
      case NULL:
        b.append("null");
        return;
      default:
        throw new IllegalArgumentException("not JSON: " + n.getNodeType());
    }
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private static void string(String s, StringBuilder b) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          b.append("\\\"");
          break;
        case '\\':
          b.append("\\\\");
          break;
        case '\b':
          b.append("\\b");
          break;
        case '\f':
          b.append("\\f");
          break;
        case '\n':
          b.append("\\n");
          break;
        case '\r':
          b.append("\\r");
          break;
        case '\t':
          b.append("\\t");
          break;
        default:
          if (c < 0x20) {
            b.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 15]);
          } else if (Character.isSurrogate(c)
              && !(Character.isHighSurrogate(c)
                  && i + 1 < s.length()
                  && Character.isLowSurrogate(s.charAt(i + 1)))
              && !(Character.isLowSurrogate(c)
                  && i > 0
                  && Character.isHighSurrogate(s.charAt(i - 1)))) {
            throw new IllegalArgumentException("a lone surrogate is not JSON text (I-JSON)");
          } else {
            b.append(c);
          }
      }
    }
    b.append('"');
  }
}
