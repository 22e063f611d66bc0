package io.tollgate.metering;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;

/**
 * The rounding rule, in one place: an amount is computed exactly (prices carry up to 12 decimals)
 * and rounded once, per line, to the currency's minor unit (the fen for CNY: two decimals), half
 * up. Sums of lines are sums of rounded amounts, so they are exact.
 */
public final class Money {
  private Money() {}

  /** {@code exact} rounded half up to the minor unit of {@code currency}. */
  public static BigDecimal round(BigDecimal exact, String currency) {
    return exact.setScale(digits(currency), RoundingMode.HALF_UP);
  }

  /** Zero at the currency's scale. */
  public static BigDecimal zero(String currency) {
    return BigDecimal.ZERO.setScale(digits(currency));
  }

  static int digits(String currency) {
    int d = Currency.getInstance(currency).getDefaultFractionDigits();
    return d < 0 ? 2 : d;
  }
}
