package io.tollgate.policy.model;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * A contract's price terms, parsed and checked here and applied by metering ({@code
 * docs/contracts.md}, "Prices"). Usage is counted in units of {@link #per}; exactly one of {@link
 * #amount}, {@link #tiers}, {@link #pack} and {@link #subscription} prices it; a {@link #minimum}
 * monthly charge and the platform's {@link #commission} may come with any of them. Amounts are
 * exact decimals (at most 15 digits before the point and 12 after).
 *
 * @param currency ISO 4217 code (CNY by default)
 * @param per what one unit of usage is: {@code call}, {@code record} or {@code MB} (10^6 bytes)
 * @param amount one price per unit, or null
 * @param tiers prices by the month's quantity, or null
 * @param pack packages of units (a started package counts whole), or null
 * @param subscription a monthly fee with an included quantity and an overage price, or null
 * @param minimum the least a month is charged (a true-up line makes up the difference), or null
 * @param commission the platform's share of what is charged, or null
 */
public record Price(
    String currency,
    String per,
    BigDecimal amount,
    Tiers tiers,
    Pack pack,
    Subscription subscription,
    BigDecimal minimum,
    Commission commission) {

  public Price {
    Objects.requireNonNull(currency, "currency");
    Objects.requireNonNull(per, "per");
    int models =
        (amount != null ? 1 : 0)
            + (tiers != null ? 1 : 0)
            + (pack != null ? 1 : 0)
            + (subscription != null ? 1 : 0);
    if (models != 1) {
      throw new IllegalArgumentException(
          "exactly one of amount, tiers, package and subscription prices usage, found " + models);
    }
  }

  /** One price per unit: the simple form. */
  public Price(BigDecimal amount, String currency, String per) {
    this(currency, per, amount, null, null, null, null, null);
  }

  /** How tiers price a month's quantity. */
  public enum TierMode {
    /** Each unit at the price of the tier it falls in (the first 10,000 at one price, ...). */
    GRADUATED,
    /** Every unit at the price of the tier the month's whole quantity reaches. */
    VOLUME
  }

  /**
   * A tier: units up to {@code upTo} (inclusive, counted from the month's first), or without bound
   * when null (the last tier).
   */
  public record Tier(Long upTo, BigDecimal amount) {}

  /** Tiers in ascending order of their bounds; the last has none. */
  public record Tiers(TierMode mode, List<Tier> steps) {
    public Tiers {
      steps = List.copyOf(steps);
      if (steps.isEmpty() || steps.get(steps.size() - 1).upTo() != null) {
        throw new IllegalArgumentException("the last tier has no bound: " + steps);
      }
      long last = 0;
      for (int i = 0; i < steps.size() - 1; i++) {
        Long u = steps.get(i).upTo();
        if (u == null || u <= last) {
          throw new IllegalArgumentException("tier bounds must ascend from 1: " + steps);
        }
        last = u;
      }
      for (Tier t : steps) {
        Objects.requireNonNull(t.amount(), "a tier's amount");
      }
    }
  }

  /** Packages of {@code size} units at {@code amount} each. */
  public record Pack(long size, BigDecimal amount) {
    public Pack {
      if (size < 1) {
        throw new IllegalArgumentException("a package holds at least one unit: " + size);
      }
      Objects.requireNonNull(amount, "a package's amount");
    }
  }

  /**
   * A monthly fee that includes {@code included} units, units beyond at {@code overage} each;
   * {@code included} is -1 and {@code overage} null when every unit is included (the first form's
   * {@code per: month}).
   */
  public record Subscription(BigDecimal monthly, long included, BigDecimal overage) {}

  /**
   * The platform's commission on a line: {@code round(gross × rate)}, at least {@code min} and at
   * most {@code max} where given (and never more than the line), the provider getting the rest.
   */
  public record Commission(BigDecimal rate, BigDecimal min, BigDecimal max) {
    public Commission {
      Objects.requireNonNull(rate, "a commission's rate");
    }
  }
}
