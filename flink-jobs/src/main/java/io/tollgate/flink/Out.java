package io.tollgate.flink;

/** A record bound for one of Tollgate's output topics: key and value bytes. A Flink POJO. */
public final class Out {
  public byte[] key;
  public byte[] value;

  /** Event time of the record (ms), used as the Kafka record timestamp. */
  public long ts;

  public Out() {}

  public Out(byte[] key, byte[] value, long ts) {
    this.key = key;
    this.value = value;
    this.ts = ts;
  }
}
