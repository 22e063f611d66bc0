package io.tollgate.policy.model;

import java.math.BigDecimal;

/**
 * Price terms, parsed and kept for metering.
 *
 * @param amount amount per unit
 * @param currency ISO 4217 code
 * @param per what one unit is: {@code call}, {@code record}, {@code MB}, {@code month}
 */
public record Price(BigDecimal amount, String currency, String per) {}
