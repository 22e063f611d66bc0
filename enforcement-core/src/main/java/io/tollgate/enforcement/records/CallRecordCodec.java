package io.tollgate.enforcement.records;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.tollgate.policy.DataCall;
import io.tollgate.policy.json.DataCallCodec;
import io.tollgate.policy.json.MalformedCallException;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads a {@code tollgate.calls} record (docs/events.md): the {@link DataCall} attributes exactly
 * as {@code tollgate policy eval} reads them (same codec, same errors), plus {@code v} (schema
 * version, optional, 1) and {@code payload} (an object, optional). Anything else is a malformed
 * record carrying its error and original bytes.
 *
 * <p>Not thread-safe: one per source reader.
 */
public final class CallRecordCodec {
  /** The schema version this codec reads. */
  public static final int VERSION = 1;

  /** Largest record accepted. */
  public static final int MAX_RECORD_BYTES = 1 << 20;

  private final DataCallCodec calls = new DataCallCodec();
  private final DataCall call = new DataCall();
  private final long maxFutureMillis;
  private final long maxLateMillis;

  /** Most top-level keys a payload may have. */
  public static final int MAX_PAYLOAD_KEYS = 1024;

  private byte[] payload;
  private String[] payloadKeys;
  private int[] payloadSpans;
  private final String[] keys = new String[MAX_PAYLOAD_KEYS];
  private final int[] spans = new int[2 * MAX_PAYLOAD_KEYS];
  private byte[] current;

  /**
   * As {@link #CallRecordCodec(long, long)} with no bound on late calls.
   *
   * @param maxFutureMillis how far a call's {@code ts} may run ahead of its record's broker
   *     timestamp; a call further in the future would refill rate buckets ahead of time, so it is
   *     refused (deterministically: both times travel with the record)
   */
  public CallRecordCodec(long maxFutureMillis) {
    this(maxFutureMillis, Long.MAX_VALUE);
  }

  /**
   * @param maxLateMillis how far a call's {@code ts} may lag its record's broker timestamp; a call
   *     stamped further in the past could pick a moment its contract allowed (an expired validity,
   *     other hours or days, an emptier quota period), so it is refused
   */
  public CallRecordCodec(long maxFutureMillis, long maxLateMillis) {
    this.maxFutureMillis = maxFutureMillis;
    this.maxLateMillis = maxLateMillis;
  }

  private final DataCallCodec.OtherKeys others =
      (key, p) -> {
        switch (key) {
          case "v":
            {
              JsonToken t = p.currentToken();
              if (t != JsonToken.VALUE_NUMBER_INT || p.getLongValue() != VERSION) {
                throw new MalformedCallException(
                    "v: expected schema version "
                        + VERSION
                        + ", found "
                        + (t == JsonToken.VALUE_NUMBER_INT ? p.getText() : describe(t)));
              }
              break;
            }
          case "payload":
            {
              JsonToken t = p.currentToken();
              if (t == JsonToken.VALUE_NULL) {
                break;
              }
              if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                throw new MalformedCallException(
                    "payload: expected an object, found " + describe(t));
              }
              int start = (int) p.currentTokenLocation().getByteOffset();
              int n = 0;
              while (p.nextToken() == JsonToken.FIELD_NAME) {
                if (n == MAX_PAYLOAD_KEYS) {
                  throw new MalformedCallException(
                      "payload: expected at most " + MAX_PAYLOAD_KEYS + " keys, found more");
                }
                keys[n] =
                    p.currentName(); // canonical (interned) by the parser: no allocation per record
                p.nextToken();
                spans[2 * n] = (int) p.currentTokenLocation().getByteOffset() - start;
                p.skipChildren();
                p.finishToken();
                spans[2 * n + 1] = (int) p.currentLocation().getByteOffset() - start;
                n++;
              }
              int end = (int) p.currentLocation().getByteOffset();
              payload = Arrays.copyOfRange(current, start, end);
              payloadKeys = Arrays.copyOf(keys, n);
              payloadSpans = Arrays.copyOf(spans, 2 * n);
              break;
            }
          default:
            p.skipChildren();
        }
      };

  /** Parses {@code value} (a record of {@code tollgate.calls}) into {@code into}. */
  public CallRecord parse(byte[] key, byte[] value, long ingestTs, CallRecord into) {
    into.ingestTs = ingestTs;
    String error = read(value, ingestTs);
    if (error != null) {
      into.error = error;
      into.originalKey = key;
      into.original = value;
      into.ts = ingestTs;
      return into;
    }
    into.from(call);
    into.payload = payload;
    into.payloadFrom = 0;
    into.payloadTo = payload == null ? 0 : payload.length;
    into.payloadKeys = payloadKeys;
    into.payloadSpans = payloadSpans;
    return into;
  }

  private String read(byte[] value, long ingestTs) {
    String refused = CallReader.bounds(value);
    if (refused == null) {
      refused = CallReader.encoding(value);
    }
    if (refused != null) {
      return refused;
    }
    payload = null;
    payloadKeys = null;
    payloadSpans = null;
    current = value;
    call.reset();
    try (JsonParser p = calls.parser(value, 0, value.length)) {
      JsonToken t = p.nextToken();
      if (t != JsonToken.START_OBJECT) {
        return "expected a JSON object, found " + describe(t);
      }
      calls.parseObject(p, call, others);
      if (p.nextToken() != null) {
        return "expected one JSON object, found trailing content";
      }
    } catch (MalformedCallException e) {
      return e.getMessage();
    } catch (JsonProcessingException e) {
      return "expected valid JSON, found: " + e.getOriginalMessage();
    } catch (IOException | RuntimeException e) {
      return "unreadable: " + e;
    } finally {
      current = null;
    }
    return CallReader.timeBounds(call.ts(), ingestTs, maxFutureMillis, maxLateMillis);
  }

  /** As the call codec names a token, but for "an array" (the wording of this topic's errors). */
  private static String describe(JsonToken t) {
    return t == JsonToken.START_ARRAY ? "an array" : DataCallCodec.describe(t);
  }
}
