package io.tollgate.flink.events;

/**
 * One record of {@code tollgate.policies}: key = contract id, value = the contract (YAML contract
 * form, UTF-8), or null to revoke it. A Flink POJO.
 */
public final class PolicyRecord {
  public String contractId;
  /** The contract's text, or null for a revocation. */
  public String text;
  public int partition;
  public long offset;
  /** Broker timestamp of the record: when the change was published. */
  public long publishedAt;
  /** Why the record cannot be read (a missing or non-UTF-8 key), or null. */
  public String error;
  /** The record's key and value as read, kept only when {@link #error} is set. */
  public byte[] rawKey;
  public byte[] rawValue;

  public PolicyRecord() {}
}
