package io.tollgate.flink.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.tollgate.policy.Decision;
import io.tollgate.policy.MaskMethod;
import io.tollgate.policy.Obligations;
import io.tollgate.policy.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Writes the records of {@code tollgate.feedback}, {@code tollgate.delivered} and {@code
 * tollgate.dlq} (docs/events.md) as UTF-8 JSON. Reuses one buffer; not thread-safe (one per
 * operator instance).
 */
public final class EventWriter {
  public static final int VERSION = 1;
  /** What {@link MaskMethod#REDACT} puts in place of a value. */
  public static final String REDACTED = "[redacted]";

  private final JsonFactory json = JsonFactory.builder().build();
  private final ByteArrayBuilder buffer = new ByteArrayBuilder(512);
  private final char[] time = new char[24];
  private final Mac mac;
  private final byte[] hexOut = new byte[32];

  /** @param maskKey the key of the keyed hash that {@code hash} masks apply (HMAC-SHA256) */
  public EventWriter(byte[] maskKey) {
    try {
      mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(maskKey, "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** The feedback event of one decision. */
  public byte[] feedback(CallRecord call, Decision d, long decisionTime) {
    buffer.reset();
    try (JsonGenerator g = json.createGenerator(buffer)) {
      g.writeStartObject();
      g.writeNumberField("v", VERSION);
      g.writeStringField("callId", call.id);
      g.writeStringField("decision", d.outcome().name());
      g.writeArrayFieldStart("reasons");
      int mask = d.reasonMask();
      while (mask != 0) {
        int bit = Integer.numberOfTrailingZeros(mask);
        g.writeString(REASONS[bit].code());
        mask &= mask - 1;
      }
      g.writeEndArray();
      g.writeStringField("contract", d.contractId());
      g.writeStringField("policyVersion", d.policyVersion());
      g.writeStringField("consumer", call.consumer);
      g.writeStringField("dataset", call.dataset);
      g.writeStringField("action", call.action);
      g.writeStringField("purpose", call.purpose);
      g.writeNumberField("records", call.records);
      g.writeNumberField("bytes", call.bytes);
      g.writeFieldName("eventTime");
      g.writeString(time, 0, IsoTime.format(call.ts, time));
      g.writeNumberField("ingestTime", call.ingestTs);
      g.writeNumberField("decisionTime", decisionTime);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.toByteArray();
  }

  /** The feedback event of a call passed through without a decision (the pass-through baseline). */
  public byte[] passThroughFeedback(CallRecord call, long decisionTime) {
    buffer.reset();
    try (JsonGenerator g = json.createGenerator(buffer)) {
      g.writeStartObject();
      g.writeNumberField("v", VERSION);
      g.writeStringField("callId", call.id);
      g.writeStringField("decision", "PERMIT");
      g.writeArrayFieldStart("reasons");
      g.writeEndArray();
      g.writeStringField("contract", null);
      g.writeStringField("policyVersion", null);
      g.writeStringField("consumer", call.consumer);
      g.writeStringField("dataset", call.dataset);
      g.writeStringField("action", call.action);
      g.writeStringField("purpose", call.purpose);
      g.writeNumberField("records", call.records);
      g.writeNumberField("bytes", call.bytes);
      g.writeFieldName("eventTime");
      g.writeString(time, 0, IsoTime.format(call.ts, time));
      g.writeNumberField("ingestTime", call.ingestTs);
      g.writeNumberField("decisionTime", decisionTime);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.toByteArray();
  }

  /**
   * The delivered record of a permitted call: its payload keeps only the top-level keys in {@code
   * project} (all when null) and applies {@code masks}. With {@code project} null and no masks the
   * payload is copied as it came.
   */
  public byte[] delivered(CallRecord call, String contract, String policyVersion, String[] project,
      Obligations.Mask[] masks) {
    buffer.reset();
    try (JsonGenerator g = json.createGenerator(buffer)) {
      g.writeStartObject();
      g.writeNumberField("v", VERSION);
      g.writeStringField("callId", call.id);
      g.writeStringField("consumer", call.consumer);
      g.writeStringField("dataset", call.dataset);
      g.writeStringField("contract", contract);
      g.writeStringField("policyVersion", policyVersion);
      g.writeFieldName("eventTime");
      g.writeString(time, 0, IsoTime.format(call.ts, time));
      g.writeFieldName("payload");
      if (call.payload == null) {
        g.writeStartObject();
        g.writeEndObject();
      } else if (project == null && (masks == null || masks.length == 0)) {
        g.writeRawValue(new String(call.payload, StandardCharsets.UTF_8));
      } else {
        shape(call.payload, project, masks, g);
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.toByteArray();
  }

  private void shape(byte[] payload, String[] project, Obligations.Mask[] masks, JsonGenerator g)
      throws IOException {
    try (JsonParser p = json.createParser(payload)) {
      p.nextToken();
      g.writeStartObject();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (project != null && !contains(project, name)) {
          p.skipChildren();
          continue;
        }
        MaskMethod m = mask(masks, name);
        if (m == null) {
          g.writeFieldName(name);
          g.copyCurrentStructure(p);
        } else if (m == MaskMethod.DROP) {
          p.skipChildren();
        } else if (m == MaskMethod.REDACT) {
          p.skipChildren();
          g.writeStringField(name, REDACTED);
        } else {
          int start = (int) p.currentTokenLocation().getByteOffset();
          p.skipChildren();
          int end = (int) p.currentLocation().getByteOffset();
          g.writeFieldName(name);
          hash(payload, start, end, v, p, g);
        }
      }
      g.writeEndObject();
    }
  }

  /** A stable pseudonym: the keyed hash of the value's JSON text (of its string value for text). */
  private void hash(byte[] payload, int start, int end, JsonToken v, JsonParser p, JsonGenerator g)
      throws IOException {
    if (v == JsonToken.VALUE_STRING) {
      mac.update(p.getText().getBytes(StandardCharsets.UTF_8));
    } else {
      mac.update(payload, start, end - start);
    }
    byte[] h = mac.doFinal();
    for (int i = 0; i < 16; i++) {
      hexOut[2 * i] = HEX[(h[i] >> 4) & 0xf];
      hexOut[2 * i + 1] = HEX[h[i] & 0xf];
    }
    g.writeUTF8String(hexOut, 0, 32);
  }

  private static final Reason[] REASONS = Reason.values();
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private static boolean contains(String[] names, String name) {
    for (String n : names) {
      if (n.equals(name)) {
        return true;
      }
    }
    return false;
  }

  private static MaskMethod mask(Obligations.Mask[] masks, String name) {
    if (masks != null) {
      for (Obligations.Mask m : masks) {
        if (m.field().equals(name)) {
          return m.method();
        }
      }
    }
    return null;
  }

  /**
   * A dead letter: why, where from, and the original key and value (base64, so any bytes survive).
   */
  public byte[] deadLetter(String source, int partition, long offset, long ingestTs, String error,
      byte[] originalKey, byte[] original) {
    buffer.reset();
    try (JsonGenerator g = json.createGenerator(buffer)) {
      g.writeStartObject();
      g.writeNumberField("v", VERSION);
      g.writeStringField("error", error);
      g.writeStringField("topic", source);
      g.writeNumberField("partition", partition);
      g.writeNumberField("offset", offset);
      g.writeNumberField("ingestTime", ingestTs);
      g.writeStringField("key", originalKey == null ? null : Base64.getEncoder().encodeToString(originalKey));
      g.writeStringField("value", original == null ? null : Base64.getEncoder().encodeToString(original));
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.toByteArray();
  }
}
