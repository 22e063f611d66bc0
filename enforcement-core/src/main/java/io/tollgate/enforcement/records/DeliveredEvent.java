package io.tollgate.enforcement.records;

/**
 * A {@code tollgate.delivered} record as read back ({@link EventReader#delivered}).
 *
 * @param payload the delivered payload object's JSON text, exactly as delivered
 */
public record DeliveredEvent(
    String callId,
    String consumer,
    String dataset,
    String contract,
    String policyVersion,
    String eventTime,
    String payload) {}
