package io.tollgate.policy;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One data call: a consumer asking to use a dataset, over HTTP or as a record on a stream.
 *
 * <p>Mutable and reusable on purpose: an enforcement point can parse every call into the same
 * instance and decide it without allocating. Not thread-safe. Use {@link #reset()} between calls.
 *
 * <p>Before a decision the call is <em>bound</em> to the compiler's {@link Vocabulary}: its
 * purpose, region and field names are looked up once, so that every candidate contract tests them
 * with bitsets.
 */
public final class DataCall {
  private static final int[] NO_IDS = new int[0];

  private String id;
  private long ts;
  private String consumer;
  private String dataset;
  private Action action;
  private String purpose;
  private String[] fields;
  private int fieldCount;
  private String region;
  private boolean hasLocation;
  private double lat;
  private double lon;
  private Channel channel;
  private long records = 1;
  private long bytes;

  // Binding to a vocabulary: ids of the open-vocabulary values, -1 when unknown.
  private int boundTo; // the stamp of the vocabulary the ids below come from; 0 = unbound
  private int consumerId = -1;
  private int datasetId = -1;
  private int purposeId = -1;
  private int regionId = -1;
  private int[] fieldIds = NO_IDS;

  /** Clears every attribute so the instance can carry the next call. */
  public DataCall reset() {
    id = null;
    ts = 0;
    consumer = null;
    dataset = null;
    action = null;
    purpose = null;
    fieldCount = 0;
    fields = null;
    region = null;
    hasLocation = false;
    lat = 0;
    lon = 0;
    channel = null;
    records = 1;
    bytes = 0;
    boundTo = 0;
    return this;
  }

  public DataCall id(String id) {
    this.id = id;
    return this;
  }

  /** Event time in epoch milliseconds: the time the decision is made for. */
  public DataCall ts(long epochMillis) {
    this.ts = epochMillis;
    return this;
  }

  public DataCall ts(Instant ts) {
    return ts(ts.toEpochMilli());
  }

  public DataCall consumer(String consumer) {
    this.consumer = consumer;
    boundTo = 0;
    return this;
  }

  public DataCall dataset(String dataset) {
    this.dataset = dataset;
    boundTo = 0;
    return this;
  }

  public DataCall action(Action action) {
    this.action = action;
    return this;
  }

  public DataCall purpose(String purpose) {
    this.purpose = purpose;
    boundTo = 0;
    return this;
  }

  /** The fields asked for, or null when the call asks for everything the contract allows. */
  public DataCall fields(String... fields) {
    this.fields = fields;
    this.fieldCount = fields == null ? 0 : fields.length;
    boundTo = 0;
    return this;
  }

  public DataCall fields(List<String> fields) {
    return fields(fields == null ? null : fields.toArray(new String[0]));
  }

  public DataCall region(String region) {
    this.region = region;
    boundTo = 0;
    return this;
  }

  public DataCall location(double lat, double lon) {
    this.hasLocation = true;
    this.lat = lat;
    this.lon = lon;
    return this;
  }

  public DataCall noLocation() {
    this.hasLocation = false;
    return this;
  }

  public DataCall channel(Channel channel) {
    this.channel = channel;
    return this;
  }

  public DataCall records(long records) {
    this.records = records;
    return this;
  }

  public DataCall bytes(long bytes) {
    this.bytes = bytes;
    return this;
  }

  public String id() {
    return id;
  }

  public long ts() {
    return ts;
  }

  public String consumer() {
    return consumer;
  }

  public String dataset() {
    return dataset;
  }

  public Action action() {
    return action;
  }

  public String purpose() {
    return purpose;
  }

  /** The fields asked for (do not modify), or null. */
  public String[] fields() {
    return fields;
  }

  public boolean hasFields() {
    return fields != null;
  }

  public String region() {
    return region;
  }

  public boolean hasLocation() {
    return hasLocation;
  }

  public double lat() {
    return lat;
  }

  public double lon() {
    return lon;
  }

  public Channel channel() {
    return channel;
  }

  public long records() {
    return records;
  }

  public long bytes() {
    return bytes;
  }

  /**
   * Looks up consumer, dataset, purpose, region and fields in {@code vocabulary}, unless already
   * bound to it as it is now (a vocabulary that has grown since binds again). Allocation-free;
   * stores only ints (no reference stores, hence no GC barriers).
   */
  public void bind(Vocabulary vocabulary) {
    int stamp = vocabulary.stamp();
    if (boundTo == stamp) {
      return;
    }
    consumerId = vocabulary.nameId(consumer);
    datasetId = vocabulary.nameId(dataset);
    purposeId = vocabulary.lookup(Vocabulary.Kind.PURPOSE, purpose);
    regionId = vocabulary.lookup(Vocabulary.Kind.REGION, region);
    if (fieldIds.length < fieldCount) {
      fieldIds = new int[Math.max(fieldCount, 2 * fieldIds.length)];
    }
    for (int i = 0; i < fieldCount; i++) {
      fieldIds[i] = vocabulary.lookup(Vocabulary.Kind.FIELD, fields[i]);
    }
    boundTo = stamp;
  }

  int consumerId() {
    return consumerId;
  }

  int datasetId() {
    return datasetId;
  }

  int purposeId() {
    return purposeId;
  }

  int regionId() {
    return regionId;
  }

  int fieldCount() {
    return fieldCount;
  }

  int fieldId(int i) {
    return fieldIds[i];
  }

  /** A copy with the same attributes (for tests and tools). */
  public DataCall copy() {
    DataCall c = new DataCall();
    c.id = id;
    c.ts = ts;
    c.consumer = consumer;
    c.dataset = dataset;
    c.action = action;
    c.purpose = purpose;
    c.fields = fields == null ? null : fields.clone();
    c.fieldCount = fieldCount;
    c.region = region;
    c.hasLocation = hasLocation;
    c.lat = lat;
    c.lon = lon;
    c.channel = channel;
    c.records = records;
    c.bytes = bytes;
    return c;
  }

  @Override
  public String toString() {
    return "DataCall{id="
        + id
        + ", ts="
        + Instant.ofEpochMilli(ts)
        + ", consumer="
        + consumer
        + ", dataset="
        + dataset
        + ", action="
        + (action == null ? null : action.term())
        + ", purpose="
        + purpose
        + ", fields="
        + Arrays.toString(fields)
        + ", region="
        + region
        + (hasLocation ? ", location=" + lat + "," + lon : "")
        + ", channel="
        + (channel == null ? null : channel.term())
        + ", records="
        + records
        + ", bytes="
        + bytes
        + "}";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DataCall c
        && ts == c.ts
        && hasLocation == c.hasLocation
        && Double.compare(lat, c.lat) == 0
        && Double.compare(lon, c.lon) == 0
        && records == c.records
        && bytes == c.bytes
        && Objects.equals(id, c.id)
        && Objects.equals(consumer, c.consumer)
        && Objects.equals(dataset, c.dataset)
        && action == c.action
        && Objects.equals(purpose, c.purpose)
        && Arrays.equals(fields, c.fields)
        && Objects.equals(region, c.region)
        && channel == c.channel;
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, ts, consumer, dataset, action, purpose, region);
  }
}
