package io.tollgate.metering;

import io.tollgate.policy.model.Price;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Prices one emission of a usage ledger with the terms of the contract versions that decided its
 * calls ({@link Pricing}). A month's billable usage is priced as a whole, each version with its own
 * terms in the order they were first used in the month. A correction (late usage of a closed month)
 * is priced as what it adds to what that month was billed for, usage terms only: a closed month's
 * subscription fee and minimum are never revisited. One correction line per corrected month.
 */
public final class Billing {
  /** A bill of nothing, in no currency: an emission of refusals only. */
  public static final Pricing.Bill NOTHING =
      new Pricing.Bill("", List.of(), BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO);

  private Billing() {}

  /**
   * The emission's amounts, or why it has none.
   *
   * @param bill the lines and sums, or null when {@code error} says why not
   * @param versions the contract version of each ordinal in {@code bill}'s lines (line version 1 is
   *     {@code versions.get(0)}); corrections have version 0
   */
  public record Priced(Pricing.Bill bill, List<String> versions, String error) {
    public boolean ok() {
      return bill != null;
    }
  }

  /**
   * Prices {@code e}, a revision of {@code contract}'s month.
   *
   * @param terms the terms of a version of the contract, or null when they are not known
   */
  public static Priced price(
      String contract, UsageLedger.Emission e, Function<String, ContractTerms> terms) {
    if (e.billable().isEmpty() && e.corrections().isEmpty()) {
      return new Priced(NOTHING, List.of(), null); // refusals only: nothing to bill
    }
    if (contract == null) {
      return new Priced(null, List.of(), "usage without a contract cannot be priced");
    }
    List<String> order = new ArrayList<>(e.billable().keySet());
    Map<String, Price> prices = new LinkedHashMap<>();
    List<String> all = new ArrayList<>(order);
    e.corrections().values().forEach(m -> all.addAll(m.keySet()));
    e.correctionBase().values().forEach(m -> all.addAll(m.keySet()));
    for (String v : all) {
      if (prices.containsKey(v)) {
        continue;
      }
      ContractTerms t = v.isEmpty() ? null : terms.apply(v);
      if (t == null) {
        return new Priced(
            null,
            order,
            "no terms known for version "
                + (v.isEmpty() ? "(none)" : v)
                + " of contract "
                + contract
                + " (published before the metering job's state began, or not readable by it: see"
                + " its log)");
      }
      if (t.price() == null) {
        return new Priced(null, order, "contract " + contract + " version " + v + " has no price");
      }
      prices.put(v, t.price());
    }
    try {
      List<Line> lines = new ArrayList<>();
      String currency = null;
      if (!order.isEmpty()) {
        Pricing.Bill b = Pricing.month(usages(order, e.billable(), prices));
        lines.addAll(b.lines());
        currency = b.currency();
      }
      for (Map.Entry<String, Map<String, Usage>> c : e.corrections().entrySet()) {
        Map<String, Usage> base = e.correctionBase().get(c.getKey());
        if (base == null) {
          return new Priced(
              null,
              order,
              "late usage of "
                  + c.getKey()
                  + " is older than the "
                  + UsageLedger.CLOSED_KEPT
                  + " closed months whose bills the job keeps: priced by hand, not at zero");
        }
        Map<String, Usage> with = new LinkedHashMap<>(base);
        new java.util.TreeMap<>(c.getValue()).forEach((v, u) -> with.merge(v, u, Usage::plus));
        Pricing.Bill after =
            Pricing.usageOnly(usages(new ArrayList<>(with.keySet()), with, prices));
        BigDecimal amount = after.total();
        BigDecimal fee = after.commission();
        if (!base.isEmpty()) {
          Pricing.Bill before =
              Pricing.usageOnly(usages(new ArrayList<>(base.keySet()), base, prices));
          amount = amount.subtract(before.total());
          fee = fee.subtract(before.commission());
        }
        if (currency != null && !currency.equals(after.currency())) {
          throw new IllegalArgumentException(
              "one bill, one currency: a correction in "
                  + after.currency()
                  + ", usage in "
                  + currency);
        }
        currency = after.currency();
        long calls = 0;
        for (Usage u : c.getValue().values()) {
          calls += u.calls();
        }
        lines.add(
            new Line(
                "correction",
                "late usage of " + c.getKey(),
                0,
                BigDecimal.valueOf(calls),
                null,
                amount,
                fee,
                amount.subtract(fee)));
      }
      if (currency == null) {
        return new Priced(NOTHING, order, null);
      }
      return new Priced(Pricing.bill(currency, lines), order, null);
    } catch (IllegalArgumentException ex) {
      return new Priced(null, order, "contract " + contract + ": " + ex.getMessage());
    }
  }

  private static List<Pricing.VersionUsage> usages(
      List<String> order, Map<String, Usage> usage, Map<String, Price> prices) {
    List<Pricing.VersionUsage> out = new ArrayList<>();
    for (int i = 0; i < order.size(); i++) {
      String v = order.get(i);
      out.add(new Pricing.VersionUsage(i + 1, prices.get(v), usage.get(v)));
    }
    return out;
  }
}
