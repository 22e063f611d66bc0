package io.tollgate.metering;

import static io.tollgate.metering.UsageLedgerTest.SHANGHAI;
import static io.tollgate.metering.UsageLedgerTest.at;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReconciliationTest {
  static final YearMonth NOV = YearMonth.of(2026, 11);
  static final YearMonth DEC = YearMonth.of(2026, 12);

  static void feed(Reconciliation r, List<UsageLedger.Event> events) {
    for (UsageLedger.Event e : events) {
      r.feedback(
          e.id(),
          "bank-a",
          "bureau",
          "ct-a",
          "credit",
          e.permit(),
          e.eventTime(),
          e.records(),
          e.bytes());
    }
  }

  @Test
  void whatTheLedgerCountedAgreesWithTheFeedbackIncludingLateCorrections() {
    List<UsageLedger.Event> events = new ArrayList<>(StatementTest.events(500, "2026-11"));
    // late November calls after November closed: corrections in December
    for (int i = 0; i < 30; i++) {
      events.add(
          new UsageLedger.Event(
              "late-" + i, "PERMIT", List.of(), "v1", at("2026-11-30T23:00:00+08:00"), 2, 5));
    }
    UsageLedger l = new UsageLedger(SHANGHAI, UsageLedgerTest.GRACE);
    List<JsonNode> usage = new ArrayList<>();
    ContractTerms t =
        new ContractTerms(
            "ct-a",
            "v1",
            "bureau",
            "bank-a",
            "credit",
            SHANGHAI,
            StatementTest.PER_CALL,
            -1,
            -1,
            -1);
    for (int i = 0; i < 500; i++) {
      l.add(events.get(i));
    }
    StatementTest.emit(l.advance(at("2026-12-05T00:00:00+08:00")), t, usage);
    l.add(
        new UsageLedger.Event(
            "dec-1", "PERMIT", List.of(), "v1", at("2026-12-05T01:00:00+08:00"), 1, 1));
    for (int i = 500; i < events.size(); i++) {
      l.add(events.get(i));
    }
    StatementTest.emit(l.flush(), t, usage);
    events.add(
        new UsageLedger.Event(
            "dec-1", "PERMIT", List.of(), "v1", at("2026-12-05T01:00:00+08:00"), 1, 1));

    Reconciliation r = new Reconciliation(NOV, DEC, SHANGHAI);
    usage.forEach(r::usage);
    feed(r, events);
    feed(r, events.subList(0, 40)); // duplicates count once
    assertThat(r.duplicates()).isEqualTo(36); // the 4 denials among them are not counted at all
    assertThat(r.differences()).isEmpty();
    assertThat(r.permits()).isEqualTo(450 + 30 + 1);

    // one permitted call the usage never counted: a difference, named
    Reconciliation missing = new Reconciliation(NOV, DEC, SHANGHAI);
    usage.forEach(missing::usage);
    feed(missing, events);
    missing.feedback(
        "lost", "bank-a", "bureau", "ct-a", "credit", true, at("2026-12-06T00:00:00+08:00"), 1, 1);
    assertThat(missing.differences())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.key()).isEqualTo("bank-a|bureau|ct-a|credit");
              assertThat(d.period()).isEqualTo("2026-12");
              assertThat(d.feedback().calls()).isEqualTo(d.usage().calls() + 1);
              assertThat(d.closed()).isFalse();
              assertThat(d.toString()).contains("running total, not final");
            });

    // feedback of a key no usage names: placed in the default zone, and reported
    Reconciliation stranger = new Reconciliation(NOV, DEC, SHANGHAI);
    usage.forEach(stranger::usage);
    feed(stranger, events);
    stranger.feedback(
        "x", "bank-z", "bureau", "ct-z", "credit", true, at("2026-11-02T00:00:00+08:00"), 1, 1);
    assertThat(stranger.differences())
        .singleElement()
        .satisfies(d -> assertThat(d.note()).isEqualTo("no usage record for this month"));

    // months outside the range are not compared
    Reconciliation december = new Reconciliation(DEC, DEC, SHANGHAI);
    usage.forEach(december::usage);
    feed(december, events);
    assertThat(december.permits()).isEqualTo(1);
    assertThat(december.differences()).isEmpty();
  }
}
