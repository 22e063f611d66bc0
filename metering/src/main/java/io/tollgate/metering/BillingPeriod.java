package io.tollgate.metering;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;

/**
 * A billing month in a contract's zone, half-open: {@code [start, end)} in epoch milliseconds. The
 * month of an instant is the calendar month of its local date in the zone, so a call at 23:30 on 30
 * November in Shanghai (15:30 UTC) is November's, and one at 00:10 on 1 December (16:10 UTC on 30
 * November) is December's: every instant lands in exactly one period.
 */
public record BillingPeriod(YearMonth month, ZoneId zone, long start, long end) {

  /** The month that holds {@code epochMillis} in {@code zone}. */
  public static BillingPeriod of(long epochMillis, ZoneId zone) {
    YearMonth m = YearMonth.from(Instant.ofEpochMilli(epochMillis).atZone(zone));
    return of(m, zone);
  }

  public static BillingPeriod of(YearMonth m, ZoneId zone) {
    long start = m.atDay(1).atStartOfDay(zone).toInstant().toEpochMilli();
    long end = m.plusMonths(1).atDay(1).atStartOfDay(zone).toInstant().toEpochMilli();
    return new BillingPeriod(m, zone, start, end);
  }

  /**
   * {@code 2026-11} read as a month.
   *
   * @throws IllegalArgumentException naming the text, when it is not a month
   */
  public static YearMonth month(String text) {
    try {
      return YearMonth.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "expected a month such as 2026-11, found \"" + text + "\"", e);
    }
  }

  /** Whether {@code epochMillis} falls in {@code [start, end)}. */
  public boolean contains(long epochMillis) {
    return epochMillis >= start && epochMillis < end;
  }

  public BillingPeriod next() {
    return of(month.plusMonths(1), zone);
  }

  /** {@code 2026-11}. */
  public String id() {
    return month.toString();
  }

  @Override
  public String toString() {
    return id()
        + " ["
        + ZonedDateTime.ofInstant(Instant.ofEpochMilli(start), zone).toOffsetDateTime()
        + ", "
        + ZonedDateTime.ofInstant(Instant.ofEpochMilli(end), zone).toOffsetDateTime()
        + ")";
  }
}
