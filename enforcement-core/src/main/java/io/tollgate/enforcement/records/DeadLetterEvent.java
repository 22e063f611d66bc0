package io.tollgate.enforcement.records;

/**
 * A {@code tollgate.dlq} record as read back ({@link EventReader#deadLetter}).
 *
 * @param key the original key, decoded from base64 (cut at 256 KiB; null when absent)
 * @param value the original value, decoded from base64 (cut at 256 KiB; null when absent)
 * @param valueBytes the original value's full length, or -1 when it had none
 * @param valueTruncated whether {@code value} was cut
 */
public record DeadLetterEvent(
    String error,
    String topic,
    int partition,
    long offset,
    long ingestTime,
    byte[] key,
    byte[] value,
    long valueBytes,
    boolean valueTruncated) {}
