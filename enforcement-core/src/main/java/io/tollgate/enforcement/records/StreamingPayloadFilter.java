package io.tollgate.enforcement.records;

import io.tollgate.policy.MaskMethod;
import io.tollgate.policy.Obligations;
import java.nio.charset.StandardCharsets;

/**
 * {@link PayloadFilter} for a body that arrives in pieces: a JSON object, or an array of objects
 * (one record each), projected and masked as it streams, never held whole. The HTTP gateway trims
 * upstream responses with it; for one object its output is byte for byte what {@link PayloadFilter}
 * writes for the same payload on the stream, so both enforcement points deliver the same bytes.
 *
 * <p>The body is validated as strict JSON (RFC 8259, UTF-8) while it streams: a body that is not,
 * that nests deeper than {@code maxDepth}, or that holds a string, number or masked value longer
 * than {@code maxValueBytes}, fails with {@link Refused} at the byte it went wrong, and whatever
 * was written before holds no masked value: a masked value is written only once it is complete.
 *
 * <p>Use: {@link #start}, then {@link #feed} each piece (its output is {@link #output()} up to
 * {@link #outputLength()}, valid until the next call), then {@link #finish}. Not thread-safe.
 */
public final class StreamingPayloadFilter {
  /** Why a body could not be filtered, and at which byte of it. */
  public static final class Refused extends Exception {
    private final long offset;

    Refused(String message, long offset) {
      super(message + " at byte " + offset);
      this.offset = offset;
    }

    public long offset() {
      return offset;
    }
  }

  // What the scanner expects next.
  private static final int START = 0;
  private static final int VALUE = 1;
  private static final int OBJ_KEY_OR_END = 2;
  private static final int OBJ_KEY = 3;
  private static final int COLON = 4;
  private static final int AFTER_VALUE = 5;
  private static final int ARR_VALUE_OR_END = 6;
  private static final int STRING = 7;
  private static final int NUMBER = 8;
  private static final int LITERAL = 9;
  private static final int END = 10;

  // Number sub-states (RFC 8259 grammar).
  private static final int N_MINUS = 0;
  private static final int N_ZERO = 1;
  private static final int N_INT = 2;
  private static final int N_DOT = 3;
  private static final int N_FRAC = 4;
  private static final int N_E = 5;
  private static final int N_E_SIGN = 6;
  private static final int N_EXP = 7;

  // What becomes of the value of a record's member.
  private static final int PASS = 0;
  private static final int SKIP = 1;
  private static final int HASH = 2;
  private static final int REDACT = 3;

  private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);

  private final Pseudonyms pseudonyms;
  private final int maxDepth;
  private final int maxValueBytes;
  private final boolean[] isObject;
  private final JsonBytes out = new JsonBytes();
  private final JsonBytes held = new JsonBytes();
  private final java.util.HashSet<String> names = new java.util.HashSet<>();

  private String[] project;
  private Obligations.Mask[] masks;
  private int state;
  private int depth;
  private int recordDepth;
  private boolean topArray;
  private boolean firstRecord;
  private boolean firstMember;
  private long records;
  private long offset;

  // The value of a record's member being read, if any.
  private boolean inMember;
  private int memberMode;
  private boolean keyString;
  private boolean heldKey;

  // Scalar sub-state.
  private boolean escape;
  private int unicodeDigits;
  private int utf8More;
  private int utf8Min;
  private int utf8Max;
  private int numberState;
  private byte[] literal;
  private int literalAt;
  private long valueBytes;

  /**
   * @param pseudonyms the {@code hash} mask (shared definition with the stream)
   * @param maxDepth deepest nesting accepted
   * @param maxValueBytes longest string, number or masked value accepted, in bytes
   */
  public StreamingPayloadFilter(Pseudonyms pseudonyms, int maxDepth, int maxValueBytes) {
    if (maxDepth < 2 || maxValueBytes < 1) {
      throw new IllegalArgumentException("maxDepth must be at least 2, maxValueBytes positive");
    }
    this.pseudonyms = pseudonyms;
    this.maxDepth = maxDepth;
    this.maxValueBytes = maxValueBytes;
    this.isObject = new boolean[maxDepth + 1];
  }

  /**
   * Starts a body.
   *
   * @param project the top-level keys of each record to keep, or null for all
   * @param masks the masks to apply to each record, or null for none
   */
  public void start(String[] project, Obligations.Mask[] masks) {
    this.project = project;
    this.masks = masks;
    state = START;
    depth = 0;
    records = 0;
    offset = 0;
    inMember = false;
    firstRecord = true;
  }

  /** Records (objects) completed so far. */
  public long records() {
    return records;
  }

  /** The output of the last {@link #feed} or {@link #finish}. */
  public byte[] output() {
    return out.buffer();
  }

  public int outputLength() {
    return out.length();
  }

  /** Filters the next piece {@code b[off, off + len)} of the body. */
  public void feed(byte[] b, int off, int len) throws Refused {
    out.reset();
    int end = off + len;
    for (int i = off; i < end; i++, offset++) {
      if (state == STRING && !escape && unicodeDigits == 0 && utf8More == 0) {
        // fast path: a run of plain ASCII string bytes is copied (or dropped) at once
        int run = i;
        while (run < end) {
          int c = b[run];
          if (c < 0x20 || c == '"' || c == '\\') {
            break; // c < 0 covers bytes of 0x80 and above
          }
          run++;
        }
        int n = run - i;
        if (n > 0) {
          if (valueBytes + n > maxValueBytes) {
            offset += maxValueBytes - valueBytes;
            throw refused("expected a string of at most " + maxValueBytes + " bytes, found more");
          }
          valueBytes += n;
          if (heldKey) {
            held.raw(b, i, n);
          } else if (inMember) {
            if (memberMode == PASS) {
              out.raw(b, i, n);
            } else if (memberMode == HASH) {
              if (held.length() + n > maxValueBytes) {
                offset += maxValueBytes - held.length();
                throw refused(
                    "expected a masked value of at most " + maxValueBytes + " bytes, found more");
              }
              held.raw(b, i, n);
            }
          }
          offset += n;
          i = run;
          if (i == end) {
            break;
          }
        }
      }
      step(b[i] & 0xff);
    }
  }

  /** Ends the body: it must be complete. */
  public void finish() throws Refused {
    out.reset();
    if (state != END) {
      throw new Refused("expected more JSON, found the end of the body", offset);
    }
  }

  private void step(int c) throws Refused {
    switch (state) {
      case STRING:
        string(c);
        return;
      case NUMBER:
        if (number(c)) {
          return;
        }
        endScalar(); // c ends the number and belongs to what follows
        structural(c);
        return;
      case LITERAL:
        literal(c);
        return;
      default:
        structural(c);
    }
  }

  private static boolean ws(int c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  private void structural(int c) throws Refused {
    if (ws(c)) {
      if (inMember && depth > recordDepth) {
        memberByte(c);
      }
      return;
    }
    switch (state) {
      case START:
        if (c == '{') {
          topArray = false;
          recordDepth = 1;
          push(true);
          beginRecord();
          state = OBJ_KEY_OR_END;
        } else if (c == '[') {
          topArray = true;
          recordDepth = 2;
          push(false);
          out.raw('[');
          state = ARR_VALUE_OR_END;
        } else {
          throw refused("expected a JSON object or an array of objects, found " + show(c));
        }
        return;
      case END:
        throw refused("expected the end of the body, found " + show(c));
      case OBJ_KEY_OR_END:
        if (c == '}') {
          close(true, c);
          return;
        }
      // fall through
      case OBJ_KEY:
        if (c != '"') {
          throw refused("expected a member name, found " + show(c));
        }
        keyString = true;
        heldKey = depth == recordDepth;
        if (heldKey) {
          held.reset();
        } else {
          memberByte(c);
        }
        beginString();
        return;
      case COLON:
        if (c != ':') {
          throw refused("expected ':', found " + show(c));
        }
        if (inMember) {
          memberByte(c);
        }
        state = VALUE;
        return;
      case ARR_VALUE_OR_END:
        if (c == ']') {
          close(false, c);
          return;
        }
        value(c);
        return;
      case VALUE:
        value(c);
        return;
      case AFTER_VALUE:
        if (c == ',') {
          if (depth == recordDepth - 1) {
            state = VALUE; // the next record of the top-level array
            return;
          }
          if (inMember) {
            memberByte(c);
          }
          state = isObject[depth] ? OBJ_KEY : VALUE;
          return;
        }
        if (c == '}' && isObject[depth]) {
          close(true, c);
          return;
        }
        if (c == ']' && !isObject[depth]) {
          close(false, c);
          return;
        }
        throw refused(
            "expected ',' or the end of "
                + (isObject[depth] ? "an object" : "an array")
                + ", found "
                + show(c));
      default:
        throw new IllegalStateException("state " + state);
    }
  }

  private void value(int c) throws Refused {
    boolean member = depth == recordDepth && isObject[depth];
    if (depth == recordDepth - 1 && c != '{') {
      throw refused("expected an object in the top-level array, found " + show(c));
    }
    if (member) {
      inMember = true;
    }
    switch (c) {
      case '{':
        if (depth == recordDepth - 1) {
          push(true);
          if (!firstRecord) {
            out.raw(',');
          }
          beginRecord();
          state = OBJ_KEY_OR_END;
          return;
        }
        memberByte(c);
        push(true);
        state = OBJ_KEY_OR_END;
        return;
      case '[':
        memberByte(c);
        push(false);
        state = ARR_VALUE_OR_END;
        return;
      case '"':
        keyString = false;
        heldKey = false;
        memberByte(c);
        beginString();
        return;
      case 't':
        beginLiteral(TRUE, c);
        return;
      case 'f':
        beginLiteral(FALSE, c);
        return;
      case 'n':
        beginLiteral(NULL, c);
        return;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          memberByte(c);
          valueBytes = 1;
          numberState = c == '-' ? N_MINUS : c == '0' ? N_ZERO : N_INT;
          state = NUMBER;
          return;
        }
        throw refused("expected a JSON value, found " + show(c));
    }
  }

  private void beginRecord() {
    names.clear();
    out.raw('{');
    firstMember = true;
    firstRecord = false;
  }

  private void push(boolean object) throws Refused {
    if (depth == maxDepth) {
      throw refused("expected JSON nested at most " + maxDepth + " levels deep, found deeper");
    }
    depth++;
    isObject[depth] = object;
  }

  private void close(boolean object, int c) throws Refused {
    if (depth == recordDepth && object) {
      out.raw('}');
      records++;
    } else if (depth == 1 && topArray) {
      out.raw(']');
    } else {
      memberByte(c);
    }
    depth--;
    afterValue();
  }

  /** A value (scalar or container) at the current depth has ended. */
  private void afterValue() {
    state = depth == 0 ? END : AFTER_VALUE;
    if (inMember && depth == recordDepth) {
      endMember();
    }
  }

  private void endMember() {
    switch (memberMode) {
      case HASH:
        byte[] h = pseudonyms.quoted(held.buffer(), 0, held.length());
        out.raw(h, 0, Pseudonyms.QUOTED_LENGTH);
        break;
      case REDACT:
        out.string(PayloadFilter.REDACTED);
        break;
      default:
        break;
    }
    inMember = false;
  }

  private void memberByte(int c) throws Refused {
    if (!inMember) {
      return;
    }
    if (memberMode == HASH) {
      if (held.length() >= maxValueBytes) {
        throw refused("expected a masked value of at most " + maxValueBytes + " bytes, found more");
      }
      held.raw((char) c);
    }
    if (memberMode == PASS) {
      out.raw((char) c);
    }
    // SKIP and REDACT bytes are dropped
  }

  private void beginString() {
    state = STRING;
    escape = false;
    unicodeDigits = 0;
    utf8More = 0;
    valueBytes = 0;
  }

  private void string(int c) throws Refused {
    if (++valueBytes > maxValueBytes) {
      throw refused("expected a string of at most " + maxValueBytes + " bytes, found more");
    }
    if (heldKey) {
      held.raw((char) c);
    } else {
      memberByte(c);
    }
    if (utf8More > 0) {
      if (c < utf8Min || c > utf8Max) {
        throw refused("expected UTF-8 text, found an invalid byte sequence");
      }
      utf8Min = 0x80;
      utf8Max = 0xbf;
      utf8More--;
      return;
    }
    if (unicodeDigits > 0) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        throw refused("expected a hex digit in a \\u escape, found " + show(c));
      }
      unicodeDigits--;
      return;
    }
    if (escape) {
      escape = false;
      switch (c) {
        case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
          return;
        case 'u':
          unicodeDigits = 4;
          return;
        default:
          throw refused("expected a JSON escape, found \\" + show(c));
      }
    }
    if (c == '\\') {
      escape = true;
      return;
    }
    if (c == '"') {
      endString();
      return;
    }
    if (c < 0x20) {
      throw refused("expected a control character to be escaped in a string, found " + show(c));
    }
    if (c >= 0x80) {
      utf8Lead(c);
    }
  }

  private void utf8Lead(int c) throws Refused {
    utf8Min = 0x80;
    utf8Max = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      utf8More = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      utf8More = 2;
      if (c == 0xe0) {
        utf8Min = 0xa0; // no overlong forms
      } else if (c == 0xed) {
        utf8Max = 0x9f; // no surrogates
      }
    } else if (c >= 0xf0 && c <= 0xf4) {
      utf8More = 3;
      if (c == 0xf0) {
        utf8Min = 0x90;
      } else if (c == 0xf4) {
        utf8Max = 0x8f;
      }
    } else {
      throw refused("expected UTF-8 text, found an invalid byte sequence");
    }
  }

  private void endString() throws Refused {
    if (keyString) {
      keyString = false;
      state = COLON;
      if (heldKey) {
        heldKey = false;
        startMember();
      }
      return;
    }
    endScalar();
  }

  /** A record member's name was read (held, with its closing quote): decide what its value gets. */
  private void startMember() throws Refused {
    int n = held.length() - 1; // without the closing quote
    byte[] raw = held.buffer();
    boolean escaped = false;
    for (int i = 0; i < n; i++) {
      if (raw[i] == '\\') {
        escaped = true;
        break;
      }
    }
    String name;
    if (escaped) {
      byte[] quoted = new byte[n + 2];
      quoted[0] = '"';
      System.arraycopy(raw, 0, quoted, 1, n);
      quoted[n + 1] = '"';
      name = Pseudonyms.decodeString(quoted, 0, quoted.length);
    } else {
      name = new String(raw, 0, n, StandardCharsets.UTF_8);
    }
    if (!names.add(name)) {
      throw refused("expected each member name once in an object, found \"" + name + "\" again");
    }
    memberMode = mode(name);
    if (memberMode != SKIP) {
      if (!firstMember) {
        out.raw(',');
      }
      firstMember = false;
      out.string(name).raw(':');
    }
    held.reset();
  }

  private int mode(String name) {
    if (project != null && !contains(project, name)) {
      return SKIP;
    }
    if (masks != null) {
      for (Obligations.Mask m : masks) {
        if (m.field().equals(name)) {
          MaskMethod method = m.method();
          return method == MaskMethod.DROP ? SKIP : method == MaskMethod.REDACT ? REDACT : HASH;
        }
      }
    }
    return PASS;
  }

  private static boolean contains(String[] names, String name) {
    for (String n : names) {
      if (n.equals(name)) {
        return true;
      }
    }
    return false;
  }

  private void beginLiteral(byte[] lit, int c) throws Refused {
    memberByte(c);
    literal = lit;
    literalAt = 1;
    state = LITERAL;
  }

  private void literal(int c) throws Refused {
    if (c != literal[literalAt]) {
      throw refused(
          "expected '" + new String(literal, StandardCharsets.US_ASCII) + "', found " + show(c));
    }
    memberByte(c);
    if (++literalAt == literal.length) {
      endScalar();
    }
  }

  /** Consumes c as part of the number, or returns false when c ends it. */
  private boolean number(int c) throws Refused {
    boolean digit = c >= '0' && c <= '9';
    int next;
    switch (numberState) {
      case N_MINUS:
        if (!digit) {
          throw refused("expected a digit after '-', found " + show(c));
        }
        next = c == '0' ? N_ZERO : N_INT;
        break;
      case N_ZERO:
        if (digit) {
          throw refused("expected no leading zero in a number, found " + show(c));
        }
      // fall through
      case N_INT:
        if (digit) {
          next = N_INT;
        } else if (c == '.') {
          next = N_DOT;
        } else if (c == 'e' || c == 'E') {
          next = N_E;
        } else {
          return false;
        }
        break;
      case N_DOT:
        if (!digit) {
          throw refused("expected a digit after '.', found " + show(c));
        }
        next = N_FRAC;
        break;
      case N_FRAC:
        if (digit) {
          next = N_FRAC;
        } else if (c == 'e' || c == 'E') {
          next = N_E;
        } else {
          return false;
        }
        break;
      case N_E:
        if (c == '+' || c == '-') {
          next = N_E_SIGN;
        } else if (digit) {
          next = N_EXP;
        } else {
          throw refused("expected an exponent, found " + show(c));
        }
        break;
      case N_E_SIGN:
        if (!digit) {
          throw refused("expected an exponent digit, found " + show(c));
        }
        next = N_EXP;
        break;
      case N_EXP:
        if (!digit) {
          return false;
        }
        next = N_EXP;
        break;
      default:
        throw new IllegalStateException();
    }
    if (++valueBytes > maxValueBytes) {
      throw refused("expected a number of at most " + maxValueBytes + " bytes, found more");
    }
    memberByte(c);
    numberState = next;
    return true;
  }

  private void endScalar() {
    afterValue();
  }

  private Refused refused(String message) {
    return new Refused(message, offset);
  }

  private static String show(int c) {
    if (c >= 0x21 && c < 0x7f) {
      return "'" + (char) c + "'";
    }
    return String.format("byte 0x%02x", c);
  }
}
