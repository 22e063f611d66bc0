package io.tollgate.enforcement.records;

import io.tollgate.policy.Action;
import io.tollgate.policy.Channel;
import io.tollgate.policy.DataCall;

/**
 * One record of {@code tollgate.calls} after parsing: the call's attributes, its payload (the raw
 * UTF-8 bytes of the {@code payload} object) and where it came from. A record that could not be
 * parsed carries {@link #error} and its {@link #original} bytes instead, bound for the DLQ.
 *
 * <p>A Flink POJO (public fields, no-argument constructor) so that it crosses the keyBy with
 * Flink's own serializer, never Kryo.
 */
public final class CallRecord {
  public String id;
  public long ts;
  public String consumer;
  public String dataset;
  public String action;
  public String purpose;
  public String[] fields;
  public String region;
  public boolean hasLocation;
  public double lat;
  public double lon;
  public String channel;
  public long records;
  public long bytes;

  /**
   * The bytes holding the payload object, UTF-8 JSON, at {@code [payloadFrom, payloadTo)}: the
   * object alone, or the whole record it was read from (the stream's reader does not copy it). Null
   * when the call has none.
   */
  public byte[] payload;

  /** Where the payload object starts in {@link #payload}. */
  public int payloadFrom;

  /** Where it ends (exclusive); 0 means {@code payload.length} (records of older state). */
  public int payloadTo;

  /** The payload's top-level keys, in order (null when there is no payload). */
  public String[] payloadKeys;

  /** For key i, its value's raw JSON is {@code payload[spans[2i], spans[2i+1])}. */
  public int[] payloadSpans;

  /** Broker timestamp of the record (ms): when it entered Tollgate. */
  public long ingestTs;

  public int partition;
  public long offset;

  /** Why the record is malformed, or null. */
  public String error;

  /** The record's key and value as read, kept only for malformed records. */
  public byte[] originalKey;

  public byte[] original;

  public CallRecord() {}

  /** The end of the payload object in {@link #payload}. */
  public int payloadEnd() {
    return payloadTo > 0 ? payloadTo : payload.length;
  }

  public boolean malformed() {
    return error != null;
  }

  /** Copies the call attributes of {@code c} into this record. */
  public CallRecord from(DataCall c) {
    id = c.id();
    ts = c.ts();
    consumer = c.consumer();
    dataset = c.dataset();
    action = c.action().term();
    purpose = c.purpose();
    fields = c.hasFields() ? c.fields() : null;
    region = c.region();
    hasLocation = c.hasLocation();
    lat = hasLocation ? c.lat() : 0;
    lon = hasLocation ? c.lon() : 0;
    channel = c.channel() == null ? null : c.channel().term();
    records = c.records();
    bytes = c.bytes();
    return this;
  }

  /** Writes the call attributes into {@code c} (reset first) and returns it. */
  public DataCall to(DataCall c) {
    c.reset()
        .id(id)
        .ts(ts)
        .consumer(consumer)
        .dataset(dataset)
        .action(action(action))
        .purpose(purpose)
        .records(records)
        .bytes(bytes);
    if (fields != null) {
      c.fields(fields);
    }
    if (region != null) {
      c.region(region);
    }
    if (hasLocation) {
      c.location(lat, lon);
    }
    if (channel != null) {
      c.channel(channel(channel));
    }
    return c;
  }

  private static final Action[] ACTIONS = Action.values();
  private static final Channel[] CHANNELS = Channel.values();

  /** The action of a term: the canonical term by identity (as the readers store it), else read. */
  private static Action action(String term) {
    for (Action a : ACTIONS) {
      if (a.term() == term) {
        return a;
      }
    }
    return Action.ofTerm(term);
  }

  private static Channel channel(String term) {
    for (Channel c : CHANNELS) {
      if (c.term() == term) {
        return c;
      }
    }
    return Channel.ofTerm(term);
  }

  /** The key the enforcement is partitioned by: (consumer, dataset), hashed to a long. */
  public long key() {
    return ((long) consumer.hashCode() << 32) ^ (dataset.hashCode() & 0xffffffffL);
  }
}
