package io.tollgate.flink.evidence;

/** A Kafka record as read, with where it was read: what the evidence log seals. A Flink POJO. */
public final class Sourced {
  public String topic;
  public int partition;
  public long offset;
  public long timestamp;
  public byte[] key;
  public byte[] value;

  public Sourced() {}
}
