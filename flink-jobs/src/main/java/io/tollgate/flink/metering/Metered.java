package io.tollgate.flink.metering;

/** A feedback event as metering reads it, keyed by whose usage it is. A Flink POJO. */
public final class Metered {
  public String key; // consumer|provider|contract|dataset
  public String consumer;
  public String provider;
  public String contract;
  public String dataset;
  public String id;
  public String decision;
  public String reasons; // comma-separated codes
  public String version;
  public long eventTime;
  public long records;
  public long bytes;

  public Metered() {}
}
