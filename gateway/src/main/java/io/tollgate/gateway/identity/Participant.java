package io.tollgate.gateway.identity;

/**
 * A registered participant of the data space (统一身份): its id (the consumer of contracts), its name,
 * and for an enterprise its unified social credit code.
 */
public record Participant(String id, String name, String creditCode) {}
