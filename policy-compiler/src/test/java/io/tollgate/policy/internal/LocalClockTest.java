package io.tollgate.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LocalClockTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "UTC",
        "Asia/Shanghai",
        "Europe/Berlin",
        "America/New_York",
        "Australia/Lord_Howe",
        "Asia/Kathmandu",
        "Pacific/Apia",
        "+05:30"
      })
  void agreesWithJavaTimeAcrossTheCentury(String zoneId) {
    ZoneId zone = ZoneId.of(zoneId);
    LocalClock clock = LocalClock.of(zone);
    Random random = new Random(zoneId.hashCode());
    long from = Instant.parse("1950-01-01T00:00:00Z").toEpochMilli();
    long span = Instant.parse("2150-01-01T00:00:00Z").toEpochMilli() - from;
    for (int i = 0; i < 20_000; i++) {
      long t = from + (long) (random.nextDouble() * span);
      ZonedDateTime z = Instant.ofEpochMilli(t).atZone(zone);
      assertThat(clock.secondOfDay(t)).isEqualTo(z.toLocalTime().toSecondOfDay());
      assertThat(clock.dayOfWeek(t)).isEqualTo(z.getDayOfWeek().getValue() - 1);
      assertThat(clock.epochDay(t)).isEqualTo(z.toLocalDate().toEpochDay());
      assertThat(clock.epochMonth(t)).isEqualTo(z.getYear() * 12L + z.getMonthValue() - 1);
    }
  }

  @Test
  void dstTransitionsAreExact() {
    LocalClock berlin = LocalClock.of(ZoneId.of("Europe/Berlin"));
    long before = Instant.parse("2026-03-29T00:59:59.999Z").toEpochMilli();
    long after = Instant.parse("2026-03-29T01:00:00Z").toEpochMilli();
    assertThat(berlin.offsetSeconds(before)).isEqualTo(3600);
    assertThat(berlin.offsetSeconds(after)).isEqualTo(7200);
  }

  @Test
  void monthOfEpochDayMatchesCalendarForEveryDayOfFourCenturies() {
    for (long d = LocalDate.of(1800, 1, 1).toEpochDay();
        d < LocalDate.of(2200, 1, 1).toEpochDay();
        d++) {
      LocalDate date = LocalDate.ofEpochDay(d);
      assertThat(LocalClock.monthOfEpochDay(d))
          .isEqualTo(date.getYear() * 12L + date.getMonthValue() - 1);
    }
  }

  @Test
  void beyondThePrecomputedRangeFallsBackToZoneRules() {
    LocalClock ny = LocalClock.of(ZoneId.of("America/New_York"));
    long t = Instant.parse("2301-07-01T12:00:00Z").toEpochMilli();
    assertThat(ny.offsetSeconds(t)).isEqualTo(-4 * 3600);
  }
}
