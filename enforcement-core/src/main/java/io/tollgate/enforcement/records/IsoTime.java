package io.tollgate.enforcement.records;

/**
 * Formats epoch milliseconds as ISO-8601 UTC ({@code 2026-03-02T09:00:00.250Z}, milliseconds only
 * when non-zero, as {@link java.time.Instant#toString()} does for millisecond instants) into a
 * caller's buffer, without allocating. Years 0 to 9999.
 */
public final class IsoTime {
  private IsoTime() {}

  /** Writes {@code epochMillis} into {@code out} from index 0 and returns the length (20 or 24). */
  public static int format(long epochMillis, char[] out) {
    long days = Math.floorDiv(epochMillis, 86_400_000L);
    int msOfDay = (int) Math.floorMod(epochMillis, 86_400_000L);
    // civil-from-days (Howard Hinnant's algorithm), proleptic Gregorian
    long z = days + 719_468;
    long era = Math.floorDiv(z, 146_097);
    long doe = z - era * 146_097;
    long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    int day = (int) (doy - (153 * mp + 2) / 5 + 1);
    int month = (int) (mp < 10 ? mp + 3 : mp - 9);
    int year = (int) (yoe + era * 400 + (month <= 2 ? 1 : 0));
    digits(out, 0, year, 4);
    out[4] = '-';
    digits(out, 5, month, 2);
    out[7] = '-';
    digits(out, 8, day, 2);
    out[10] = 'T';
    digits(out, 11, msOfDay / 3_600_000, 2);
    out[13] = ':';
    digits(out, 14, msOfDay / 60_000 % 60, 2);
    out[16] = ':';
    digits(out, 17, msOfDay / 1000 % 60, 2);
    int ms = msOfDay % 1000;
    if (ms == 0) {
      out[19] = 'Z';
      return 20;
    }
    out[19] = '.';
    digits(out, 20, ms, 3);
    out[23] = 'Z';
    return 24;
  }

  private static void digits(char[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
