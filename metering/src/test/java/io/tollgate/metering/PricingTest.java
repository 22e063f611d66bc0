package io.tollgate.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.policy.model.Price;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every price model against figures worked out by hand, then properties over random usage. */
class PricingTest {
  static BigDecimal d(String s) {
    return new BigDecimal(s);
  }

  static Price flat(String amount, String per) {
    return new Price(d(amount), "CNY", per);
  }

  static Price with(
      String per,
      BigDecimal amount,
      Price.Tiers tiers,
      Price.Pack pack,
      Price.Subscription sub,
      String minimum,
      Price.Commission c) {
    return new Price("CNY", per, amount, tiers, pack, sub, minimum == null ? null : d(minimum), c);
  }

  static Pricing.Bill one(Price p, Usage u) {
    return Pricing.month(List.of(new Pricing.VersionUsage(1, p, u)));
  }

  static Usage calls(long n) {
    return new Usage(n, 0, 0);
  }

  static final Price.Tiers TIERS =
      new Price.Tiers(
          Price.TierMode.GRADUATED,
          List.of(
              new Price.Tier(10_000L, d("0.01")),
              new Price.Tier(50_000L, d("0.008")),
              new Price.Tier(null, d("0.005"))));

  @Test
  void perCallAtARealPriceIsRoundedOnceHalfUpToTheFen() {
    // 1,234 × 0.0028 = 3.4552
    Pricing.Bill b = one(flat("0.0028", "call"), calls(1234));
    assertThat(b.lines()).hasSize(1);
    assertThat(b.lines().get(0).amount()).isEqualByComparingTo("3.46");
    assertThat(b.total()).isEqualTo(d("3.46"));
    // half up: 0.005 is a fen, 0.0049 none
    assertThat(one(flat("0.005", "call"), calls(1)).total()).isEqualTo(d("0.01"));
    assertThat(one(flat("0.0049", "call"), calls(1)).total()).isEqualTo(d("0.00"));
    // a price of 12 decimals stays exact until the one rounding: 10^9 × 0.000000000001 = 0.001
    assertThat(one(flat("0.000000000001", "call"), calls(1_000_000_000)).total())
        .isEqualTo(d("0.00"));
    assertThat(one(flat("0.000000000005", "call"), calls(1_000_000_000)).total())
        .isEqualTo(d("0.01"));
  }

  @Test
  void perRecordAndPerDecimalMegabyte() {
    // 12,345 records × 0.0001 = 1.2345
    assertThat(one(flat("0.0001", "record"), new Usage(7, 12_345, 99)).total())
        .isEqualTo(d("1.23"));
    // MB is 10^6 bytes: 1,500,000 bytes = 1.5 MB at 2.00
    Pricing.Bill mb = one(flat("2.00", "MB"), new Usage(3, 3, 1_500_000));
    assertThat(mb.lines().get(0).quantity()).isEqualByComparingTo("1.5");
    assertThat(mb.total()).isEqualTo(d("3.00"));
    // 1,048,576 bytes (a MiB) is 1.048576 MB: 2.097152 -> 2.10
    assertThat(one(flat("2.00", "MB"), new Usage(1, 1, 1_048_576)).total()).isEqualTo(d("2.10"));
  }

  @Test
  void graduatedTiersPriceEachUnitInItsTier() {
    // 60,000: 10,000 × 0.01 + 40,000 × 0.008 + 10,000 × 0.005 = 100 + 320 + 50
    Pricing.Bill b = one(with("call", null, TIERS, null, null, null, null), calls(60_000));
    assertThat(b.lines())
        .extracting(Line::what, l -> l.amount().toPlainString())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("call 1 to 10000", "100.00"),
            org.assertj.core.groups.Tuple.tuple("call 10001 to 50000", "320.00"),
            org.assertj.core.groups.Tuple.tuple("call 50001 and beyond", "50.00"));
    assertThat(b.total()).isEqualTo(d("470.00"));
    // the bound is inclusive: 10,000 is all in the first tier
    assertThat(one(with("call", null, TIERS, null, null, null, null), calls(10_000)).lines())
        .hasSize(1);
  }

  @Test
  void volumeTiersPriceEveryUnitAtTheTierTheMonthReaches() {
    Price.Tiers volume = new Price.Tiers(Price.TierMode.VOLUME, TIERS.steps());
    Price p = with("call", null, volume, null, null, null, null);
    assertThat(one(p, calls(60_000)).total()).isEqualTo(d("300.00")); // all at 0.005
    assertThat(one(p, calls(30_000)).total()).isEqualTo(d("240.00")); // all at 0.008
    assertThat(one(p, calls(10_000)).total()).isEqualTo(d("100.00")); // all at 0.01
    assertThat(one(p, calls(10_001)).total()).isEqualTo(d("80.01")); // all at 0.008
  }

  @Test
  void packagesAreRoundedUp() {
    Price p = with("call", null, null, new Price.Pack(1000, d("2.50")), null, null, null);
    assertThat(one(p, calls(2_001)).total()).isEqualTo(d("7.50")); // 3 packages
    assertThat(one(p, calls(2_000)).total()).isEqualTo(d("5.00"));
    assertThat(one(p, calls(0)).total()).isEqualTo(d("0.00"));
  }

  @Test
  void packagesAfterAnotherModelOrSizeBuyWhatIsNotPaidFor() {
    Price perCall = flat("0.01", "call");
    Price thousand = with("call", null, null, new Price.Pack(1000, d("2.50")), null, null, null);
    Price fiveHundred = with("call", null, null, new Price.Pack(500, d("1.50")), null, null, null);
    // 400 paid per call, then 200 in packages of 1,000: one package (units 401-1,400)
    Pricing.Bill a =
        Pricing.month(
            List.of(
                new Pricing.VersionUsage(1, perCall, calls(400)),
                new Pricing.VersionUsage(2, thousand, calls(200))));
    assertThat(a.lines())
        .extracting(l -> l.amount().toPlainString())
        .containsExactly("4.00", "2.50");
    // 400 in packages of 500 (one: units 1-500), then 200 more: 100 not covered, one of 1,000
    Pricing.Bill b =
        Pricing.month(
            List.of(
                new Pricing.VersionUsage(1, fiveHundred, calls(400)),
                new Pricing.VersionUsage(2, thousand, calls(200))));
    assertThat(b.total()).isEqualTo(d("4.00"));
    // 300 more within what the first package covers: no new package
    Pricing.Bill c =
        Pricing.month(
            List.of(
                new Pricing.VersionUsage(1, thousand, calls(400)),
                new Pricing.VersionUsage(2, thousand, calls(300))));
    assertThat(c.total()).isEqualTo(d("2.50"));
  }

  @Test
  void onceAMonthTermsAreTheLatestVersions() {
    Price withMinimum = with("call", d("0.01"), null, null, null, "100", null);
    Price without = flat("0.01", "call");
    // the minimum was dropped by the version in force at the end: no true-up
    assertThat(
            Pricing.month(
                    List.of(
                        new Pricing.VersionUsage(1, withMinimum, calls(10)),
                        new Pricing.VersionUsage(2, without, calls(10))))
                .total())
        .isEqualTo(d("0.20"));
    // and a subscription replaced by a price per call charges no fee
    Price sub =
        with("call", null, null, null, new Price.Subscription(d("500"), 100, d("1")), null, null);
    assertThat(
            Pricing.month(
                    List.of(
                        new Pricing.VersionUsage(1, sub, calls(10)),
                        new Pricing.VersionUsage(2, without, calls(10))))
                .lines())
        .extracting(Line::kind)
        .containsExactly("usage");
  }

  @Test
  void aSubscriptionIncludesItsQuotaAndPricesTheOverage() {
    Price p =
        with(
            "call",
            null,
            null,
            null,
            new Price.Subscription(d("500"), 100_000, d("0.004")),
            null,
            null);
    // 120,000: 500 + 20,000 × 0.004
    Pricing.Bill over = one(p, calls(120_000));
    assertThat(over.lines()).extracting(Line::kind).containsExactly("overage", "subscription");
    assertThat(over.total()).isEqualTo(d("580.00"));
    assertThat(one(p, calls(90_000)).total()).isEqualTo(d("500.00"));
    assertThat(one(p, calls(0)).total()).isEqualTo(d("500.00")); // the fee is due all the same
  }

  @Test
  void aMinimumMonthlyChargeAddsATrueUpLine() {
    Price p = with("call", d("0.01"), null, null, null, "100", null);
    Pricing.Bill low = one(p, calls(5_000)); // 50.00
    assertThat(low.lines()).extracting(Line::kind).containsExactly("usage", "minimum");
    assertThat(low.lines().get(1).amount()).isEqualByComparingTo("50.00");
    assertThat(low.total()).isEqualTo(d("100.00"));
    assertThat(one(p, calls(20_000)).lines()).hasSize(1); // 200.00: no true-up
  }

  @Test
  void theCommissionIsSplitOffEachLineAndTheSharesAddUp() {
    // 3 × 1.50 = 4.50; 5 % of it is 0.225, rounded half up to 0.23
    Price p =
        with(
            "call", d("1.50"), null, null, null, null, new Price.Commission(d("0.05"), null, null));
    Pricing.Bill b = one(p, calls(3));
    assertThat(b.commission()).isEqualTo(d("0.23"));
    assertThat(b.provider()).isEqualTo(d("4.27"));
    assertThat(b.commission().add(b.provider())).isEqualTo(b.total());
    // a per-transaction minimum and maximum
    Price min =
        with(
            "call",
            d("1.50"),
            null,
            null,
            null,
            null,
            new Price.Commission(d("0.05"), d("0.50"), null));
    assertThat(one(min, calls(3)).commission()).isEqualTo(d("0.50"));
    Price max =
        with(
            "call",
            d("1.50"),
            null,
            null,
            null,
            null,
            new Price.Commission(d("0.05"), null, d("0.10")));
    assertThat(one(max, calls(3)).commission()).isEqualTo(d("0.10"));
    // nothing on a line of nothing
    assertThat(one(min, calls(0)).commission()).isEqualTo(d("0.00"));
    // never more than the line: a minimum of 0.50 on a line of 0.03
    Price tiny =
        with(
            "call",
            d("0.01"),
            null,
            null,
            null,
            null,
            new Price.Commission(d("0.05"), d("0.50"), null));
    assertThat(one(tiny, calls(3)).commission()).isEqualTo(d("0.03"));
  }

  @Test
  void aPriceChangeMidMonthPricesEachVersionsCallsWithItsOwnTerms() {
    Pricing.Bill b =
        Pricing.month(
            List.of(
                new Pricing.VersionUsage(1, flat("1.50", "call"), calls(10)),
                new Pricing.VersionUsage(2, flat("1.20", "call"), calls(5))));
    assertThat(b.lines()).extracting(Line::version).containsExactly(1L, 2L);
    assertThat(b.total()).isEqualTo(d("21.00"));
    // tiers run on across versions: version 2's calls start at the 9th unit of the month
    Price v1 =
        with(
            "call",
            null,
            new Price.Tiers(
                Price.TierMode.GRADUATED,
                List.of(new Price.Tier(10L, d("1")), new Price.Tier(null, d("0.5")))),
            null,
            null,
            null,
            null);
    Price v2 =
        with(
            "call",
            null,
            new Price.Tiers(
                Price.TierMode.GRADUATED,
                List.of(new Price.Tier(10L, d("2")), new Price.Tier(null, d("1")))),
            null,
            null,
            null,
            null);
    Pricing.Bill t =
        Pricing.month(
            List.of(
                new Pricing.VersionUsage(1, v1, calls(8)),
                new Pricing.VersionUsage(2, v2, calls(5))));
    // version 1: 8 × 1; version 2: units 9-10 × 2, 11-13 × 1
    assertThat(t.total()).isEqualTo(d("15.00"));
    // and an included quota is consumed across versions too
    Price s1 =
        with("call", null, null, null, new Price.Subscription(d("100"), 10, d("1")), null, null);
    Price s2 =
        with("call", null, null, null, new Price.Subscription(d("120"), 10, d("2")), null, null);
    Pricing.Bill s =
        Pricing.month(
            List.of(
                new Pricing.VersionUsage(3, s1, calls(8)),
                new Pricing.VersionUsage(4, s2, calls(5))));
    // overage: 3 units of version 4 at 2; one monthly fee, the latest version's
    assertThat(s.lines())
        .extracting(Line::kind, l -> l.amount().toPlainString())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("overage", "6.00"),
            org.assertj.core.groups.Tuple.tuple("subscription", "120.00"));
  }

  @Test
  void badInputIsRefusedNotPricedAtZero() {
    assertThatThrownBy(() -> Pricing.month(List.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                Pricing.month(
                    List.of(
                        new Pricing.VersionUsage(2, flat("1", "call"), calls(1)),
                        new Pricing.VersionUsage(1, flat("1", "call"), calls(1)))))
        .hasMessageContaining("ascend");
    assertThatThrownBy(
            () ->
                Pricing.month(
                    List.of(
                        new Pricing.VersionUsage(1, flat("1", "call"), calls(1)),
                        new Pricing.VersionUsage(2, new Price(d("1"), "EUR", "call"), calls(1)))))
        .hasMessageContaining("one currency");
    assertThatThrownBy(() -> new Usage(-1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> with("call", d("1"), TIERS, null, null, null, null))
        .hasMessageContaining("exactly one");
  }

  // ---- properties over random usage and terms ----

  static Price.Tiers randomTiers(Random r, Price.TierMode mode) {
    int n = 1 + r.nextInt(4);
    List<Price.Tier> steps = new ArrayList<>();
    long bound = 0;
    for (int i = 0; i < n; i++) {
      BigDecimal amount = BigDecimal.valueOf(r.nextInt(100_000), r.nextInt(13));
      if (i == n - 1) {
        steps.add(new Price.Tier(null, amount));
      } else {
        bound += 1 + r.nextInt(1000);
        steps.add(new Price.Tier(bound, amount));
      }
    }
    return new Price.Tiers(mode, steps);
  }

  @Test
  void graduatedCostIsAdditiveOverAnySplitOfAQuantity() {
    for (int seed = 0; seed < 500; seed++) {
      Random r = new Random(seed);
      Price.Tiers t = randomTiers(r, Price.TierMode.GRADUATED);
      BigDecimal a = BigDecimal.valueOf(r.nextInt(5000));
      BigDecimal b = BigDecimal.valueOf(r.nextInt(5000));
      assertThat(Pricing.graduated(t, BigDecimal.ZERO, a).add(Pricing.graduated(t, a, b)))
          .as("seed %d", seed)
          .isEqualByComparingTo(Pricing.graduated(t, BigDecimal.ZERO, a.add(b)));
    }
  }

  @Test
  void linesAddUpToTheTotalAndEachLinesSharesToItsAmount() {
    for (int seed = 0; seed < 500; seed++) {
      Random r = new Random(seed);
      List<Pricing.VersionUsage> versions = new ArrayList<>();
      int n = 1 + r.nextInt(3);
      for (int v = 1; v <= n; v++) {
        versions.add(new Pricing.VersionUsage(v, randomPrice(r), randomUsage(r)));
      }
      Pricing.Bill b = Pricing.month(versions);
      BigDecimal sum = BigDecimal.ZERO;
      for (Line l : b.lines()) {
        assertThat(l.commission().add(l.provider())).as("seed %d", seed).isEqualTo(l.amount());
        assertThat(l.commission().signum()).isGreaterThanOrEqualTo(0);
        assertThat(l.provider().signum()).isGreaterThanOrEqualTo(0);
        assertThat(l.amount().scale()).isEqualTo(2);
        sum = sum.add(l.amount());
      }
      assertThat(b.total()).as("seed %d", seed).isEqualByComparingTo(sum);
      assertThat(b.commission().add(b.provider())).isEqualByComparingTo(b.total());
      if (versions.get(versions.size() - 1).price().minimum() != null) {
        assertThat(b.total())
            .isGreaterThanOrEqualTo(
                Money.round(versions.get(versions.size() - 1).price().minimum(), "CNY"));
      }
    }
  }

  @Test
  void theMonthsUsageSplitAmongVersionsOfOneGraduatedPriceCostsWhatItWouldAsOne() {
    // exact before rounding: per line the rounding may differ by at most half a fen per line
    for (int seed = 0; seed < 500; seed++) {
      Random r = new Random(seed);
      Price p =
          with("call", null, randomTiers(r, Price.TierMode.GRADUATED), null, null, null, null);
      long a = r.nextInt(3000);
      long b = r.nextInt(3000);
      Pricing.Bill whole = one(p, calls(a + b));
      Pricing.Bill split =
          Pricing.month(
              List.of(
                  new Pricing.VersionUsage(1, p, calls(a)),
                  new Pricing.VersionUsage(2, p, calls(b))));
      BigDecimal bound =
          d("0.005").multiply(BigDecimal.valueOf(whole.lines().size() + split.lines().size()));
      assertThat(whole.total().subtract(split.total()).abs())
          .as("seed %d", seed)
          .isLessThanOrEqualTo(bound);
    }
  }

  static Usage randomUsage(Random r) {
    return new Usage(r.nextInt(200_000), r.nextInt(1_000_000), (long) r.nextInt(Integer.MAX_VALUE));
  }

  static Price randomPrice(Random r) {
    String per = List.of("call", "record", "MB").get(r.nextInt(3));
    BigDecimal amount = null;
    Price.Tiers tiers = null;
    Price.Pack pack = null;
    Price.Subscription sub = null;
    switch (r.nextInt(5)) {
      case 0 -> amount = BigDecimal.valueOf(r.nextInt(100_000), r.nextInt(13));
      case 1 -> tiers = randomTiers(r, Price.TierMode.GRADUATED);
      case 2 -> tiers = randomTiers(r, Price.TierMode.VOLUME);
      case 3 ->
          pack = new Price.Pack(1 + r.nextInt(5000), BigDecimal.valueOf(r.nextInt(10_000), 2));
      default ->
          sub =
              new Price.Subscription(
                  BigDecimal.valueOf(r.nextInt(100_000), 2),
                  r.nextInt(100_000),
                  BigDecimal.valueOf(r.nextInt(10_000), 4));
    }
    String minimum =
        r.nextBoolean() ? BigDecimal.valueOf(r.nextInt(100_000), 2).toPlainString() : null;
    Price.Commission c =
        r.nextBoolean()
            ? new Price.Commission(
                BigDecimal.valueOf(r.nextInt(30), 2),
                r.nextBoolean() ? BigDecimal.valueOf(r.nextInt(100), 2) : null,
                r.nextBoolean() ? BigDecimal.valueOf(100 + r.nextInt(10_000), 2) : null)
            : null;
    return with(per, amount, tiers, pack, sub, minimum, c);
  }
}
