package io.tollgate.flink.events;

import io.tollgate.policy.Decision;
import io.tollgate.policy.MaskMethod;
import io.tollgate.policy.Obligations;
import io.tollgate.policy.Reason;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Writes the records of {@code tollgate.feedback}, {@code tollgate.delivered} and {@code
 * tollgate.dlq} (docs/events.md) as UTF-8 JSON. The delivered payload is assembled from the raw
 * value bytes the parser located ({@link CallRecord#payloadSpans}): projecting and masking copy
 * bytes and never parse the payload again. Reuses one buffer; not thread-safe (one per operator).
 */
public final class EventWriter {
  public static final int VERSION = 1;
  /** What {@link MaskMethod#REDACT} puts in place of a value. */
  public static final String REDACTED = "[redacted]";
  private static final Reason[] REASONS = Reason.values();
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private final JsonBytes out = new JsonBytes();
  private final JsonBytes scratch = new JsonBytes();
  private final char[] time = new char[24];
  private final Mac mac;
  private final byte[] hex = new byte[34];

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
    return feedback(call, d.outcome().name(), d.reasonMask(), d.contractId(), d.policyVersion(), decisionTime);
  }

  /** The feedback event of a call passed through without a decision (the pass-through baseline). */
  public byte[] passThroughFeedback(CallRecord call, long decisionTime) {
    return feedback(call, "PERMIT", 0, null, null, decisionTime);
  }

  private byte[] feedback(CallRecord call, String outcome, int reasons, String contract, String version,
      long decisionTime) {
    out.reset().raw('{').key("v", true).number(VERSION)
        .key("callId", false).string(call.id)
        .key("decision", false).string(outcome)
        .key("reasons", false).raw('[');
    boolean first = true;
    int mask = reasons;
    while (mask != 0) {
      if (!first) {
        out.raw(',');
      }
      out.string(REASONS[Integer.numberOfTrailingZeros(mask)].code());
      mask &= mask - 1;
      first = false;
    }
    out.raw(']')
        .key("contract", false).string(contract)
        .key("policyVersion", false).string(version)
        .key("consumer", false).string(call.consumer)
        .key("dataset", false).string(call.dataset)
        .key("action", false).string(call.action)
        .key("purpose", false).string(call.purpose)
        .key("records", false).number(call.records)
        .key("bytes", false).number(call.bytes)
        .key("eventTime", false).raw('"').ascii(time, IsoTime.format(call.ts, time)).raw('"')
        .key("ingestTime", false).number(call.ingestTs)
        .key("decisionTime", false).number(decisionTime)
        .raw('}');
    return out.toByteArray();
  }

  /**
   * The delivered record of a permitted call: its payload keeps only the top-level keys in {@code
   * project} (all when null) and applies {@code masks}, in the payload's own key order.
   */
  public byte[] delivered(CallRecord call, String contract, String policyVersion, String[] project,
      Obligations.Mask[] masks) {
    out.reset().raw('{').key("v", true).number(VERSION)
        .key("callId", false).string(call.id)
        .key("consumer", false).string(call.consumer)
        .key("dataset", false).string(call.dataset)
        .key("contract", false).string(contract)
        .key("policyVersion", false).string(policyVersion)
        .key("eventTime", false).raw('"').ascii(time, IsoTime.format(call.ts, time)).raw('"')
        .key("payload", false);
    byte[] p = call.payload;
    if (p == null) {
      out.raw('{').raw('}');
    } else if (project == null && (masks == null || masks.length == 0)) {
      out.raw(p, 0, p.length);
    } else {
      out.raw('{');
      boolean first = true;
      String[] keys = call.payloadKeys;
      int[] spans = call.payloadSpans;
      for (int i = 0; i < keys.length; i++) {
        String name = keys[i];
        if (project != null && !contains(project, name)) {
          continue;
        }
        MaskMethod m = mask(masks, name);
        if (m == MaskMethod.DROP) {
          continue;
        }
        if (!first) {
          out.raw(',');
        }
        first = false;
        out.string(name).raw(':');
        int from = spans[2 * i];
        int to = spans[2 * i + 1];
        if (m == null) {
          out.raw(p, from, to - from);
        } else if (m == MaskMethod.REDACT) {
          out.string(REDACTED);
        } else {
          out.raw(hash(p, from, to), 0, 34);
        }
      }
      out.raw('}');
    }
    out.raw('}');
    return out.toByteArray();
  }

  /**
   * A stable pseudonym: 32 hex digits of the keyed hash, quoted, of the value's canonical JSON
   * text. A string written without escapes is its own canonical form; one with escapes is decoded
   * and written again, so "SH-A1" and "SH-A\u0031" get the same pseudonym while "42" and 42 do not.
   */
  private byte[] hash(byte[] b, int from, int to) {
    boolean escaped = false;
    if (b[from] == '"') {
      for (int i = from + 1; i < to - 1; i++) {
        if (b[i] == '\\') {
          escaped = true;
          break;
        }
      }
    }
    if (escaped) {
      byte[] canonical = scratch.reset().string(decodeString(b, from, to)).toByteArray();
      mac.update(canonical);
    } else {
      mac.update(b, from, to - from);
    }
    byte[] h = mac.doFinal();
    hex[0] = '"';
    for (int i = 0; i < 16; i++) {
      hex[1 + 2 * i] = HEX[(h[i] >> 4) & 0xf];
      hex[2 + 2 * i] = HEX[h[i] & 0xf];
    }
    hex[33] = '"';
    return hex;
  }

  private final com.fasterxml.jackson.core.JsonFactory json = new com.fasterxml.jackson.core.JsonFactory();

  private String decodeString(byte[] b, int from, int to) {
    try (com.fasterxml.jackson.core.JsonParser p = json.createParser(b, from, to - from)) {
      p.nextToken();
      return p.getText();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e); // the span was validated when the call was parsed
    }
  }

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

  /** Most bytes of an original key or value a dead letter carries (base64 adds a third). */
  public static final int MAX_ORIGINAL_BYTES = 256 * 1024;
  /** Longest error text a dead letter carries, in characters. */
  public static final int MAX_ERROR_CHARS = 4096;

  /**
   * A dead letter: why, where from, and the original key and value (base64, so any bytes survive).
   * A value longer than {@link #MAX_ORIGINAL_BYTES} is cut there ({@code valueTruncated}); its full
   * length and SHA-256 identify the original, so a dead letter always fits a Kafka record.
   */
  public byte[] deadLetter(String source, int partition, long offset, long ingestTs, String error,
      byte[] originalKey, byte[] original) {
    if (error != null && error.length() > MAX_ERROR_CHARS) {
      error = error.substring(0, MAX_ERROR_CHARS) + "...";
    }
    out.reset().raw('{').key("v", true).number(VERSION)
        .key("error", false).string(error)
        .key("topic", false).string(source)
        .key("partition", false).number(partition)
        .key("offset", false).number(offset)
        .key("ingestTime", false).number(ingestTs)
        .key("key", false).string(base64(originalKey))
        .key("value", false).string(base64(original));
    if (originalKey != null && originalKey.length > MAX_ORIGINAL_BYTES) {
      out.key("keyBytes", false).number(originalKey.length)
          .key("keyTruncated", false).ascii("true")
          .key("keySha256", false).string(sha256(originalKey));
    }
    if (original != null) {
      out.key("valueBytes", false).number(original.length)
          .key("valueTruncated", false).ascii(original.length > MAX_ORIGINAL_BYTES ? "true" : "false");
      if (original.length > MAX_ORIGINAL_BYTES) {
        out.key("valueSha256", false).string(sha256(original));
      }
    }
    out.raw('}');
    return out.toByteArray();
  }

  private static String base64(byte[] b) {
    if (b == null) {
      return null;
    }
    return Base64.getEncoder().encodeToString(b.length > MAX_ORIGINAL_BYTES ? java.util.Arrays.copyOf(b, MAX_ORIGINAL_BYTES) : b);
  }

  private static String sha256(byte[] b) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
