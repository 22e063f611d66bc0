package io.tollgate.policy.model;

import io.tollgate.policy.MaskMethod;

/**
 * A duty attached to a permission. Today: mask a field (ODRL {@code anonymize} with a method),
 * which becomes an obligation on every permitted decision.
 */
public record Duty(String field, MaskMethod method, String pointer) {}
