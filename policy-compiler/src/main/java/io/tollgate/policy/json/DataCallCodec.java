package io.tollgate.policy.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.tollgate.policy.Action;
import io.tollgate.policy.Channel;
import io.tollgate.policy.DataCall;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON encoding of a {@link DataCall}, one object per line:
 *
 * <pre>{"id":"c1","ts":"2026-03-02T09:00:00Z","consumer":"acme","dataset":"telemetry",
 * "action":"read","purpose":"navigation","fields":["speed"],"region":"CN-SH",
 * "location":{"lat":31.2,"lon":121.4},"channel":"kafka","records":1,"bytes":210}</pre>
 *
 * <p>{@code id}, {@code ts}, {@code consumer}, {@code dataset}, {@code action} and {@code purpose}
 * are required; {@code ts} is an ISO-8601 instant with offset or epoch milliseconds, from 1970 to
 * 2199. Unknown keys are ignored (forward compatibility; a {@code payload} travels beside the
 * call). Wrong types, unknown actions or channels, regions that are not ISO 3166-2 codes, duplicate
 * keys and missing keys are {@link MalformedCallException}s.
 */
public final class DataCallCodec {
  /** Longest accepted text value: ids and names are short; anything longer is hostile. */
  public static final int MAX_STRING = 1024;

  /** Most fields a call may ask for. */
  public static final int MAX_FIELDS = 256;

  /** Earliest accepted event time, 1970-01-01T00:00:00Z. */
  public static final long MIN_TS = 0L;

  /** Latest accepted event time (exclusive), 2200-01-01T00:00:00Z. */
  public static final long MAX_TS = 7_258_118_400_000L;

  private static final java.util.regex.Pattern REGION =
      java.util.regex.Pattern.compile("[A-Z]{2}(-[A-Z0-9]{1,3})?");

  private final JsonFactory json =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder().maxNestingDepth(32).maxStringLength(1 << 20).build())
          .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER)
          // bytes are UTF-8, never guessed UTF-16/32: enforcement points locate values by byte
          // offset
          .disable(JsonFactory.Feature.CHARSET_DETECTION)
          .build();

  /**
   * A parser over UTF-8 bytes with this codec's limits and duplicate-key detection, for envelopes
   * that {@link #parseObject(JsonParser, DataCall, OtherKeys)} reads the call out of.
   */
  public JsonParser parser(byte[] utf8, int offset, int length) throws IOException {
    return json.createParser(utf8, offset, length);
  }

  /** Parses one JSON object into {@code into} (reset first). */
  public DataCall parse(String text, DataCall into) throws MalformedCallException {
    into.reset();
    try (JsonParser p = json.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new MalformedCallException(
            "expected a JSON object, found " + describe(p.currentToken()));
      }
      parseObject(p, into);
      if (p.nextToken() != null) {
        throw new MalformedCallException("expected one JSON object, found trailing content");
      }
    } catch (JsonProcessingException e) {
      throw new MalformedCallException("expected valid JSON, found: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new MalformedCallException("unreadable: " + e.getMessage());
    }
    return into;
  }

  /**
   * Parses the call fields of the object the parser is inside (after its START_OBJECT), up to its
   * END_OBJECT. Other keys are skipped. For enforcement points that read a larger envelope.
   */
  public void parseObject(JsonParser p, DataCall into) throws IOException, MalformedCallException {
    parseObject(p, into, null);
  }

  /**
   * Reads keys that are not call attributes in an envelope (a stream record's {@code v} and {@code
   * payload}, say). The parser is on the value's first token; the reader must consume the whole
   * value ({@link JsonParser#skipChildren()} does for values it ignores).
   */
  @FunctionalInterface
  public interface OtherKeys {
    void read(String key, JsonParser p) throws IOException, MalformedCallException;
  }

  /**
   * As {@link #parseObject(JsonParser, DataCall)}, handing keys that are not call attributes to
   * {@code others} (null: skip them).
   */
  public void parseObject(JsonParser p, DataCall into, OtherKeys others)
      throws IOException, MalformedCallException {
    boolean id = false;
    boolean ts = false;
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonToken v = p.nextToken();
      switch (key) {
        case "id":
          into.id(string(p, v, key));
          id = true;
          break;
        case "ts":
          into.ts(timestamp(p, v));
          ts = true;
          break;
        case "consumer":
          into.consumer(string(p, v, key));
          break;
        case "dataset":
          into.dataset(string(p, v, key));
          break;
        case "action":
          {
            String a = string(p, v, key);
            Action action = Action.ofTerm(a);
            if (action == null) {
              throw new MalformedCallException(
                  "action: expected one of " + Action.terms() + ", found \"" + a + "\"");
            }
            into.action(action);
            break;
          }
        case "purpose":
          into.purpose(string(p, v, key));
          break;
        case "fields":
          if (v != JsonToken.VALUE_NULL) {
            into.fields(fields(p, v));
          }
          break;
        case "region":
          if (v != JsonToken.VALUE_NULL) {
            String r = string(p, v, key);
            if (!REGION.matcher(r).matches()) {
              throw new MalformedCallException(
                  "region: expected an ISO 3166-2 code such as CN or CN-SH, found \""
                      + (r.length() > 64 ? r.substring(0, 64) + "..." : r)
                      + "\"");
            }
            into.region(r);
          }
          break;
        case "location":
          if (v != JsonToken.VALUE_NULL) {
            location(p, v, into);
          }
          break;
        case "channel":
          if (v != JsonToken.VALUE_NULL) {
            String c = string(p, v, key);
            Channel channel = Channel.ofTerm(c);
            if (channel == null) {
              throw new MalformedCallException(
                  "channel: expected http, kafka or mqtt, found \"" + c + "\"");
            }
            into.channel(channel);
          }
          break;
        case "records":
          into.records(count(p, v, key));
          break;
        case "bytes":
          into.bytes(count(p, v, key));
          break;
        default:
          if (others == null) {
            p.skipChildren();
          } else {
            others.read(key, p);
          }
      }
    }
    if (t != JsonToken.END_OBJECT) {
      throw new MalformedCallException("expected the end of the call object, found " + describe(t));
    }
    if (!id) {
      throw new MalformedCallException("id: required, missing");
    }
    if (!ts) {
      throw new MalformedCallException("ts: required, missing");
    }
    if (into.consumer() == null) {
      throw new MalformedCallException("consumer: required, missing");
    }
    if (into.dataset() == null) {
      throw new MalformedCallException("dataset: required, missing");
    }
    if (into.action() == null) {
      throw new MalformedCallException("action: required, missing");
    }
    if (into.purpose() == null) {
      throw new MalformedCallException("purpose: required, missing");
    }
  }

  private static String string(JsonParser p, JsonToken v, String key)
      throws IOException, MalformedCallException {
    if (v != JsonToken.VALUE_STRING) {
      throw new MalformedCallException(key + ": expected text, found " + describe(v));
    }
    String s = p.getText();
    if (s.isEmpty() || s.length() > MAX_STRING) {
      throw new MalformedCallException(
          key + ": expected 1 to " + MAX_STRING + " characters, found " + s.length());
    }
    return s;
  }

  private static long timestamp(JsonParser p, JsonToken v)
      throws IOException, MalformedCallException {
    long ts;
    if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
      ts = p.getLongValue();
    } else if (v == JsonToken.VALUE_STRING) {
      ts = isoTimestamp(p.getText());
    } else {
      throw new MalformedCallException("ts: expected an instant, found " + describe(v));
    }
    if (ts < MIN_TS || ts >= MAX_TS) {
      throw new MalformedCallException(
          "ts: expected an instant from 1970 to 2199, found " + Instant.ofEpochMilli(ts));
    }
    return ts;
  }

  private static long isoTimestamp(String s) throws MalformedCallException {
    {
      try {
        return OffsetDateTime.parse(s).toInstant().toEpochMilli();
      } catch (DateTimeParseException | ArithmeticException e) {
        throw new MalformedCallException(
            "ts: expected an ISO-8601 instant with offset or epoch milliseconds, found \""
                + (s.length() > 64 ? s.substring(0, 64) + "..." : s)
                + "\"");
      }
    }
  }

  private static List<String> fields(JsonParser p, JsonToken v)
      throws IOException, MalformedCallException {
    if (v != JsonToken.START_ARRAY) {
      throw new MalformedCallException(
          "fields: expected a list of field names, found " + describe(v));
    }
    List<String> out = new ArrayList<>();
    JsonToken e;
    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
      if (out.size() == MAX_FIELDS) {
        throw new MalformedCallException("fields: expected at most " + MAX_FIELDS + " names");
      }
      out.add(string(p, e, "fields/" + out.size()));
    }
    return out;
  }

  private static void location(JsonParser p, JsonToken v, DataCall into)
      throws IOException, MalformedCallException {
    if (v != JsonToken.START_OBJECT) {
      throw new MalformedCallException("location: expected {lat, lon}, found " + describe(v));
    }
    double lat = Double.NaN;
    double lon = Double.NaN;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String k = p.currentName();
      JsonToken n = p.nextToken();
      if (!n.isNumeric()) {
        throw new MalformedCallException(
            "location/" + k + ": expected a number, found " + describe(n));
      }
      if (k.equals("lat")) {
        lat = p.getDoubleValue();
      } else if (k.equals("lon")) {
        lon = p.getDoubleValue();
      } else {
        throw new MalformedCallException("location: unknown key '" + k + "' (expected lat, lon)");
      }
    }
    if (!(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180)) {
      throw new MalformedCallException(
          "location: expected lat in [-90, 90] and lon in [-180, 180], found lat="
              + lat
              + " lon="
              + lon);
    }
    into.location(lat, lon);
  }

  private static long count(JsonParser p, JsonToken v, String key)
      throws IOException, MalformedCallException {
    if (v != JsonToken.VALUE_NUMBER_INT
        || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
        || p.getLongValue() < 0) {
      throw new MalformedCallException(
          key
              + ": expected a whole number of at least 0, found "
              + describe(v)
              + (v == JsonToken.VALUE_NUMBER_INT ? " " + p.getText() : ""));
    }
    return p.getLongValue();
  }

  /** How an error names what it found: "an object", "a list", "text", "a number", ... */
  public static String describe(JsonToken t) {
    if (t == null) {
      return "nothing";
    }
    switch (t) {
      case START_OBJECT:
        return "an object";
      case START_ARRAY:
        return "a list";
      case VALUE_STRING:
        return "text";
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return "a number";
      case VALUE_TRUE:
      case VALUE_FALSE:
        return "a boolean";
      case VALUE_NULL:
        return "null";
      default:
        return t.toString();
    }
  }

  /** Encodes a call as one line of JSON. */
  public String toJson(DataCall c) {
    StringWriter w = new StringWriter(256);
    try (JsonGenerator g = json.createGenerator(w)) {
      g.writeStartObject();
      g.writeStringField("id", c.id());
      g.writeStringField("ts", Instant.ofEpochMilli(c.ts()).toString());
      g.writeStringField("consumer", c.consumer());
      g.writeStringField("dataset", c.dataset());
      g.writeStringField("action", c.action() == null ? null : c.action().term());
      g.writeStringField("purpose", c.purpose());
      if (c.hasFields()) {
        g.writeArrayFieldStart("fields");
        for (String f : c.fields()) {
          g.writeString(f);
        }
        g.writeEndArray();
      }
      if (c.region() != null) {
        g.writeStringField("region", c.region());
      }
      if (c.hasLocation()) {
        g.writeObjectFieldStart("location");
        g.writeNumberField("lat", c.lat());
        g.writeNumberField("lon", c.lon());
        g.writeEndObject();
      }
      if (c.channel() != null) {
        g.writeStringField("channel", c.channel().term());
      }
      g.writeNumberField("records", c.records());
      g.writeNumberField("bytes", c.bytes());
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return w.toString();
  }
}
