package io.tollgate.enforcement.records;

import io.tollgate.enforcement.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

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

  /**
   * Reads one record of {@code tollgate.policies}. Never throws on bad input: a record without a
   * key, with a key or value that is not strict UTF-8, or with a value over {@link
   * Topics#MAX_CONTRACT_BYTES} comes back with {@link #error} set and its raw bytes kept.
   */
  public static PolicyRecord read(
      byte[] key, byte[] value, int partition, long offset, long publishedAt) {
    PolicyRecord r = new PolicyRecord();
    r.partition = partition;
    r.offset = offset;
    r.publishedAt = publishedAt;
    try {
      r.contractId = key == null ? null : utf8(key);
      if (r.contractId == null || r.contractId.isEmpty()) {
        r.error = "expected the contract id as the record key, found none";
      } else if (value != null && value.length > Topics.MAX_CONTRACT_BYTES) {
        r.error =
            "expected a contract of at most "
                + Topics.MAX_CONTRACT_BYTES
                + " bytes, found "
                + value.length;
      } else if (value != null) {
        r.text = utf8(value);
      }
    } catch (CharacterCodingException e) {
      r.error = "expected UTF-8 text, found invalid bytes";
      r.text = null;
    }
    if (r.error != null) {
      r.rawKey = key;
      r.rawValue = value;
      if (r.contractId != null && r.contractId.isEmpty()) {
        r.contractId = null;
      }
    }
    return r;
  }

  private static String utf8(byte[] b) throws CharacterCodingException {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(b))
        .toString();
  }
}
