package io.tollgate.metering;

import static io.tollgate.metering.UsageLedgerTest.GRACE;
import static io.tollgate.metering.UsageLedgerTest.SHANGHAI;
import static io.tollgate.metering.UsageLedgerTest.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.policy.model.Price;
import java.math.BigDecimal;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StatementTest {
  static final Price PER_CALL = new Price(new BigDecimal("0.0028"), "CNY", "call");
  static final UsageRecords.Key KEY = new UsageRecords.Key("bank-a", "bureau", "ct-a", "credit");

  /** The usage records a ledger emits for {@code events}, priced, in emission order. */
  static List<JsonNode> records(List<UsageLedger.Event> events, Price price, boolean close) {
    UsageLedger l = new UsageLedger(SHANGHAI, GRACE);
    List<JsonNode> out = new ArrayList<>();
    ContractTerms t =
        new ContractTerms("ct-a", "v1", "bureau", "bank-a", "credit", SHANGHAI, price, -1, -1, -1);
    int n = 0;
    for (UsageLedger.Event e : events) {
      l.add(e);
      if (++n % 100 == 0) {
        emit(l.flush(), t, out);
      }
    }
    emit(l.flush(), t, out);
    if (close) {
      emit(l.advance(Long.MAX_VALUE), t, out);
    }
    return out;
  }

  static void emit(List<UsageLedger.Emission> es, ContractTerms t, List<JsonNode> out) {
    for (UsageLedger.Emission e : es) {
      out.add(
          UsageRecords.data(
              UsageRecords.write(KEY, SHANGHAI, e, 0, Billing.price("ct-a", e, v -> t), t)));
    }
  }

  static List<UsageLedger.Event> events(int n, String month) {
    List<UsageLedger.Event> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          new UsageLedger.Event(
              "s-0-" + i,
              i % 10 == 0 ? "DENY" : "PERMIT",
              i % 10 == 0 ? List.of("purpose") : List.of(),
              "v1",
              at(month + "-10T10:00:00+08:00") + i * 1000L,
              1,
              10));
    }
    return out;
  }

  @Test
  void theLatestRevisionIsTheTruthAndTheLinesAddUp() {
    List<JsonNode> usage = records(events(1000, "2026-11"), PER_CALL, true);
    assertThat(usage.size()).isGreaterThan(2);
    Statement s = Statement.of(usage, "bank-a", YearMonth.of(2026, 11));
    assertThat(s.items()).hasSize(1);
    Statement.Item i = s.items().get(0);
    assertThat(i.closed()).isTrue();
    assertThat(i.calls()).isEqualTo(900);
    // 900 x 0.0028 = 2.52
    assertThat(i.amount()).isEqualByComparingTo("2.52");
    assertThat(i.refused()).containsEntry("deny:purpose", 100L);
    assertThat(s.totals().get("CNY")[0]).isEqualByComparingTo("2.52");
    assertThat(s.text()).contains("Total 2.52 CNY").contains("0.0028").contains("final");
    assertThat(s.csv())
        .startsWith("consumer,month,contract,")
        .contains("bank-a,2026-11,ct-a,credit,bureau,")
        .contains(",usage,call,v1,900,0.0028,CNY,2.52,0.00,2.52\r\n");
    assertThat(s.json()).contains("\"subtotal\" : \"2.52\"");
  }

  @Test
  void duplicatesAndReorderingGiveTheSameStatement() {
    Random r = new Random(5);
    for (int round = 0; round < 20; round++) {
      List<UsageLedger.Event> base = events(300 + r.nextInt(700), "2026-11");
      List<UsageLedger.Event> noisy = new ArrayList<>(base);
      for (int d = 0; d < 100; d++) {
        noisy.add(base.get(r.nextInt(base.size())));
      }
      Collections.shuffle(noisy, r);
      String a =
          Statement.of(records(base, PER_CALL, true), "bank-a", YearMonth.of(2026, 11)).csv();
      String b =
          Statement.of(records(noisy, PER_CALL, true), "bank-a", YearMonth.of(2026, 11)).csv();
      // the revision differs with the number of flushes: compare everything else
      assertThat(b.replaceAll(",\\d+,true,", ",R,true,"))
          .isEqualTo(a.replaceAll(",\\d+,true,", ",R,true,"));
    }
  }

  @Test
  void badInputGetsAClearMessageNeverASilentZero() {
    List<JsonNode> usage = records(events(200, "2026-11"), PER_CALL, false);
    assertThatThrownBy(() -> Statement.of(usage, "nobody", YearMonth.of(2026, 11)))
        .isInstanceOf(BillingException.class)
        .hasMessage(
            "no usage of consumer \"nobody\" in tollgate.usage; consumers with usage: bank-a");
    assertThatThrownBy(() -> Statement.of(usage, "bank-a", YearMonth.of(2026, 10)))
        .hasMessage("consumer \"bank-a\" has no usage in 2026-10; months with usage: 2026-11");
    assertThatThrownBy(() -> Statement.of(List.of(), "bank-a", YearMonth.of(2026, 10)))
        .hasMessageContaining("it holds no usage at all");
    // refusals only: nothing billable
    List<UsageLedger.Event> denied = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      denied.add(
          new UsageLedger.Event(
              "s-0-" + i, "DENY", List.of("purpose"), null, at("2026-11-10T10:00:00+08:00"), 1, 1));
    }
    assertThatThrownBy(
            () -> Statement.of(records(denied, PER_CALL, false), "bank-a", YearMonth.of(2026, 11)))
        .hasMessage(
            "consumer \"bank-a\" had nothing billable in 2026-11: 0 permitted calls, 5 refused");
    // a contract without a price: listed as not priced, left out of the total
    Statement free =
        Statement.of(records(events(50, "2026-11"), null, false), "bank-a", YearMonth.of(2026, 11));
    assertThat(free.unpriced()).hasSize(1);
    assertThat(free.unpriced().get(0).unpriced())
        .isEqualTo("contract ct-a version v1 has no price");
    assertThat(free.totals()).isEmpty();
    assertThat(free.text()).contains("NOT PRICED: contract ct-a version v1 has no price");
  }

  @Test
  void csvCellsCannotBeReadAsFormulas() {
    assertThat(Statement.csv("=HYPERLINK(\"x\")")).isEqualTo("\"'=HYPERLINK(\"\"x\"\")\"");
    assertThat(Statement.csv("a,b")).isEqualTo("\"a,b\"");
    assertThat(Statement.csv("plain")).isEqualTo("plain");
  }

  @Test
  void aMonthWithoutUsageOwesTheSubscriptionAndTheMinimum() {
    Price sub =
        new Price(
            "CNY",
            "call",
            null,
            null,
            null,
            new Price.Subscription(new BigDecimal("500"), 1000, new BigDecimal("0.01")),
            null,
            null);
    ContractTerms t =
        new ContractTerms("ct-s", "vs", "bureau", "bank-a", "credit", SHANGHAI, sub, -1, -1, -1);
    long published = at("2026-10-15T00:00:00+08:00");
    List<Statement.Standing> standing =
        List.of(new Statement.Standing(t, published, Long.MAX_VALUE));
    // November: bank-a used ct-a only; ct-s stood all month without a call
    Statement s =
        Statement.of(
            records(events(100, "2026-11"), PER_CALL, true),
            "bank-a",
            YearMonth.of(2026, 11),
            standing);
    assertThat(s.items()).extracting(Statement.Item::contract).containsExactly("ct-a", "ct-s");
    Statement.Item fee = s.items().get(1);
    assertThat(fee.revision()).isZero();
    assertThat(fee.amount()).isEqualByComparingTo("500.00");
    assertThat(fee.lines())
        .singleElement()
        .satisfies(l -> assertThat(l.get("kind").asText()).isEqualTo("subscription"));
    assertThat(s.text()).contains("no usage this month");
    // a consumer with nothing but the standing contract is billed its fee, not refused
    Statement only = Statement.of(List.of(), "bank-a", YearMonth.of(2026, 12), standing);
    assertThat(only.totals().get("CNY")[0]).isEqualByComparingTo("500.00");
    // before it was published, or after it was revoked: nothing
    assertThatThrownBy(() -> Statement.of(List.of(), "bank-a", YearMonth.of(2026, 9), standing))
        .isInstanceOf(BillingException.class);
    List<Statement.Standing> revoked =
        List.of(new Statement.Standing(t, published, at("2026-11-01T00:00:00+08:00")));
    assertThatThrownBy(() -> Statement.of(List.of(), "bank-a", YearMonth.of(2026, 11), revoked))
        .isInstanceOf(BillingException.class);
  }
}
