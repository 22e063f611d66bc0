package io.tollgate.enforcement.records;

import ch.randelshofer.fastdoubleparser.JsonDoubleParser;
import io.tollgate.policy.Action;
import io.tollgate.policy.Channel;
import io.tollgate.policy.json.DataCallCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;

/**
 * Reads {@code tollgate.calls} records (docs/events.md) straight from their UTF-8 bytes, without
 * per-call garbage: the stream's parser. It accepts and refuses exactly what {@link
 * CallRecordCodec} (Jackson, the reference) does, with the same error texts for every rule of the
 * schema; only the wording after "expected valid JSON, found:" differs for broken syntax ({@code
 * CallReaderMatchesCodecTest} holds the two to that).
 *
 * <p>What it allocates: the call id's string, and nothing else in the steady state.
 *
 * <ul>
 *   <li>Names (consumer, dataset, action, purpose, region, channel, field names, payload keys) come
 *       from a bounded cache of canonical strings ({@link Names}), looked up from the bytes.
 *   <li>The payload is not copied: the record's {@link CallRecord#payload} is the value itself,
 *       with the object's extent in {@link CallRecord#payloadFrom} and {@link CallRecord#payloadTo}
 *       and each top-level value's in {@link CallRecord#payloadSpans}.
 *   <li>The record's arrays (fields, payload keys and spans) are reused when the next call has as
 *       many, so one {@link CallRecord} per source reader carries every call.
 *   <li>ISO-8601 times of the usual shape are converted in place; other forms go through {@code
 *       java.time}, which decides as before. Coordinates are converted from the bytes (Clinger's
 *       fast path, else FastDoubleParser, the library Jackson embeds), correctly rounded.
 * </ul>
 *
 * <p>Strict JSON (RFC 8259) with Jackson's limits as the codec sets them: nesting at most {@value
 * #MAX_DEPTH} deep, numbers of at most {@value #MAX_NUMBER_CHARS} characters, names of at most
 * {@value #MAX_NAME_BYTES} bytes; duplicate keys are refused in every object of the record.
 *
 * <p>Not thread-safe: one per source reader.
 */
public final class CallReader {
  /** Deepest nesting accepted (the codec's Jackson setting). */
  public static final int MAX_DEPTH = 32;

  /**
   * Most digits of a number literal (Jackson's default {@code maxNumberLength}). Refused wherever
   * the number stands; Jackson refuses it where it decodes it or where its buffer fills.
   */
  public static final int MAX_NUMBER_CHARS = 1000;

  /** Longest object key in UTF-8 bytes, as decoded (Jackson's default {@code maxNameLength}). */
  public static final int MAX_NAME_BYTES = 50_000;

  // value types, as the first bytes of a value tell them
  private static final int STRING = 1;
  private static final int OBJECT = 2;
  private static final int ARRAY = 3;
  private static final int TRUE = 4;
  private static final int FALSE = 5;
  private static final int NULL = 6;
  private static final int INT = 7;
  private static final int FLOAT = 8;

  // top-level keys
  private static final byte[][] KEYS = {
    bytes("v"),
    bytes("id"),
    bytes("ts"),
    bytes("consumer"),
    bytes("dataset"),
    bytes("action"),
    bytes("purpose"),
    bytes("fields"),
    bytes("region"),
    bytes("location"),
    bytes("channel"),
    bytes("records"),
    bytes("bytes"),
    bytes("payload")
  };
  private static final int K_V = 0;
  private static final int K_ID = 1;
  private static final int K_TS = 2;
  private static final int K_CONSUMER = 3;
  private static final int K_DATASET = 4;
  private static final int K_ACTION = 5;
  private static final int K_PURPOSE = 6;
  private static final int K_FIELDS = 7;
  private static final int K_REGION = 8;
  private static final int K_LOCATION = 9;
  private static final int K_CHANNEL = 10;
  private static final int K_RECORDS = 11;
  private static final int K_BYTES = 12;
  private static final int K_PAYLOAD = 13;
  private static final String[] KEY_NAMES = {
    "v",
    "id",
    "ts",
    "consumer",
    "dataset",
    "action",
    "purpose",
    "fields",
    "region",
    "location",
    "channel",
    "records",
    "bytes",
    "payload"
  };
  private static final byte[] LAT = bytes("lat");
  private static final byte[] LON = bytes("lon");

  private static final double[] POW10 = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22
  };

  /** A refusal: its message is the record's error. No stack trace (bad input is not a bug). */
  private static final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;

    Refusal(String message) {
      super(message, null, false, false);
    }
  }

  private final long maxFutureMillis;
  private final long maxLateMillis;
  private final Names names = new Names();
  private final KeySet keys = new KeySet();
  private final String[] keyScratch = new String[CallRecordCodec.MAX_PAYLOAD_KEYS];
  private final int[] spanScratch = new int[2 * CallRecordCodec.MAX_PAYLOAD_KEYS];
  private final String[] fieldScratch = new String[DataCallCodec.MAX_FIELDS];

  private String lastActionText; // the canonical text of the last action, and its action
  private Action lastAction;
  private String lastChannelText;
  private Channel lastChannel;

  private byte[] b;
  private int i;
  private int n;
  private int objects;
  private int seen; // the call's keys read so far, a bit each

  // the last string read: its decoded UTF-8 bytes are str[strFrom, strFrom + strLen)
  private byte[] str;
  private int strFrom;
  private int strLen;
  private int strChars; // UTF-16 length
  private byte[] unescaped = new byte[256];

  // the last number scanned: text b[numFrom, numTo)
  private int numFrom;
  private int numTo;
  private boolean numFitsLong;
  private long numLong;
  private int numIntFrom; // its parts, for the double's value: digits before the point
  private int numIntTo;
  private int numFracFrom; // after it (-1: none)
  private int numFracTo;
  private int numExp; // the exponent (Integer.MIN_VALUE: too large to matter here)
  private boolean numNegative;

  /**
   * @param maxFutureMillis how far a call's {@code ts} may lead its record's broker time
   * @param maxLateMillis how far it may lag it
   */
  public CallReader(long maxFutureMillis, long maxLateMillis) {
    this.maxFutureMillis = maxFutureMillis;
    this.maxLateMillis = maxLateMillis;
  }

  /**
   * Reads {@code value}, a record of {@code tollgate.calls}, into {@code into} (every field set
   * anew). A malformed record comes back with {@link CallRecord#error} and its original bytes.
   * {@code into}'s payload refers to {@code value}, which must not change while the record is used.
   */
  public CallRecord read(byte[] key, byte[] value, long ingestTs, CallRecord into) {
    into.ingestTs = ingestTs;
    into.error = null;
    into.originalKey = null;
    into.original = null;
    String error = bounds(value);
    if (error == null) {
      try {
        parse(value, into);
        error = timeBounds(into.ts, ingestTs);
      } catch (Refusal r) {
        // the strings' own checks saw every byte and escape a readable record holds; a refused
        // one may hold bad ones elsewhere, which are reported first, as they always were
        String encoding = encoding(value);
        error = encoding != null ? encoding : r.getMessage();
      } catch (RuntimeException e) {
        error = "unreadable: " + e;
      } finally {
        b = null;
      }
    }
    if (error != null) {
      clear(into);
      into.error = error;
      into.originalKey = key;
      into.original = value;
      into.ts = ingestTs;
    }
    return into;
  }

  /** A null or oversize record's error, or null (shared with {@link CallRecordCodec}). */
  static String bounds(byte[] value) {
    if (value == null) {
      return "expected a call record, found a null value";
    }
    if (value.length > CallRecordCodec.MAX_RECORD_BYTES) {
      return "expected a record of at most "
          + CallRecordCodec.MAX_RECORD_BYTES
          + " bytes, found "
          + value.length;
    }
    return null;
  }

  /**
   * What is wrong with the record's bytes, as text, before any JSON: a byte order mark, invalid
   * UTF-8, an escaped lone surrogate; or null. Run only on refused records: a record that parses
   * had each of its strings checked for the same as it was read (and these bytes can stand nowhere
   * else in JSON).
   */
  static String encoding(byte[] value) {
    if (value.length >= 3
        && value[0] == (byte) 0xef
        && value[1] == (byte) 0xbb
        && value[2] == (byte) 0xbf) {
      return "expected UTF-8 JSON without a byte order mark, found one";
    }
    int bad = Utf8.invalidAt(value);
    if (bad >= 0) {
      return "expected UTF-8 text, found an invalid byte sequence at offset " + bad;
    }
    bad = Utf8.loneSurrogateEscapeAt(value);
    if (bad >= 0) {
      return "expected text that UTF-8 can encode, found an escaped lone surrogate at offset "
          + bad;
    }
    return null;
  }

  private String timeBounds(long ts, long ingestTs) {
    return timeBounds(ts, ingestTs, maxFutureMillis, maxLateMillis);
  }

  /** Why a call's time lies too far from its record's broker time, or null (shared). */
  static String timeBounds(long ts, long ingestTs, long maxFutureMillis, long maxLateMillis) {
    if (ingestTs >= 0 && ts - ingestTs > maxFutureMillis) {
      return "ts: expected at most "
          + maxFutureMillis
          + " ms after the record's broker time "
          + ingestTs
          + ", found "
          + ts;
    }
    if (ingestTs >= 0 && ingestTs - ts > maxLateMillis) {
      return "ts: expected at most "
          + maxLateMillis
          + " ms before the record's broker time "
          + ingestTs
          + ", found "
          + ts;
    }
    return null;
  }

  private static void clear(CallRecord r) {
    r.id = null;
    r.ts = 0;
    r.consumer = null;
    r.dataset = null;
    r.action = null;
    r.purpose = null;
    r.fields = null;
    r.region = null;
    r.hasLocation = false;
    r.lat = 0;
    r.lon = 0;
    r.channel = null;
    r.records = 1;
    r.bytes = 0;
    r.payload = null;
    r.payloadFrom = 0;
    r.payloadTo = 0;
    r.payloadKeys = null;
    r.payloadSpans = null;
  }

  // ---------------------------------------------------------------------------------------------
  // the record

  private void parse(byte[] value, CallRecord into) throws Refusal {
    b = value;
    i = 0;
    n = value.length;
    objects = 0;
    seen = 0;
    keys.clear();
    String[] oldFields = into.fields;
    String[] oldKeys = into.payloadKeys;
    int[] oldSpans = into.payloadSpans;
    clear(into);
    skipWs();
    if (i == n) {
      throw new Refusal("expected a JSON object, found nothing");
    }
    int t = valueType();
    if ((t == INT || t == FLOAT)
        && i < n
        && b[i] != ' '
        && b[i] != '\n'
        && b[i] != '\r'
        && b[i] != '\t') {
      throw syntax("a root-level number not followed by a space"); // as Jackson
    }
    if (t != OBJECT) {
      throw new Refusal("expected a JSON object, found " + describeTop(t));
    }
    int object = enter(1);
    boolean id = false;
    boolean ts = false;
    i++;
    skipWs();
    if (peek() == '}') {
      i++;
    } else {
      while (true) {
        int k = key(object);
        skipWs();
        int v = valueType();
        switch (k) {
          case K_V:
            if (v == INT && !numFitsLong) {
              throw syntax("a number out of the range of a long");
            }
            if (v != INT || numLong != CallRecordCodec.VERSION) {
              throw new Refusal(
                  "v: expected schema version "
                      + CallRecordCodec.VERSION
                      + ", found "
                      + (v == INT ? numberText() : describeTop(v)));
            }
            break;
          case K_ID:
            into.id = text(v, "id", false);
            id = true;
            break;
          case K_TS:
            into.ts = timestamp(v);
            ts = true;
            break;
          case K_CONSUMER:
            into.consumer = text(v, "consumer", true);
            break;
          case K_DATASET:
            into.dataset = text(v, "dataset", true);
            break;
          case K_ACTION:
            {
              String a = text(v, "action", true);
              Action action = a == lastActionText ? lastAction : Action.ofTerm(a);
              lastActionText = a;
              lastAction = action;
              if (action == null) {
                throw new Refusal(
                    "action: expected one of " + Action.terms() + ", found \"" + a + "\"");
              }
              into.action = action.term();
              break;
            }
          case K_PURPOSE:
            into.purpose = text(v, "purpose", true);
            break;
          case K_FIELDS:
            if (v != NULL) {
              into.fields = fields(v, oldFields);
            }
            break;
          case K_REGION:
            if (v != NULL) {
              into.region = region(v);
            }
            break;
          case K_LOCATION:
            if (v != NULL) {
              location(v, into);
            }
            break;
          case K_CHANNEL:
            if (v != NULL) {
              String c = text(v, "channel", true);
              Channel channel = c == lastChannelText ? lastChannel : Channel.ofTerm(c);
              lastChannelText = c;
              lastChannel = channel;
              if (channel == null) {
                throw new Refusal("channel: expected http, kafka or mqtt, found \"" + c + "\"");
              }
              into.channel = channel.term();
            }
            break;
          case K_RECORDS:
            into.records = count(v, "records");
            break;
          case K_BYTES:
            into.bytes = count(v, "bytes");
            break;
          case K_PAYLOAD:
            payload(v, into, oldKeys, oldSpans);
            break;
          default:
            skip(v, 1);
        }
        skipWs();
        int c = peek();
        if (c == ',') {
          i++;
          skipWs();
          continue;
        }
        if (c == '}') {
          i++;
          break;
        }
        throw syntax("expected ',' or '}' after a value of the call object");
      }
    }
    if (!id) {
      throw new Refusal("id: required, missing");
    }
    if (!ts) {
      throw new Refusal("ts: required, missing");
    }
    if (into.consumer == null) {
      throw new Refusal("consumer: required, missing");
    }
    if (into.dataset == null) {
      throw new Refusal("dataset: required, missing");
    }
    if (into.action == null) {
      throw new Refusal("action: required, missing");
    }
    if (into.purpose == null) {
      throw new Refusal("purpose: required, missing");
    }
    // as the codec: the object's own checks first, then what follows it
    skipWs();
    if (i < n) {
      throw new Refusal("expected one JSON object, found trailing content");
    }
  }

  /**
   * Reads a key of the top-level object and its colon; returns its index among the call's keys or
   * -1. A second key of the same name is refused: the call's own keys by a bit each, others through
   * the record's key set.
   */
  private int key(int object) throws Refusal {
    if (peek() != '"') {
      throw syntax("expected a key in double quotes");
    }
    string();
    if (strLen > MAX_NAME_BYTES) {
      throw syntax("a name of " + strLen + " bytes (at most " + MAX_NAME_BYTES + ")");
    }
    int found = -1;
    if (strLen <= 8) {
      for (int k = 0; k < KEYS.length; k++) {
        byte[] name = KEYS[k];
        if (name.length == strLen
            && Arrays.equals(name, 0, strLen, str, strFrom, strFrom + strLen)) {
          found = k;
          break;
        }
      }
    }
    if (found >= 0) {
      if ((seen & (1 << found)) != 0) {
        throw duplicate(KEY_NAMES[found]);
      }
      seen |= 1 << found;
    } else {
      String name = names.get(str, strFrom, strLen);
      if (!keys.add(object, name)) {
        throw duplicate(name);
      }
    }
    colon();
    return found;
  }

  /** Reads an object key (the parser is on its quote), refusing a second of the same name. */
  private String name(int object) throws Refusal {
    string();
    if (strLen > MAX_NAME_BYTES) {
      throw syntax("a name of " + strLen + " bytes (at most " + MAX_NAME_BYTES + ")");
    }
    String name = names.get(str, strFrom, strLen);
    if (!keys.add(object, name)) {
      throw duplicate(name);
    }
    return name;
  }

  private Refusal duplicate(String name) {
    return syntax("duplicate key \"" + clip(name) + "\"");
  }

  private void colon() throws Refusal {
    skipWs();
    if (peek() != ':') {
      throw syntax("expected ':' after a key");
    }
    i++;
    skipWs();
  }

  private String text(int v, String key, boolean canonical) throws Refusal {
    if (v != STRING) {
      throw new Refusal(key + ": expected text, found " + describe(v));
    }
    string();
    if (strChars == 0 || strChars > DataCallCodec.MAX_STRING) {
      throw new Refusal(
          key + ": expected 1 to " + DataCallCodec.MAX_STRING + " characters, found " + strChars);
    }
    return canonical
        ? names.get(str, strFrom, strLen)
        : new String(str, strFrom, strLen, StandardCharsets.UTF_8);
  }

  private long timestamp(int v) throws Refusal {
    long ts;
    if (v == INT && numFitsLong) {
      ts = numLong;
    } else if (v == STRING) {
      string();
      ts = IsoTime.parse(str, strFrom, strLen);
      if (ts == Long.MIN_VALUE) {
        String s = new String(str, strFrom, strLen, StandardCharsets.UTF_8);
        try {
          ts = OffsetDateTime.parse(s).toInstant().toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException e) {
          throw new Refusal(
              "ts: expected an ISO-8601 instant with offset or epoch milliseconds, found \""
                  + (s.length() > 64 ? s.substring(0, 64) + "..." : s)
                  + "\"");
        }
      }
    } else {
      throw new Refusal("ts: expected an instant, found " + describe(v));
    }
    if (ts < DataCallCodec.MIN_TS || ts >= DataCallCodec.MAX_TS) {
      throw new Refusal(
          "ts: expected an instant from 1970 to 2199, found " + Instant.ofEpochMilli(ts));
    }
    return ts;
  }

  private String[] fields(int v, String[] reuse) throws Refusal {
    if (v != ARRAY) {
      throw new Refusal("fields: expected a list of field names, found " + describe(v));
    }
    enter(2);
    i++;
    int count = 0;
    skipWs();
    if (peek() == ']') {
      i++;
    } else {
      while (true) {
        int e = valueType();
        if (count == DataCallCodec.MAX_FIELDS) {
          throw new Refusal("fields: expected at most " + DataCallCodec.MAX_FIELDS + " names");
        }
        if (e != STRING) {
          throw new Refusal("fields/" + count + ": expected text, found " + describe(e));
        }
        string();
        if (strChars == 0 || strChars > DataCallCodec.MAX_STRING) {
          throw new Refusal(
              "fields/"
                  + count
                  + ": expected 1 to "
                  + DataCallCodec.MAX_STRING
                  + " characters, found "
                  + strChars);
        }
        fieldScratch[count++] = names.get(str, strFrom, strLen);
        skipWs();
        int c = peek();
        if (c == ',') {
          i++;
          skipWs();
          continue;
        }
        if (c == ']') {
          i++;
          break;
        }
        throw syntax("expected ',' or ']' in a list");
      }
    }
    String[] out = reuse != null && reuse.length == count ? reuse : new String[count];
    System.arraycopy(fieldScratch, 0, out, 0, count);
    return out;
  }

  private String region(int v) throws Refusal {
    String r = text(v, "region", true);
    if (!isRegion(str, strFrom, strLen)) {
      throw new Refusal(
          "region: expected an ISO 3166-2 code such as CN or CN-SH, found \""
              + (r.length() > 64 ? r.substring(0, 64) + "..." : r)
              + "\"");
    }
    return r;
  }

  /** {@code [A-Z]{2}(-[A-Z0-9]{1,3})?} over bytes. */
  private static boolean isRegion(byte[] s, int from, int len) {
    if (len != 2 && (len < 4 || len > 6)) {
      return false;
    }
    if (!upper(s[from]) || !upper(s[from + 1])) {
      return false;
    }
    if (len == 2) {
      return true;
    }
    if (s[from + 2] != '-') {
      return false;
    }
    for (int k = from + 3; k < from + len; k++) {
      if (!upper(s[k]) && !(s[k] >= '0' && s[k] <= '9')) {
        return false;
      }
    }
    return true;
  }

  private static boolean upper(byte c) {
    return c >= 'A' && c <= 'Z';
  }

  private void location(int v, CallRecord into) throws Refusal {
    if (v != OBJECT) {
      throw new Refusal("location: expected {lat, lon}, found " + describe(v));
    }
    enter(2);
    i++;
    boolean latSeen = false;
    boolean lonSeen = false;
    double lat = Double.NaN;
    double lon = Double.NaN;
    skipWs();
    if (peek() == '}') {
      i++;
    } else {
      while (true) {
        if (peek() != '"') {
          throw syntax("expected a key in double quotes");
        }
        string();
        boolean isLat = strLen == 3 && Arrays.equals(LAT, 0, 3, str, strFrom, strFrom + 3);
        boolean isLon =
            !isLat && strLen == 3 && Arrays.equals(LON, 0, 3, str, strFrom, strFrom + 3);
        String k = isLat ? "lat" : isLon ? "lon" : null;
        if (k == null) {
          if (strLen > MAX_NAME_BYTES) {
            throw syntax("a name of " + strLen + " bytes (at most " + MAX_NAME_BYTES + ")");
          }
          k = new String(str, strFrom, strLen, StandardCharsets.UTF_8);
        } else if ((isLat ? latSeen : lonSeen)) {
          throw duplicate(k);
        } else if (isLat) {
          latSeen = true;
        } else {
          lonSeen = true;
        }
        colon();
        int t = valueType();
        if (t != INT && t != FLOAT) {
          throw new Refusal("location/" + k + ": expected a number, found " + describe(t));
        }
        if (isLat) {
          lat = number(t);
        } else if (isLon) {
          lon = number(t);
        } else {
          throw new Refusal("location: unknown key '" + k + "' (expected lat, lon)");
        }
        skipWs();
        int c = peek();
        if (c == ',') {
          i++;
          skipWs();
          continue;
        }
        if (c == '}') {
          i++;
          break;
        }
        throw syntax("expected ',' or '}' in an object");
      }
    }
    if (!(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180)) {
      throw new Refusal(
          "location: expected lat in [-90, 90] and lon in [-180, 180], found lat="
              + lat
              + " lon="
              + lon);
    }
    into.hasLocation = true;
    into.lat = lat;
    into.lon = lon;
  }

  private long count(int v, String key) throws Refusal {
    if (v != INT || !numFitsLong || numLong < 0) {
      throw new Refusal(
          key
              + ": expected a whole number of at least 0, found "
              + describe(v)
              + (v == INT ? " " + numberText() : ""));
    }
    return numLong;
  }

  private void payload(int v, CallRecord into, String[] oldKeys, int[] oldSpans) throws Refusal {
    if (v == NULL) {
      return;
    }
    if (v != OBJECT) {
      if (v == ARRAY) {
        skip(v, 1); // as the codec: a broken list is a syntax error first
      }
      throw new Refusal("payload: expected an object, found " + describeTop(v));
    }
    int start = i;
    int object = enter(2);
    i++;
    int count = 0;
    skipWs();
    if (peek() == '}') {
      i++;
    } else {
      while (true) {
        if (peek() != '"') {
          throw syntax("expected a key in double quotes");
        }
        String key = name(object);
        colon();
        int at = i;
        int vt = valueType(); // as Jackson, which scans the colon and a number or literal first
        if (count == CallRecordCodec.MAX_PAYLOAD_KEYS) {
          throw new Refusal(
              "payload: expected at most "
                  + CallRecordCodec.MAX_PAYLOAD_KEYS
                  + " keys, found more");
        }
        keyScratch[count] = key;
        spanScratch[2 * count] = at;
        skip(vt, 2);
        spanScratch[2 * count + 1] = i;
        count++;
        skipWs();
        int c = peek();
        if (c == ',') {
          i++;
          skipWs();
          continue;
        }
        if (c == '}') {
          i++;
          break;
        }
        throw syntax("expected ',' or '}' in an object");
      }
    }
    into.payload = b;
    into.payloadFrom = start;
    into.payloadTo = i;
    String[] k = oldKeys != null && oldKeys.length == count ? oldKeys : new String[count];
    System.arraycopy(keyScratch, 0, k, 0, count);
    int[] s = oldSpans != null && oldSpans.length == 2 * count ? oldSpans : new int[2 * count];
    System.arraycopy(spanScratch, 0, s, 0, 2 * count);
    into.payloadKeys = k;
    into.payloadSpans = s;
  }

  // ---------------------------------------------------------------------------------------------
  // JSON

  /**
   * The type of the value that starts here. Numbers and literals are scanned whole (as Jackson does
   * when it reads their token), strings and containers are left to be read.
   */
  private int valueType() throws Refusal {
    if (i >= n) {
      throw syntax("expected a value, found the end");
    }
    switch (b[i]) {
      case '"':
        return STRING;
      case '{':
        return OBJECT;
      case '[':
        return ARRAY;
      case 't':
        literal("true");
        return TRUE;
      case 'f':
        literal("false");
        return FALSE;
      case 'n':
        literal("null");
        return NULL;
      default:
        if (b[i] == '-' || (b[i] >= '0' && b[i] <= '9')) {
          return number();
        }
        throw syntax("unexpected character " + show(b[i]));
    }
  }

  private void literal(String word) throws Refusal {
    int len = word.length();
    if (n - i < len) {
      throw syntax("an unrecognised token");
    }
    for (int k = 0; k < len; k++) {
      if (b[i + k] != word.charAt(k)) {
        throw syntax("an unrecognised token");
      }
    }
    i += len;
    if (i < n && identifierPart(b[i])) {
      throw syntax("an unrecognised token");
    }
  }

  private static boolean identifierPart(byte c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '_'
        || c == '$'
        || c == 0x7f // Jackson takes DEL for one
        || c < 0;
  }

  /** Scans a number (RFC 8259 grammar); its value is read on demand. */
  private int number() throws Refusal {
    numFrom = i;
    boolean negative = false;
    if (b[i] == '-') {
      negative = true;
      i++;
    }
    if (i >= n || b[i] < '0' || b[i] > '9') {
      throw syntax("a number without digits");
    }
    int intFrom = i;
    if (b[i] == '0') {
      i++;
      if (i < n && b[i] >= '0' && b[i] <= '9') {
        throw syntax("a number with a leading zero");
      }
    } else {
      while (i < n && b[i] >= '0' && b[i] <= '9') {
        i++;
      }
    }
    int intTo = i;
    int fracFrom = -1;
    int fracTo = -1;
    int exp = 0;
    boolean isFloat = false;
    if (i < n && b[i] == '.') {
      isFloat = true;
      i++;
      fracFrom = i;
      while (i < n && b[i] >= '0' && b[i] <= '9') {
        i++;
      }
      fracTo = i;
      if (fracTo == fracFrom) {
        throw syntax("a number without digits after its decimal point");
      }
    }
    boolean expOk = true;
    int expDigitsFrom = i;
    if (i < n && (b[i] == 'e' || b[i] == 'E')) {
      isFloat = true;
      i++;
      boolean expNegative = false;
      if (i < n && (b[i] == '+' || b[i] == '-')) {
        expNegative = b[i] == '-';
        i++;
      }
      int expFrom = i;
      expDigitsFrom = i;
      while (i < n && b[i] >= '0' && b[i] <= '9') {
        if (exp < 100_000) {
          exp = exp * 10 + (b[i] - '0');
        } else {
          expOk = false;
        }
        i++;
      }
      if (i == expFrom) {
        throw syntax("a number without digits in its exponent");
      }
      if (expNegative) {
        exp = -exp;
      }
    }
    numTo = i;
    int digits = (intTo - intFrom) + (fracTo - fracFrom) + (isFloat ? i - expDigitsFrom : 0);
    if (digits > MAX_NUMBER_CHARS) {
      throw syntax("a number of more than " + MAX_NUMBER_CHARS + " digits");
    }
    if (!isFloat) {
      // a whole number: up to 18 digits it fits a long; 19 may; more do not
      int len = intTo - intFrom;
      long v = 0;
      boolean fits = len <= 19;
      if (len <= 18) {
        for (int k = intFrom; k < intTo; k++) {
          v = v * 10 + (b[k] - '0');
        }
        v = -v;
      } else if (fits) {
        // accumulated negatively, so that Long.MIN_VALUE fits
        long limit = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
        for (int k = intFrom; k < intTo; k++) {
          int d = b[k] - '0';
          if (v < -922_337_203_685_477_580L) { // Long.MIN_VALUE / 10
            fits = false;
            break;
          }
          v *= 10;
          if (v < limit + d) {
            fits = false;
            break;
          }
          v -= d;
        }
      }
      numFitsLong = fits;
      numLong = fits ? (negative ? v : -v) : 0;
      return INT;
    }
    numIntFrom = intFrom;
    numIntTo = intTo;
    numFracFrom = fracFrom;
    numFracTo = fracTo;
    numExp = expOk ? exp : Integer.MIN_VALUE;
    numNegative = negative;
    numFitsLong = false;
    return FLOAT;
  }

  private double number(int t) {
    if (t == INT && numFitsLong) {
      return numLong;
    }
    if (t == FLOAT && numExp != Integer.MIN_VALUE) {
      // Clinger's fast path: at most 15 significant digits and a power of ten up to 22 are exact
      // doubles, so one operation rounds correctly
      long mantissa = 0;
      int significant = 0;
      for (int k = numIntFrom; k < numIntTo; k++) {
        int d = b[k] - '0';
        if (significant > 0 || d != 0) {
          mantissa = mantissa * 10 + d;
          significant++;
        }
      }
      int scale = 0;
      for (int k = numFracFrom; k >= 0 && k < numFracTo && significant <= 15; k++) {
        int d = b[k] - '0';
        scale--;
        if (significant > 0 || d != 0) {
          mantissa = mantissa * 10 + d;
          significant++;
        }
      }
      int exp10 = numExp + scale;
      if (significant <= 15 && exp10 >= -22 && exp10 <= 22) {
        double m = numNegative ? -(double) mantissa : mantissa;
        return exp10 < 0 ? m / POW10[-exp10] : m * POW10[exp10];
      }
    }
    // longer decimals (Java's own toString gives 17 digits): Eisel-Lemire from the bytes
    return JsonDoubleParser.parseDouble(b, numFrom, numTo - numFrom);
  }

  private String numberText() {
    return new String(b, numFrom, numTo - numFrom, StandardCharsets.US_ASCII);
  }

  /**
   * Reads the string at the parser (on its opening quote): {@code str}, {@code strFrom}, {@code
   * strLen} then hold its decoded UTF-8, {@code strChars} its length in UTF-16 units.
   */
  private void string() throws Refusal {
    int at = ++i;
    int chars = 0;
    // the common case: no escapes, the bytes are the text. Eight bytes at a time: the first byte
    // that is a quote, a backslash, a control character or not ASCII is found by bit arithmetic
    while (true) {
      if (i + 8 <= n) {
        long m = specials((long) Utf8.LONGS.get(b, i));
        if (m == 0) {
          i += 8;
          chars += 8;
          continue;
        }
        int k = Long.numberOfTrailingZeros(m) >>> 3;
        i += k;
        chars += k;
      } else if (i >= n) {
        throw syntax("a string without its closing quote");
      }
      int c = b[i];
      if (c == '"') {
        str = b;
        strFrom = at;
        strLen = i - at;
        strChars = chars;
        i++;
        return;
      }
      if (c == '\\') {
        break;
      }
      if (c >= 0x20) { // plain ASCII, in the last bytes of the record
        chars++;
        i++;
        continue;
      }
      if (c >= 0) {
        throw syntax("an unescaped control character in a string");
      }
      int len = Utf8.sequenceAt(b, i, n);
      if (len < 0) {
        throw syntax("invalid UTF-8");
      }
      chars += len == 4 ? 2 : 1;
      i += len;
    }
    // escapes: decode into the scratch buffer
    int len = i - at;
    ensure(len + 16);
    System.arraycopy(b, at, unescaped, 0, len);
    while (true) {
      if (i >= n) {
        throw syntax("a string without its closing quote");
      }
      int c = b[i];
      if (c == '"') {
        i++;
        break;
      }
      ensure(len + 4);
      if (c != '\\') {
        if (c >= 0 && c < 0x20) {
          throw syntax("an unescaped control character in a string");
        }
        if (c >= 0) {
          chars++;
          unescaped[len++] = (byte) c;
          i++;
          continue;
        }
        int seq = Utf8.sequenceAt(b, i, n);
        if (seq < 0) {
          throw syntax("invalid UTF-8");
        }
        chars += seq == 4 ? 2 : 1;
        System.arraycopy(b, i, unescaped, len, seq);
        len += seq;
        i += seq;
        continue;
      }
      if (i + 1 >= n) {
        throw syntax("a string without its closing quote");
      }
      int e = b[i + 1];
      i += 2;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          unescaped[len++] = (byte) e;
          chars++;
          break;
        case 'b':
          unescaped[len++] = '\b';
          chars++;
          break;
        case 'f':
          unescaped[len++] = '\f';
          chars++;
          break;
        case 'n':
          unescaped[len++] = '\n';
          chars++;
          break;
        case 'r':
          unescaped[len++] = '\r';
          chars++;
          break;
        case 't':
          unescaped[len++] = '\t';
          chars++;
          break;
        case 'u':
          {
            int cp = hex4(i);
            i += 4;
            if (cp >= 0xd800 && cp <= 0xdbff) {
              // a high surrogate: an escaped low one must follow
              int low = i + 6 <= n && b[i] == '\\' && b[i + 1] == 'u' ? hex4(i + 2) : -1;
              if (low < 0xdc00 || low > 0xdfff) {
                throw syntax("an escaped lone surrogate");
              }
              i += 6;
              cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
              throw syntax("an escaped lone surrogate");
            }
            len = utf8(cp, len);
            chars += cp >= 0x10000 ? 2 : 1;
            break;
          }
        default:
          throw syntax("an unknown escape \\" + (char) (e & 0x7f));
      }
    }
    str = unescaped;
    strFrom = 0;
    strLen = len;
    strChars = chars;
  }

  /**
   * The high bit set in each byte of {@code w} that a string's fast path must stop at (a quote, a
   * backslash, a control character, a byte of a multi-byte character); exact for the lowest such
   * byte, which is all the caller uses.
   */
  private static long specials(long w) {
    long q = w ^ 0x2222222222222222L;
    long s = w ^ 0x5C5C5C5C5C5C5C5CL;
    return (w | ((q - Utf8.ONES) & ~q) | ((s - Utf8.ONES) & ~s) | ((w - 0x2020202020202020L) & ~w))
        & Utf8.HIGH_BITS;
  }

  private int hex4(int at) throws Refusal {
    if (at + 4 > n) {
      throw syntax("a \\u escape without four hex digits");
    }
    int v = 0;
    for (int k = 0; k < 4; k++) {
      int c = b[at + k];
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        throw syntax("a \\u escape without four hex digits");
      }
      v = v << 4 | d;
    }
    return v;
  }

  private int utf8(int cp, int at) {
    byte[] u = unescaped;
    if (cp < 0x80) {
      u[at++] = (byte) cp;
    } else if (cp < 0x800) {
      u[at++] = (byte) (0xc0 | cp >> 6);
      u[at++] = (byte) (0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      u[at++] = (byte) (0xe0 | cp >> 12);
      u[at++] = (byte) (0x80 | (cp >> 6 & 0x3f));
      u[at++] = (byte) (0x80 | (cp & 0x3f));
    } else {
      u[at++] = (byte) (0xf0 | cp >> 18);
      u[at++] = (byte) (0x80 | (cp >> 12 & 0x3f));
      u[at++] = (byte) (0x80 | (cp >> 6 & 0x3f));
      u[at++] = (byte) (0x80 | (cp & 0x3f));
    }
    return at;
  }

  private void ensure(int capacity) {
    if (unescaped.length < capacity) {
      unescaped = Arrays.copyOf(unescaped, Math.max(capacity, 2 * unescaped.length));
    }
  }

  /** Skips a value of type {@code t} at nesting depth {@code depth} (its container's). */
  private void skip(int t, int depth) throws Refusal {
    switch (t) {
      case STRING:
        string();
        return;
      case OBJECT:
        {
          int object = enter(depth + 1);
          i++;
          skipWs();
          if (peek() == '}') {
            i++;
            return;
          }
          while (true) {
            if (peek() != '"') {
              throw syntax("expected a key in double quotes");
            }
            name(object);
            colon();
            skip(valueType(), depth + 1);
            skipWs();
            int c = peek();
            if (c == ',') {
              i++;
              skipWs();
              continue;
            }
            if (c == '}') {
              i++;
              return;
            }
            throw syntax("expected ',' or '}' in an object");
          }
        }
      case ARRAY:
        {
          enter(depth + 1);
          i++;
          skipWs();
          if (peek() == ']') {
            i++;
            return;
          }
          while (true) {
            skip(valueType(), depth + 1);
            skipWs();
            int c = peek();
            if (c == ',') {
              i++;
              skipWs();
              continue;
            }
            if (c == ']') {
              i++;
              return;
            }
            throw syntax("expected ',' or ']' in a list");
          }
        }
      default:
        // numbers and literals were scanned by valueType
    }
  }

  /** Enters a container at {@code depth} (the top object is 1); returns the object's serial. */
  private int enter(int depth) throws Refusal {
    if (depth > MAX_DEPTH) {
      throw syntax("nesting deeper than " + MAX_DEPTH);
    }
    return ++objects;
  }

  private int peek() {
    return i < n ? b[i] : -1;
  }

  private void skipWs() {
    if (i < n && b[i] > ' ') {
      return; // mostly: no whitespace at all
    }
    while (i < n) {
      byte c = b[i];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return;
      }
      i++;
    }
  }

  private Refusal syntax(String what) {
    return new Refusal("expected valid JSON, found: " + what + " at offset " + i);
  }

  private static String show(byte c) {
    return c >= 0x20 && c < 0x7f ? "'" + (char) c + "'" : String.format("0x%02x", c & 0xff);
  }

  private static String clip(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "..." : s;
  }

  /** As the codec names a token: {@link DataCallCodec#describe} words. */
  private static String describe(int t) {
    switch (t) {
      case OBJECT:
        return "an object";
      case ARRAY:
        return "a list";
      case STRING:
        return "text";
      case INT:
      case FLOAT:
        return "a number";
      case TRUE:
      case FALSE:
        return "a boolean";
      case NULL:
        return "null";
      default:
        return "nothing";
    }
  }

  /** As {@link #describe} but "an array": the wording of this topic's own errors. */
  private static String describeTop(int t) {
    return t == ARRAY ? "an array" : describe(t);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The keys of the record's objects (other than the call's own), for duplicate detection: an
   * open-addressing table of (object serial, key), cleared per record by a generation stamp rather
   * than by a sweep. Keys are the canonical strings of {@link Names}, whose hashes are cached, so a
   * key costs a probe and, mostly, an identity comparison.
   */
  private static final class KeySet {
    private int[] stamp = new int[64];
    private int[] object = new int[64];
    private String[] key = new String[64];
    private int generation;
    private int size;

    void clear() {
      generation++;
      if (generation == 0) {
        Arrays.fill(stamp, 0);
        generation = 1;
      }
      size = 0;
    }

    /** False when the object already has this key. */
    boolean add(int obj, String k) {
      if (2 * (size + 1) > stamp.length) {
        grow();
      }
      int mask = stamp.length - 1;
      int s = slot(obj, k) & mask;
      while (stamp[s] == generation) {
        if (object[s] == obj && (key[s] == k || key[s].equals(k))) {
          return false;
        }
        s = (s + 1) & mask;
      }
      stamp[s] = generation;
      object[s] = obj;
      key[s] = k;
      size++;
      return true;
    }

    private static int slot(int obj, String k) {
      int h = k.hashCode() * 31 + obj * 0x9E3779B9;
      return h ^ (h >>> 15);
    }

    private void grow() {
      int[] oStamp = stamp;
      int[] oObject = object;
      String[] oKey = key;
      int cap = oStamp.length * 2;
      stamp = new int[cap];
      object = new int[cap];
      key = new String[cap];
      int mask = cap - 1;
      for (int k = 0; k < oStamp.length; k++) {
        if (oStamp[k] != generation) {
          continue;
        }
        int s = slot(oObject[k], oKey[k]) & mask;
        while (stamp[s] == generation) {
          s = (s + 1) & mask;
        }
        stamp[s] = generation;
        object[s] = oObject[k];
        key[s] = oKey[k];
      }
    }
  }
}
