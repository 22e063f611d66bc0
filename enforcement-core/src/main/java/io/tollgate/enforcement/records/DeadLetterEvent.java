package io.tollgate.enforcement.records;

/**
 * A {@code tollgate.dlq} record as read back ({@link EventReader#deadLetter}).
 *
 * @param key the original key, decoded from base64 (cut at {@link EventWriter#MAX_ORIGINAL_BYTES};
 *     null when absent)
 * @param value the original value, decoded from base64 (cut the same way; null when absent)
 * @param keyBytes the original key's full length, or -1 when it was not cut
 * @param keyTruncated whether {@code key} was cut
 * @param keySha256 hex SHA-256 of the whole original key when it was cut, else null
 * @param valueBytes the original value's full length, or -1 when it had none
 * @param valueTruncated whether {@code value} was cut
 * @param valueSha256 hex SHA-256 of the whole original value when it was cut, else null
 */
public record DeadLetterEvent(
    String error,
    String topic,
    int partition,
    long offset,
    long ingestTime,
    byte[] key,
    byte[] value,
    long keyBytes,
    boolean keyTruncated,
    String keySha256,
    long valueBytes,
    boolean valueTruncated,
    String valueSha256) {}
