package io.tollgate.metering;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UsageLedgerTest {
  static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");
  static final long GRACE = Duration.ofHours(72).toMillis();

  static long at(String t) {
    return OffsetDateTime.parse(t).toInstant().toEpochMilli();
  }

  static UsageLedger.Event permit(String id, String version, String t) {
    return new UsageLedger.Event(id, "PERMIT", List.of(), version, at(t), 2, 100);
  }

  @Test
  void monthsAreHalfOpenInTheContractsZone() {
    BillingPeriod nov = BillingPeriod.of(at("2026-11-30T23:30:00+08:00"), SHANGHAI);
    assertThat(nov.id()).isEqualTo("2026-11");
    // 00:10 on 1 December in Shanghai is 16:10 UTC on 30 November: December's
    assertThat(BillingPeriod.of(at("2026-11-30T16:10:00Z"), SHANGHAI).id()).isEqualTo("2026-12");
    // the boundary itself belongs to the month it starts
    assertThat(BillingPeriod.of(at("2026-12-01T00:00:00+08:00"), SHANGHAI).id())
        .isEqualTo("2026-12");
    assertThat(nov.end()).isEqualTo(at("2026-12-01T00:00:00+08:00"));
    assertThat(nov.next().start()).isEqualTo(nov.end());
    assertThat(nov.contains(nov.end() - 1)).isTrue();
    assertThat(nov.contains(nov.end())).isFalse();
  }

  @Test
  void aDuplicateIsCountedOnceAndIsNoError() {
    UsageLedger l = new UsageLedger(SHANGHAI, GRACE);
    assertThat(l.add(permit("s-0-1", "v1", "2026-11-10T10:00:00+08:00"))).isTrue();
    assertThat(l.add(permit("s-0-1", "v1", "2026-11-10T10:00:00+08:00"))).isFalse();
    List<UsageLedger.Emission> e = l.flush();
    assertThat(e).hasSize(1);
    assertThat(e.get(0).billable().get("v1")).isEqualTo(new Usage(1, 2, 100));
    assertThat(l.flush()).as("nothing changed since").isEmpty();
  }

  @Test
  void aDuplicateIsNeverCountedTwiceWhileItsMonthIsOpenHoweverLateItComes() {
    UsageLedger l = new UsageLedger(SHANGHAI, GRACE);
    l.advance(at("2026-11-01T00:00:00+08:00"));
    assertThat(l.add(permit("early", "v1", "2026-11-01T08:00:00+08:00"))).isTrue();
    // a month and three days later, November still open (closes 4 December 00:00)
    l.advance(at("2026-12-03T23:00:00+08:00"));
    assertThat(l.add(permit("early", "v1", "2026-11-01T08:00:00+08:00"))).isFalse();
  }

  @Test
  void refusalsAreCountedPerReasonApartFromBillableUsage() {
    UsageLedger l = new UsageLedger(SHANGHAI, GRACE);
    l.add(
        new UsageLedger.Event(
            "a", "DENY", List.of("purpose", "region"), null, at("2026-11-10T10:00:00Z"), 1, 0));
    l.add(
        new UsageLedger.Event(
            "b", "THROTTLE", List.of("rate"), "v1", at("2026-11-10T10:00:00Z"), 1, 0));
    UsageLedger.Emission e = l.flush().get(0);
    assertThat(e.billable()).isEmpty();
    assertThat(e.refused())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("deny:purpose", 1L, "deny:region", 1L, "throttle:rate", 1L));
  }

  @Test
  void lateEventsReviseTheirMonthWithinTheGraceAndCorrectTheNextOneAfter() {
    UsageLedger l = new UsageLedger(SHANGHAI, GRACE);
    l.add(permit("1", "v1", "2026-11-30T23:00:00+08:00"));
    assertThat(l.flush().get(0).revision()).isEqualTo(1);
    // 2 December: November still open (its end, 1 December 00:00, plus 72 h is 4 December)
    assertThat(l.advance(at("2026-12-02T12:00:00+08:00"))).isEmpty();
    l.add(permit("2", "v1", "2026-11-29T08:00:00+08:00"));
    UsageLedger.Emission revised = l.flush().get(0);
    assertThat(revised.period()).isEqualTo("2026-11");
    assertThat(revised.revision()).isEqualTo(2);
    assertThat(revised.billable().get("v1").calls()).isEqualTo(2);
    // 4 December 00:00: November closes, final, at its next revision
    List<UsageLedger.Emission> closed = l.advance(at("2026-12-04T00:00:00+08:00"));
    assertThat(closed).hasSize(1);
    assertThat(closed.get(0).closed()).isTrue();
    assertThat(closed.get(0).revision()).isEqualTo(3);
    assertThat(closed.get(0).billable().get("v1").calls()).isEqualTo(2);
    // a November call after that: a correction in December, November untouched
    l.add(permit("3", "v1", "2026-11-15T08:00:00+08:00"));
    List<UsageLedger.Emission> after = l.flush();
    assertThat(after).extracting(UsageLedger.Emission::period).containsExactly("2026-12");
    assertThat(after.get(0).billable()).isEmpty();
    assertThat(after.get(0).corrections().get("2026-11").get("v1").calls()).isEqualTo(1);
  }

  @Test
  void theMonthACorrectionLandsInHasACloseTimeAndTheIdsAForgetTime() {
    UsageLedger l = new UsageLedger(SHANGHAI, GRACE);
    l.advance(at("2026-12-10T00:00:00+08:00")); // November closed
    l.add(permit("late", "v1", "2026-11-20T08:00:00+08:00")); // a correction in December
    assertThat(l.closeTimes()).containsExactly(at("2027-01-01T00:00:00+08:00") + GRACE);
    assertThat(l.nextForget()).isNotNull().isGreaterThan(at("2027-01-01T00:00:00+08:00"));
    assertThat(l.empty()).isFalse();
    l.advance(at("2027-01-04T00:00:00+08:00"));
    assertThat(l.closeTimes()).isEmpty();
    l.advance(l.nextForget());
    assertThat(l.empty()).as("every month closed, every id forgotten").isTrue();
  }

  @Test
  void aMonthWithoutEventsClosesAllTheSame() {
    UsageLedger l = new UsageLedger(SHANGHAI, GRACE);
    l.advance(at("2027-01-10T00:00:00+08:00")); // November and December ended more than 72 h ago
    l.add(permit("x", "v1", "2026-12-20T08:00:00+08:00"));
    UsageLedger.Emission e = l.flush().get(0);
    assertThat(e.period()).isEqualTo("2027-01");
    assertThat(e.corrections()).containsOnlyKeys("2026-12");
  }

  @Test
  void duplicatesAndReorderingGiveTheSameMonths() {
    for (int seed = 0; seed < 200; seed++) {
      Random r = new Random(seed);
      List<UsageLedger.Event> events = new ArrayList<>();
      long base = at("2026-10-25T00:00:00+08:00");
      for (int i = 0; i < 300; i++) {
        long t = base + (long) (r.nextDouble() * Duration.ofDays(70).toMillis());
        String d = r.nextInt(4) == 0 ? "DENY" : "PERMIT";
        events.add(
            new UsageLedger.Event(
                "e" + i,
                d,
                d.equals("DENY") ? List.of("purpose") : List.of(),
                "v" + r.nextInt(2),
                t,
                r.nextInt(5),
                r.nextInt(1000)));
      }
      Map<String, Usage> a = run(events, r, false);
      List<UsageLedger.Event> shuffled = new ArrayList<>(events);
      Collections.shuffle(shuffled, r);
      for (int i = 0; i < 60; i++) {
        shuffled.add(r.nextInt(shuffled.size()), events.get(r.nextInt(events.size())));
      }
      assertThat(run(shuffled, r, false)).as("seed %d", seed).isEqualTo(a);
    }
  }

  /** Every distinct permit lands in exactly one month, as usage or as a correction. */
  @Test
  void everyEventLandsInExactlyOnePeriod() {
    for (int seed = 0; seed < 200; seed++) {
      Random r = new Random(seed);
      // replays come at most six days of watermark after the original, within the retention
      UsageLedger l =
          new UsageLedger(
              SHANGHAI, Duration.ofHours(r.nextInt(100)).toMillis(), Duration.ofDays(7).toMillis());
      long base = at("2026-10-25T00:00:00+08:00");
      long wm = base;
      Set<String> permits = new HashSet<>();
      List<UsageLedger.Event> sent = new ArrayList<>();
      List<Long> sentAt = new ArrayList<>();
      List<UsageLedger.Emission> finals = new ArrayList<>();
      // the watermark is known from the start (an id is remembered from the later of its event
      // time and the watermark when it came: without one, from its event time)
      finals.addAll(l.advance(wm));
      for (int i = 0; i < 400; i++) {
        UsageLedger.Event e;
        // a replay: an event first sent at most six days of watermark ago (within the retention)
        int from = sent.size();
        while (from > 0 && sentAt.get(from - 1) >= wm - Duration.ofDays(6).toMillis()) {
          from--;
        }
        if (from < sent.size() && r.nextInt(5) == 0) {
          e = sent.get(from + r.nextInt(sent.size() - from));
        } else {
          // events trail the watermark by up to ten days: some late, some very late
          long t = wm - (long) (r.nextDouble() * Duration.ofDays(10).toMillis());
          e = new UsageLedger.Event("e" + i, "PERMIT", List.of(), "v1", t, 1, 1);
          sent.add(e);
          sentAt.add(wm);
        }
        String id = e.id();
        if (l.add(e)) {
          assertThat(permits.add(id))
              .as("a counted id is new: seed %d, step %d, %s at wm %d", seed, i, e, wm)
              .isTrue();
        }
        wm += (long) (r.nextDouble() * Duration.ofHours(8).toMillis());
        finals.addAll(l.advance(wm));
      }
      finals.addAll(l.advance(wm + Duration.ofDays(400).toMillis()));
      long counted = 0;
      Set<String> months = new HashSet<>();
      for (UsageLedger.Emission e : finals) {
        assertThat(e.closed()).isTrue();
        assertThat(months.add(e.period())).as("one final emission per month").isTrue();
        counted += e.billable().values().stream().mapToLong(Usage::calls).sum();
        for (Map<String, Usage> c : e.corrections().values()) {
          counted += c.values().stream().mapToLong(Usage::calls).sum();
        }
      }
      assertThat(counted).as("seed %d", seed).isEqualTo(permits.size());
    }
  }

  /** All events first, then the watermark to the end: the final billable usage of each month. */
  static Map<String, Usage> run(List<UsageLedger.Event> events, Random r, boolean unused) {
    UsageLedger l = new UsageLedger(SHANGHAI, GRACE);
    for (UsageLedger.Event e : events) {
      l.add(e);
    }
    Map<String, Usage> out = new HashMap<>();
    for (UsageLedger.Emission e : l.advance(at("2030-01-01T00:00:00Z"))) {
      e.billable().forEach((v, u) -> out.merge(e.period() + "/" + v, u, Usage::plus));
      e.refused()
          .forEach((k, n) -> out.merge(e.period() + "/" + k, new Usage(n, 0, 0), Usage::plus));
    }
    return out;
  }

  @Test
  void aLedgerWrittenAndReadBackBehavesTheSame() {
    for (int seed = 0; seed < 100; seed++) {
      Random r = new Random(seed);
      UsageLedger a = new UsageLedger(SHANGHAI, GRACE);
      long wm = at("2026-10-25T00:00:00+08:00");
      a.advance(wm);
      List<UsageLedger.Event> events = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        long t = wm - (long) (r.nextDouble() * Duration.ofDays(5).toMillis());
        String d = r.nextInt(4) == 0 ? "THROTTLE" : "PERMIT";
        events.add(
            new UsageLedger.Event(
                "e" + i,
                d,
                d.equals("PERMIT") ? List.of() : List.of("rate"),
                "v" + r.nextInt(3),
                t,
                1,
                7));
        wm += (long) (r.nextDouble() * Duration.ofHours(6).toMillis());
      }
      int cut = r.nextInt(events.size());
      long wmAtCut = 0;
      long w = at("2026-10-25T00:00:00+08:00");
      for (int i = 0; i < cut; i++) {
        a.add(events.get(i));
        w += Duration.ofHours(3).toMillis();
        a.advance(w);
      }
      wmAtCut = w;
      UsageLedger b = UsageLedger.read(a.write());
      assertThat(b.remembered()).isEqualTo(a.remembered());
      // the rest, with replays of what came before the cut, to both
      List<UsageLedger.Emission> ea = new ArrayList<>();
      List<UsageLedger.Emission> eb = new ArrayList<>();
      for (int i = cut; i < events.size(); i++) {
        UsageLedger.Event e =
            r.nextInt(6) == 0 && cut > 0 ? events.get(r.nextInt(cut)) : events.get(i);
        assertThat(b.add(e)).as("seed %d", seed).isEqualTo(a.add(e));
        wmAtCut += Duration.ofHours(3).toMillis();
        ea.addAll(a.advance(wmAtCut));
        eb.addAll(b.advance(wmAtCut));
        if (i % 10 == 0) {
          ea.addAll(a.flush());
          eb.addAll(b.flush());
        }
      }
      ea.addAll(a.advance(wmAtCut + Duration.ofDays(200).toMillis()));
      eb.addAll(b.advance(wmAtCut + Duration.ofDays(200).toMillis()));
      assertThat(eb).as("seed %d", seed).isEqualTo(ea);
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> UsageLedger.read(new byte[] {9}))
        .hasMessageContaining("not a usage ledger");
  }
}
