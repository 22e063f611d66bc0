package io.tollgate.metering;

import java.math.BigDecimal;

/**
 * One line of a statement: what was billed, how much of it at which unit price, the amount (rounded
 * once, {@link Money}), and how it splits between the platform's commission and the provider.
 *
 * @param kind {@code usage}, {@code tier}, {@code package}, {@code overage}, {@code subscription}
 *     or {@code minimum}
 * @param what the line's label (the unit, the tier's range, the package size)
 * @param version the contract version whose terms priced it
 * @param quantity units, packages, or 1 for a monthly fee or a true-up
 * @param unitPrice the price of one, exact
 * @param amount quantity × unit price, rounded half up to the minor unit
 * @param commission the platform's share of the amount
 * @param provider the provider's share: amount − commission
 */
public record Line(
    String kind,
    String what,
    long version,
    BigDecimal quantity,
    BigDecimal unitPrice,
    BigDecimal amount,
    BigDecimal commission,
    BigDecimal provider) {}
