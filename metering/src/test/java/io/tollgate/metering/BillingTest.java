package io.tollgate.metering;

import static io.tollgate.metering.PricingTest.d;
import static io.tollgate.metering.UsageLedgerTest.GRACE;
import static io.tollgate.metering.UsageLedgerTest.SHANGHAI;
import static io.tollgate.metering.UsageLedgerTest.at;
import static io.tollgate.metering.UsageLedgerTest.permit;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.policy.model.Price;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BillingTest {
  // graduated by call: 1 to 1,000 at 0.01, beyond at 0.005; 10 % commission
  static final Price GRADUATED =
      new Price(
          "CNY",
          "call",
          null,
          new Price.Tiers(
              Price.TierMode.GRADUATED,
              List.of(new Price.Tier(1000L, d("0.01")), new Price.Tier(null, d("0.005")))),
          null,
          null,
          null,
          new Price.Commission(d("0.1"), null, null));

  static ContractTerms terms(String version, Price p) {
    return new ContractTerms("ct-a", version, "prov", "cons", "ds", SHANGHAI, p, 5000, -1, -1);
  }

  @Test
  void aCorrectionIsPricedAsWhatItAddsToTheClosedMonth() {
    UsageLedger l = new UsageLedger(SHANGHAI, GRACE);
    for (int i = 0; i < 900; i++) {
      l.add(permit("s-0-" + i, "v1", "2026-11-20T10:00:00+08:00"));
    }
    // November closes 72 h after its end; then 200 more of its calls arrive
    List<UsageLedger.Emission> closed = l.advance(at("2026-12-04T01:00:00+08:00"));
    assertThat(closed).hasSize(1);
    Billing.Priced nov = Billing.price("ct-a", closed.get(0), v -> terms(v, GRADUATED));
    assertThat(nov.bill().total()).isEqualByComparingTo("9.00"); // 900 x 0.01
    for (int i = 900; i < 1100; i++) {
      l.add(permit("s-0-" + i, "v1", "2026-11-29T10:00:00+08:00"));
    }
    UsageLedger.Emission dec = l.flush().get(0);
    assertThat(dec.period()).isEqualTo("2026-12");
    assertThat(dec.correctionBase().get("2026-11"))
        .containsEntry("v1", new Usage(900, 1800, 90000));
    Billing.Priced p = Billing.price("ct-a", dec, v -> terms(v, GRADUATED));
    // the 901st to 1,000th call at 0.01, the 1,001st to 1,100th at 0.005: 1.00 + 0.50
    assertThat(p.bill().lines()).hasSize(1);
    Line c = p.bill().lines().get(0);
    assertThat(c.kind()).isEqualTo("correction");
    assertThat(c.what()).isEqualTo("late usage of 2026-11");
    assertThat(c.quantity()).isEqualByComparingTo("200");
    assertThat(c.amount()).isEqualByComparingTo("1.50");
    // commission: 10 % of 10.50 is 1.05 (0.10 of the tier-1 line of 10.00 → 1.00; 0.05 of 0.50);
    // before the correction 0.90: the correction's share is 0.15
    assertThat(c.commission()).isEqualByComparingTo("0.15");
    assertThat(c.provider()).isEqualByComparingTo("1.35");
  }

  @Test
  void aVersionWithoutTermsOrPriceIsReportedNeverPricedAtZero() {
    UsageLedger l = new UsageLedger(SHANGHAI, GRACE);
    l.add(permit("s-0-1", "v9", "2026-11-20T10:00:00+08:00"));
    UsageLedger.Emission e = l.flush().get(0);
    Billing.Priced unknown = Billing.price("ct-a", e, v -> null);
    assertThat(unknown.ok()).isFalse();
    assertThat(unknown.error()).contains("no terms known for version v9 of contract ct-a");
    Billing.Priced free = Billing.price("ct-a", e, v -> terms(v, null));
    assertThat(free.error()).isEqualTo("contract ct-a version v9 has no price");
    byte[] rec =
        UsageRecords.write(
            new UsageRecords.Key("cons", "prov", "ct-a", "ds"), SHANGHAI, e, 0, free, null);
    JsonNode d = UsageRecords.data(rec);
    assertThat(d.get("amount").isNull()).isTrue();
    assertThat(d.get("unpriced").asText()).contains("has no price");
  }

  @Test
  void refusalsAloneBillNothing() {
    UsageLedger l = new UsageLedger(SHANGHAI, GRACE);
    l.add(
        new UsageLedger.Event(
            "s-0-1", "DENY", List.of("purpose"), null, at("2026-11-20T10:00:00+08:00"), 1, 1));
    Billing.Priced p = Billing.price(null, l.flush().get(0), v -> null);
    assertThat(p.ok()).isTrue();
    assertThat(p.bill().lines()).isEmpty();
  }

  @Test
  void theRecordCarriesAmountsLinesAndTheRemainingQuota() {
    UsageLedger l = new UsageLedger(SHANGHAI, GRACE);
    for (int i = 0; i < 1200; i++) {
      l.add(permit("h-ab-" + Long.toString(i, 36), "v1", "2026-11-20T10:00:00+08:00"));
    }
    l.add(permit("h-ab-zz1", "v1", "2026-11-21T09:00:00+08:00"));
    UsageLedger.Emission e = l.flush().get(0);
    ContractTerms t = terms("v1", GRADUATED);
    JsonNode d =
        UsageRecords.data(
            UsageRecords.write(
                new UsageRecords.Key("cons", "prov", "ct-a", "ds"),
                SHANGHAI,
                e,
                at("2026-11-21T09:30:00+08:00"),
                Billing.price("ct-a", e, v -> t),
                t));
    assertThat(d.get("currency").asText()).isEqualTo("CNY");
    // 1,000 x 0.01 + 201 x 0.005 = 10.00 + 1.005 → 1.01 (half up)
    assertThat(d.get("amount").asText()).isEqualTo("11.01");
    assertThat(d.get("lines")).hasSize(2);
    assertThat(d.get("lines").get(0).get("policyVersion").asText()).isEqualTo("v1");
    assertThat(d.get("commission").asText()).isEqualTo("1.10"); // 1.00 + 0.10
    assertThat(d.get("providerShare").asText()).isEqualTo("9.91");
    // the day of the latest event in Shanghai: one call on 21 November, 1,201 in the month
    assertThat(d.at("/quota/day/date").asText()).isEqualTo("2026-11-21");
    assertThat(d.at("/quota/day/used").asLong()).isEqualTo(1);
    assertThat(d.at("/quota/day/left").asLong()).isEqualTo(4999);
    assertThat(d.at("/quota/month/used").asLong()).isEqualTo(1201);
    assertThat(d.at("/quota/month/limit").isNull()).isTrue();
    assertThat(d.at("/quota/total/used").asLong()).isEqualTo(1201);
    assertThat(d.get("through").asText()).isEqualTo("2026-11-21T09:00:00+08:00");
  }

  @Test
  void priceChangeMidMonthIsPricedPerVersionInTheOrderOfFirstUse() {
    UsageLedger l = new UsageLedger(SHANGHAI, GRACE);
    Price before = new Price(d("0.0028"), "CNY", "call");
    Price after = new Price(d("0.0031"), "CNY", "call");
    for (int i = 0; i < 1000; i++) {
      l.add(permit("s-0-" + i, "old", "2026-11-10T10:00:00+08:00"));
      l.add(permit("s-1-" + i, "new", "2026-11-20T10:00:00+08:00"));
    }
    Map<String, ContractTerms> t = Map.of("old", terms("old", before), "new", terms("new", after));
    Billing.Priced p = Billing.price("ct-a", l.flush().get(0), t::get);
    // 1,000 x 0.0028 = 2.80, 1,000 x 0.0031 = 3.10
    assertThat(p.bill().lines()).extracting(Line::amount).containsExactly(d("2.80"), d("3.10"));
    assertThat(p.versions()).containsExactly("old", "new");
    assertThat(p.bill().total()).isEqualByComparingTo("5.90");
  }

  @Test
  void theVersionsOrderIsTheirEarliestUseNotTheOrderEventsArrive() {
    // a subscription of 100 until the 20th, 200 after: the month's fee is the later version's
    Price early =
        new Price(
            "CNY",
            "call",
            null,
            null,
            null,
            new Price.Subscription(d("100"), -1, null),
            null,
            null);
    Price later =
        new Price(
            "CNY",
            "call",
            null,
            null,
            null,
            new Price.Subscription(d("200"), -1, null),
            null,
            null);
    Map<String, ContractTerms> t = Map.of("v1", terms("v1", early), "v2", terms("v2", later));
    for (boolean laterFirst : new boolean[] {false, true}) {
      UsageLedger l = new UsageLedger(SHANGHAI, GRACE);
      UsageLedger.Event a = permit("s-0-1", "v1", "2026-11-03T10:00:00+08:00");
      UsageLedger.Event b = permit("s-1-1", "v2", "2026-11-20T10:00:00+08:00");
      l.add(laterFirst ? b : a);
      l.add(laterFirst ? a : b);
      Billing.Priced p = Billing.price("ct-a", l.flush().get(0), t::get);
      assertThat(p.versions()).as("later first: %s", laterFirst).containsExactly("v1", "v2");
      assertThat(p.bill().total()).as("later first: %s", laterFirst).isEqualByComparingTo("200");
    }
  }

  @Test
  void lateUsageOfAMonthTheLedgerNoLongerKeepsIsNotPricedAtZero() {
    UsageLedger l = new UsageLedger(SHANGHAI, GRACE, GRACE);
    l.add(permit("s-0-0", "v1", "2025-01-10T10:00:00+08:00"));
    // fifteen months pass, each with a call: January 2025's bill is forgotten after thirteen
    java.time.YearMonth m = java.time.YearMonth.of(2025, 2);
    for (int i = 1; i <= 15; i++, m = m.plusMonths(1)) {
      l.add(permit("s-0-" + i, "v1", m + "-10T10:00:00+08:00"));
      l.advance(at(m.plusMonths(1) + "-05T00:00:00+08:00"));
    }
    assertThat(l.add(permit("s-9-1", "v1", "2025-01-20T10:00:00+08:00"))).isTrue();
    UsageLedger.Emission e = l.flush().get(0);
    assertThat(e.corrections()).containsKey("2025-01");
    Billing.Priced p = Billing.price("ct-a", e, v -> terms(v, GRADUATED));
    assertThat(p.ok()).isFalse();
    assertThat(p.error()).contains("late usage of 2025-01 is older than the 13 closed months");
  }
}
