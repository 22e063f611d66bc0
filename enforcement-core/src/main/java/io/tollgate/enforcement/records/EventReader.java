package io.tollgate.enforcement.records;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tollgate.policy.Outcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads back the records {@link EventWriter} writes: feedback events, delivered records and dead
 * letters (docs/events.md). Every consumer of these topics in this repository (live figures, the
 * load generator, the tests, and the metering and evidence jobs to come) reads through here.
 *
 * <p>As the schema asks: a version other than {@link EventWriter#VERSION} is refused, unknown
 * fields are ignored, and a record that is not a JSON object, or lacks a required field, is a
 * {@link MalformedRecordException}. Thread-safe.
 */
public final class EventReader {
  private static final JsonFactory JSON = new JsonFactory();

  private EventReader() {}

  /** A {@code tollgate.feedback} event. */
  public static FeedbackEvent feedback(byte[] value) {
    return read(
        value,
        "feedback event",
        p -> {
          String callId = null;
          Outcome decision = null;
          List<String> reasons = null;
          String contract = null;
          String version = null;
          String consumer = null;
          String dataset = null;
          String action = null;
          String purpose = null;
          long records = 0;
          long bytes = 0;
          String eventTime = null;
          long ingest = -1;
          long decided = -1;
          String channel = null;
          int status = -1;
          String id = null;
          String provider = null;
          String point = null;
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
              case "v" -> version(p);
              case "callId" -> callId = text(p, name);
              case "decision" -> decision = outcome(text(p, name));
              case "reasons" -> reasons = strings(p, t, name);
              case "contract" -> contract = text(p, name);
              case "policyVersion" -> version = text(p, name);
              case "consumer" -> consumer = text(p, name);
              case "dataset" -> dataset = text(p, name);
              case "action" -> action = text(p, name);
              case "purpose" -> purpose = text(p, name);
              case "records" -> records = number(p, name);
              case "bytes" -> bytes = number(p, name);
              case "eventTime" -> eventTime = text(p, name);
              case "ingestTime" -> ingest = number(p, name);
              case "decisionTime" -> decided = number(p, name);
              case "channel" -> channel = text(p, name);
              case "status" -> status = (int) number(p, name);
              case "id" -> id = text(p, name);
              case "provider" -> provider = text(p, name);
              case "point" -> point = text(p, name);
              default -> p.skipChildren();
            }
          }
          require(callId, "callId");
          require(decision, "decision");
          return new FeedbackEvent(
              callId,
              decision,
              reasons == null ? List.of() : reasons,
              contract,
              version,
              consumer,
              dataset,
              action,
              purpose,
              records,
              bytes,
              eventTime,
              ingest,
              decided,
              channel,
              status,
              id,
              provider,
              point);
        });
  }

  /** A {@code tollgate.delivered} record. */
  public static DeliveredEvent delivered(byte[] value) {
    return read(
        value,
        "delivered record",
        p -> {
          String callId = null;
          String consumer = null;
          String dataset = null;
          String contract = null;
          String version = null;
          String eventTime = null;
          String payload = null;
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
              case "v" -> version(p);
              case "callId" -> callId = text(p, name);
              case "consumer" -> consumer = text(p, name);
              case "dataset" -> dataset = text(p, name);
              case "contract" -> contract = text(p, name);
              case "policyVersion" -> version = text(p, name);
              case "eventTime" -> eventTime = text(p, name);
              case "payload" -> {
                if (t != JsonToken.START_OBJECT) {
                  throw new MalformedRecordException("payload: expected an object, found " + t);
                }
                int from = (int) p.currentTokenLocation().getByteOffset();
                p.skipChildren();
                int to = (int) p.currentLocation().getByteOffset();
                payload = new String(value, from, to - from, StandardCharsets.UTF_8);
              }
              default -> p.skipChildren();
            }
          }
          require(callId, "callId");
          return new DeliveredEvent(
              callId, consumer, dataset, contract, version, eventTime, payload);
        });
  }

  /** A {@code tollgate.dlq} record. */
  public static DeadLetterEvent deadLetter(byte[] value) {
    return read(
        value,
        "dead letter",
        p -> {
          String error = null;
          String topic = null;
          int partition = -1;
          long offset = -1;
          long ingest = -1;
          byte[] key = null;
          byte[] original = null;
          long keyBytes = -1;
          boolean keyTruncated = false;
          String keySha = null;
          long valueBytes = -1;
          boolean truncated = false;
          String valueSha = null;
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
              case "v" -> version(p);
              case "error" -> error = text(p, name);
              case "topic" -> topic = text(p, name);
              case "partition" -> partition = (int) number(p, name);
              case "offset" -> offset = number(p, name);
              case "ingestTime" -> ingest = number(p, name);
              case "key" -> key = base64(text(p, name), name);
              case "value" -> original = base64(text(p, name), name);
              case "keyBytes" -> keyBytes = number(p, name);
              case "keyTruncated" -> keyTruncated = bool(p, name);
              case "keySha256" -> keySha = text(p, name);
              case "valueBytes" -> valueBytes = number(p, name);
              case "valueTruncated" -> truncated = bool(p, name);
              case "valueSha256" -> valueSha = text(p, name);
              default -> p.skipChildren();
            }
          }
          require(error, "error");
          require(topic, "topic");
          return new DeadLetterEvent(
              error,
              topic,
              partition,
              offset,
              ingest,
              key,
              original,
              keyBytes,
              keyTruncated,
              keySha,
              valueBytes,
              truncated,
              valueSha);
        });
  }

  private interface Body<T> {
    T read(JsonParser p) throws IOException;
  }

  private static <T> T read(byte[] value, String what, Body<T> body) {
    if (value == null) {
      throw new MalformedRecordException("expected a " + what + ", found a null value");
    }
    try (JsonParser p = JSON.createParser(value)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new MalformedRecordException("expected a " + what + " (a JSON object)");
      }
      T out = body.read(p);
      if (p.nextToken() != null) {
        throw new MalformedRecordException("expected one " + what + ", found trailing content");
      }
      return out;
    } catch (IOException e) {
      throw new MalformedRecordException(
          "expected a " + what + " in valid JSON: " + e.getMessage(), e);
    }
  }

  private static void version(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || p.getLongValue() != EventWriter.VERSION) {
      throw new MalformedRecordException(
          "v: expected schema version " + EventWriter.VERSION + ", found " + p.getText());
    }
  }

  private static String text(JsonParser p, String name) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t != JsonToken.VALUE_STRING) {
      throw new MalformedRecordException(name + ": expected text, found " + t);
    }
    return p.getText();
  }

  private static long number(JsonParser p, String name) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
      throw new MalformedRecordException(
          name + ": expected a whole number, found " + p.currentToken());
    }
    return p.getLongValue();
  }

  private static boolean bool(JsonParser p, String name) throws IOException {
    JsonToken t = p.currentToken();
    if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
      throw new MalformedRecordException(name + ": expected true or false, found " + t);
    }
    return t == JsonToken.VALUE_TRUE;
  }

  private static List<String> strings(JsonParser p, JsonToken t, String name) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      throw new MalformedRecordException(name + ": expected a list, found " + t);
    }
    List<String> out = new ArrayList<>(2);
    while (p.nextToken() != JsonToken.END_ARRAY) {
      String item = text(p, name);
      if (item == null) {
        throw new MalformedRecordException(name + ": expected text in the list, found null");
      }
      out.add(item);
    }
    return List.copyOf(out);
  }

  private static Outcome outcome(String s) {
    try {
      return Outcome.valueOf(s);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new MalformedRecordException("decision: expected PERMIT, DENY or THROTTLE, found " + s);
    }
  }

  private static byte[] base64(String s, String name) {
    try {
      return s == null ? null : Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new MalformedRecordException(name + ": expected base64, found " + e.getMessage());
    }
  }

  private static void require(Object v, String name) {
    if (v == null) {
      throw new MalformedRecordException(name + ": required, missing");
    }
  }
}
