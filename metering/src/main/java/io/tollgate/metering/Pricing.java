package io.tollgate.metering;

import io.tollgate.policy.model.Price;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Prices one contract's usage of one month ({@code docs/contracts.md}, "Prices"). The usage of each
 * contract version is priced with that version's terms, in the order given (the ledger's: first use
 * by event time), the month's quantity running on across versions: a graduated tier, an included
 * quota and a started package continue where the previous version left them, so a price change
 * mid-month is exact. Once-a-month terms (the subscription's fee, the minimum charge) are those of
 * the latest version that decided a call in the month. Every line is rounded once ({@link Money});
 * the platform's commission is split off each line.
 */
public final class Pricing {
  private static final BigDecimal MB = BigDecimal.valueOf(1_000_000L);

  private Pricing() {}

  /** One version's usage of the month, with the terms of that version. */
  public record VersionUsage(long version, Price price, Usage usage) {}

  /** What a month comes to: its lines and their sums. */
  public record Bill(
      String currency,
      List<Line> lines,
      BigDecimal total,
      BigDecimal commission,
      BigDecimal provider) {}

  /**
   * The month's lines for the usage of one contract's versions, given in ascending version order.
   *
   * @throws IllegalArgumentException when versions are out of order, or their currencies differ
   */
  public static Bill month(List<VersionUsage> versions) {
    return price(versions, true);
  }

  /**
   * The usage lines alone (no subscription fee, no minimum true-up): what late usage of a closed
   * month is priced with ({@link Billing}).
   */
  public static Bill usageOnly(List<VersionUsage> versions) {
    return price(versions, false);
  }

  private static Bill price(List<VersionUsage> versions, boolean monthlyTerms) {
    if (versions.isEmpty()) {
      throw new IllegalArgumentException("no usage to price");
    }
    String currency = versions.get(0).price().currency();
    long last = Long.MIN_VALUE;
    for (VersionUsage v : versions) {
      if (v.version() <= last) {
        throw new IllegalArgumentException(
            "versions must ascend, found " + v.version() + " after " + last);
      }
      last = v.version();
      if (!v.price().currency().equals(currency)) {
        throw new IllegalArgumentException(
            "one bill, one currency: version "
                + v.version()
                + " prices in "
                + v.price().currency()
                + ", an earlier one in "
                + currency);
      }
    }
    // the month's quantity in each unit, for volume tiers (every unit at the tier the month
    // reaches)
    Map<String, BigDecimal> monthTotal = new HashMap<>();
    for (VersionUsage v : versions) {
      monthTotal.merge(v.price().per(), quantity(v.price(), v.usage()), BigDecimal::add);
    }
    Map<String, BigDecimal> offset = new HashMap<>();
    // the units paid for so far in each unit: by a unit price, or by packages bought (which may
    // cover units still to come)
    Map<String, BigDecimal> covered = new HashMap<>();
    List<Line> lines = new ArrayList<>();
    // once-a-month terms: the latest version's (the last that decided a call in the month)
    VersionUsage latest = versions.get(versions.size() - 1);
    VersionUsage monthly = monthlyTerms && latest.price().subscription() != null ? latest : null;
    VersionUsage minimum = monthlyTerms && latest.price().minimum() != null ? latest : null;
    for (VersionUsage v : versions) {
      Price p = v.price();
      BigDecimal q = quantity(p, v.usage());
      BigDecimal from = offset.getOrDefault(p.per(), BigDecimal.ZERO);
      offset.put(p.per(), from.add(q));
      BigDecimal paid = covered.getOrDefault(p.per(), BigDecimal.ZERO);
      covered.put(p.per(), paid.max(from.add(q)));
      if (p.amount() != null) {
        add(lines, v, "usage", p.per(), q, p.amount(), q.multiply(p.amount()));
      } else if (p.tiers() != null) {
        tiers(lines, v, from, q, monthTotal.get(p.per()));
      } else if (p.pack() != null) {
        BigDecimal size = BigDecimal.valueOf(p.pack().size());
        // packages for the units not paid for yet (earlier versions paid per unit, or bought
        // packages that still cover some)
        BigDecimal need = from.add(q).subtract(paid).max(BigDecimal.ZERO);
        BigDecimal packages = need.divide(size, 0, RoundingMode.CEILING);
        covered.put(p.per(), paid.max(from).add(packages.multiply(size)).max(from.add(q)));
        add(
            lines,
            v,
            "package",
            "package of " + p.pack().size() + " " + p.per(),
            packages,
            p.pack().amount(),
            packages.multiply(p.pack().amount()));
      } else {
        Price.Subscription s = p.subscription();
        if (s.included() >= 0) {
          BigDecimal inc = BigDecimal.valueOf(s.included());
          BigDecimal over =
              from.add(q)
                  .subtract(inc)
                  .max(BigDecimal.ZERO)
                  .subtract(from.subtract(inc).max(BigDecimal.ZERO));
          if (over.signum() > 0) {
            add(
                lines,
                v,
                "overage",
                p.per() + " beyond " + s.included(),
                over,
                s.overage(),
                over.multiply(s.overage()));
          }
        }
      }
    }
    if (monthly != null) {
      Price.Subscription s = monthly.price().subscription();
      add(
          lines,
          monthly,
          "subscription",
          s.included() < 0 ? "month, all included" : "month, " + s.included() + " included",
          BigDecimal.ONE,
          s.monthly(),
          s.monthly());
    }
    if (minimum != null) {
      BigDecimal sum = BigDecimal.ZERO;
      for (Line l : lines) {
        sum = sum.add(l.amount());
      }
      BigDecimal least = Money.round(minimum.price().minimum(), currency);
      if (sum.compareTo(least) < 0) {
        BigDecimal up = least.subtract(sum);
        add(
            lines,
            minimum,
            "minimum",
            "true-up to the minimum of " + least.toPlainString(),
            BigDecimal.ONE,
            up,
            up);
      }
    }
    return bill(currency, lines);
  }

  /** The bill of {@code lines}: their amounts, commissions and provider shares summed. */
  static Bill bill(String currency, List<Line> lines) {
    BigDecimal total = Money.zero(currency);
    BigDecimal fee = Money.zero(currency);
    BigDecimal provider = Money.zero(currency);
    for (Line l : lines) {
      total = total.add(l.amount());
      fee = fee.add(l.commission());
      provider = provider.add(l.provider());
    }
    return new Bill(currency, List.copyOf(lines), total, fee, provider);
  }

  /** The usage counted in the price's unit: calls, records, or MB (10^6 bytes, exact). */
  public static BigDecimal quantity(Price p, Usage u) {
    return switch (p.per()) {
      case "record" -> BigDecimal.valueOf(u.records());
      case "MB" -> BigDecimal.valueOf(u.bytes()).divide(MB, 6, RoundingMode.UNNECESSARY);
      default -> BigDecimal.valueOf(u.calls());
    };
  }

  /**
   * The exact graduated cost of units {@code (from, from + q]}: each unit at the price of the tier
   * it falls in. Additive: the cost of {@code (0, a + b]} is that of {@code (0, a]} plus that of
   * {@code (a, a + b]}.
   */
  public static BigDecimal graduated(Price.Tiers tiers, BigDecimal from, BigDecimal q) {
    BigDecimal sum = BigDecimal.ZERO;
    for (Segment s : segments(tiers, from, q)) {
      sum = sum.add(s.units.multiply(s.tier.amount()));
    }
    return sum;
  }

  private record Segment(int index, Price.Tier tier, BigDecimal units) {}

  private static List<Segment> segments(Price.Tiers tiers, BigDecimal from, BigDecimal q) {
    List<Segment> out = new ArrayList<>();
    BigDecimal lo = BigDecimal.ZERO;
    BigDecimal end = from.add(q);
    for (int i = 0; i < tiers.steps().size(); i++) {
      Price.Tier t = tiers.steps().get(i);
      BigDecimal hi = t.upTo() == null ? null : BigDecimal.valueOf(t.upTo());
      // units of (from, end] within (lo, hi]
      BigDecimal a = from.max(lo);
      BigDecimal b = hi == null ? end : end.min(hi);
      if (b.compareTo(a) > 0) {
        out.add(new Segment(i, t, b.subtract(a)));
      }
      if (hi == null) {
        break;
      }
      lo = hi;
    }
    return out;
  }

  private static void tiers(
      List<Line> lines, VersionUsage v, BigDecimal from, BigDecimal q, BigDecimal monthTotal) {
    Price p = v.price();
    Price.Tiers tiers = p.tiers();
    if (tiers.mode() == Price.TierMode.GRADUATED) {
      for (Segment s : segments(tiers, from, q)) {
        add(
            lines,
            v,
            "tier",
            label(tiers, s.index, p.per()),
            s.units,
            s.tier.amount(),
            s.units.multiply(s.tier.amount()));
      }
      return;
    }
    // volume: the tier the month's whole quantity reaches prices every unit
    int reached = tiers.steps().size() - 1;
    for (int i = 0; i < tiers.steps().size(); i++) {
      Long upTo = tiers.steps().get(i).upTo();
      if (upTo == null || monthTotal.compareTo(BigDecimal.valueOf(upTo)) <= 0) {
        reached = i;
        break;
      }
    }
    Price.Tier t = tiers.steps().get(reached);
    if (q.signum() > 0) {
      add(
          lines,
          v,
          "tier",
          label(tiers, reached, p.per()) + " (the month's volume)",
          q,
          t.amount(),
          q.multiply(t.amount()));
    }
  }

  private static String label(Price.Tiers tiers, int i, String per) {
    long lo = i == 0 ? 0 : tiers.steps().get(i - 1).upTo();
    Long hi = tiers.steps().get(i).upTo();
    return per + " " + (lo + 1) + (hi == null ? " and beyond" : " to " + hi);
  }

  /** Appends a line: its amount rounded once, its commission split off. */
  private static void add(
      List<Line> lines,
      VersionUsage v,
      String kind,
      String what,
      BigDecimal quantity,
      BigDecimal unitPrice,
      BigDecimal exact) {
    String currency = v.price().currency();
    BigDecimal amount = Money.round(exact, currency);
    BigDecimal fee = commission(v.price().commission(), amount, currency);
    lines.add(
        new Line(
            kind,
            what,
            v.version(),
            quantity.stripTrailingZeros(),
            unitPrice,
            amount,
            fee,
            amount.subtract(fee)));
  }

  /**
   * The platform's share of a line of {@code gross}: {@code round(gross × rate)}, raised to {@code
   * min} and lowered to {@code max} where given, never more than the line itself.
   */
  static BigDecimal commission(Price.Commission c, BigDecimal gross, String currency) {
    if (c == null || gross.signum() == 0) {
      return Money.zero(currency);
    }
    BigDecimal fee = Money.round(gross.multiply(c.rate()), currency);
    if (c.min() != null) {
      fee = fee.max(Money.round(c.min(), currency));
    }
    if (c.max() != null) {
      fee = fee.min(Money.round(c.max(), currency));
    }
    return fee.min(gross);
  }
}
