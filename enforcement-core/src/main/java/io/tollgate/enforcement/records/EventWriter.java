package io.tollgate.enforcement.records;

import io.tollgate.policy.Decision;
import io.tollgate.policy.Obligations;
import io.tollgate.policy.Reason;
import java.security.GeneralSecurityException;
import java.util.Base64;

/**
 * Writes the records of {@code tollgate.feedback}, {@code tollgate.delivered} and {@code
 * tollgate.dlq} (docs/events.md) as UTF-8 JSON; {@link EventReader} reads them back. The delivered
 * payload is filtered by {@link PayloadFilter}. Reuses one buffer; not thread-safe (one per
 * operator).
 */
public final class EventWriter {
  public static final int VERSION = 1;
  private static final Reason[] REASONS = Reason.values();

  private final JsonBytes out = new JsonBytes();
  private final char[] time = new char[24];
  private final PayloadFilter payloads;
  private final String point;

  /**
   * A writer for the enforcement job ({@code point}: {@code enforcement-job}).
   *
   * @param maskKey the key of the keyed hash that {@code hash} masks apply ({@link Pseudonyms})
   */
  public EventWriter(byte[] maskKey) {
    this(maskKey, "enforcement-job");
  }

  /**
   * @param maskKey the key of the keyed hash that {@code hash} masks apply ({@link Pseudonyms})
   * @param point the enforcement point its feedback names ({@code gateway/<id>}, say)
   */
  public EventWriter(byte[] maskKey, String point) {
    this.payloads = new PayloadFilter(new Pseudonyms(maskKey));
    this.point = point;
  }

  /** The feedback event of one decision. */
  public byte[] feedback(CallRecord call, Decision d, long decisionTime) {
    encodeFeedback(call, d, decisionTime);
    return out.toByteArray();
  }

  /**
   * A feedback event from its parts (for enforcement points and baselines that decide without a
   * {@link Decision} object at hand).
   */
  public byte[] feedback(
      CallRecord call,
      String outcome,
      int reasons,
      String contract,
      String version,
      long decisionTime) {
    return feedback(call, outcome, reasons, contract, version, null, decisionTime);
  }

  /**
   * A stream call's feedback event; its {@code id} is {@code s-<partition>-<offset>} of the call
   * record, the same whenever that record is decided again (a restore replays it).
   */
  public byte[] feedback(
      CallRecord call,
      String outcome,
      int reasons,
      String contract,
      String version,
      String provider,
      long decisionTime) {
    encodeFeedback(call, outcome, reasons, contract, version, provider, decisionTime);
    return out.toByteArray();
  }

  /**
   * As {@link #feedback(CallRecord, Decision, long)}, into this writer's own buffer, without
   * allocating: returns the length; {@link #buffer()} holds the bytes until the next record.
   */
  public int encodeFeedback(CallRecord call, Decision d, long decisionTime) {
    io.tollgate.policy.CompiledPolicy c = d.contract();
    return encodeFeedback(
        call,
        d.outcome().name(),
        d.reasonMask(),
        d.contractId(),
        d.policyVersion(),
        c == null ? null : c.provider(),
        decisionTime);
  }

  private int encodeFeedback(
      CallRecord call,
      String outcome,
      int reasons,
      String contract,
      String version,
      String provider,
      long decisionTime) {
    feedbackFields(call, outcome, reasons, contract, version, decisionTime);
    out.key("id", false)
        .raw('"')
        .raw('s')
        .raw('-')
        .number(call.partition)
        .raw('-')
        .number(call.offset)
        .raw('"')
        .key("provider", false)
        .recurring(provider)
        .key("point", false)
        .recurring(point)
        .key("channel", false)
        .recurring(call.channel == null ? "stream" : call.channel);
    out.raw('}');
    return out.length();
  }

  /** The buffer the {@code encode} methods write into, valid up to the length they return. */
  public byte[] buffer() {
    return out.buffer();
  }

  /**
   * The feedback event of a call decided by the HTTP gateway: the stream's fields ({@code id} is
   * {@code h-<callId>}, unique per request), then {@code channel} ({@code http}), the HTTP {@code
   * status} returned, and {@code upstreamMs} (the upstream's time to the end of its response, -1
   * when nothing was forwarded).
   */
  public byte[] httpFeedback(
      CallRecord call,
      String outcome,
      int reasons,
      String contract,
      String version,
      String provider,
      long decisionTime,
      int status,
      long upstreamMicros) {
    feedbackFields(call, outcome, reasons, contract, version, decisionTime);
    out.key("id", false)
        .string("h-" + call.id)
        .key("provider", false)
        .recurring(provider)
        .key("point", false)
        .recurring(point);
    out.key("channel", false).string("http").key("status", false).number(status);
    out.key("upstreamMs", false);
    if (upstreamMicros < 0) {
      out.number(-1);
    } else {
      out.number(upstreamMicros / 1000).raw('.');
      long frac = upstreamMicros % 1000;
      out.raw((char) ('0' + frac / 100))
          .raw((char) ('0' + frac / 10 % 10))
          .raw((char) ('0' + frac % 10));
    }
    out.raw('}');
    return out.toByteArray();
  }

  private void feedbackFields(
      CallRecord call,
      String outcome,
      int reasons,
      String contract,
      String version,
      long decisionTime) {
    out.reset()
        .raw('{')
        .key("v", true)
        .number(VERSION)
        .key("callId", false)
        .string(call.id)
        .key("decision", false)
        .recurring(outcome)
        .key("reasons", false)
        .raw('[');
    boolean first = true;
    int mask = reasons;
    while (mask != 0) {
      if (!first) {
        out.raw(',');
      }
      out.recurring(REASONS[Integer.numberOfTrailingZeros(mask)].code());
      mask &= mask - 1;
      first = false;
    }
    out.raw(']')
        .key("contract", false)
        .recurring(contract)
        .key("policyVersion", false)
        .recurring(version)
        .key("consumer", false)
        .recurring(call.consumer)
        .key("dataset", false)
        .recurring(call.dataset)
        .key("action", false)
        .recurring(call.action)
        .key("purpose", false)
        .recurring(call.purpose)
        .key("records", false)
        .number(call.records)
        .key("bytes", false)
        .number(call.bytes)
        .key("eventTime", false)
        .raw('"')
        .ascii(time, IsoTime.format(call.ts, time))
        .raw('"')
        .key("ingestTime", false)
        .number(call.ingestTs)
        .key("decisionTime", false)
        .number(decisionTime);
  }

  /**
   * The delivered record of a permitted call: its payload keeps only the top-level keys in {@code
   * project} (all when null) and applies {@code masks} ({@link PayloadFilter}).
   */
  public byte[] delivered(
      CallRecord call,
      String contract,
      String policyVersion,
      String[] project,
      Obligations.Mask[] masks) {
    encodeDelivered(call, contract, policyVersion, project, masks);
    return out.toByteArray();
  }

  /**
   * As {@link #delivered}, into this writer's own buffer: returns the length ({@link #buffer()}).
   */
  public int encodeDelivered(
      CallRecord call,
      String contract,
      String policyVersion,
      String[] project,
      Obligations.Mask[] masks) {
    out.reset()
        .raw('{')
        .key("v", true)
        .number(VERSION)
        .key("callId", false)
        .string(call.id)
        .key("consumer", false)
        .recurring(call.consumer)
        .key("dataset", false)
        .recurring(call.dataset)
        .key("contract", false)
        .recurring(contract)
        .key("policyVersion", false)
        .recurring(policyVersion)
        .key("eventTime", false)
        .raw('"')
        .ascii(time, IsoTime.format(call.ts, time))
        .raw('"')
        .key("payload", false);
    payloads.write(
        out,
        call.payload,
        call.payloadFrom,
        call.payload == null ? 0 : call.payloadEnd(),
        call.payloadKeys,
        call.payloadSpans,
        project,
        masks,
        project != call.fields);
    out.raw('}');
    return out.length();
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
  public byte[] deadLetter(
      String source,
      int partition,
      long offset,
      long ingestTs,
      String error,
      byte[] originalKey,
      byte[] original) {
    if (error != null && error.length() > MAX_ERROR_CHARS) {
      error = error.substring(0, MAX_ERROR_CHARS) + "...";
    }
    out.reset()
        .raw('{')
        .key("v", true)
        .number(VERSION)
        .key("error", false)
        .string(error)
        .key("topic", false)
        .string(source)
        .key("partition", false)
        .number(partition)
        .key("offset", false)
        .number(offset)
        .key("ingestTime", false)
        .number(ingestTs)
        .key("key", false)
        .string(base64(originalKey))
        .key("value", false)
        .string(base64(original));
    if (originalKey != null && originalKey.length > MAX_ORIGINAL_BYTES) {
      out.key("keyBytes", false)
          .number(originalKey.length)
          .key("keyTruncated", false)
          .ascii("true")
          .key("keySha256", false)
          .string(sha256(originalKey));
    }
    if (original != null) {
      out.key("valueBytes", false)
          .number(original.length)
          .key("valueTruncated", false)
          .ascii(original.length > MAX_ORIGINAL_BYTES ? "true" : "false");
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
    return Base64.getEncoder()
        .encodeToString(
            b.length > MAX_ORIGINAL_BYTES ? java.util.Arrays.copyOf(b, MAX_ORIGINAL_BYTES) : b);
  }

  private static String sha256(byte[] b) {
    try {
      return java.util.HexFormat.of()
          .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
