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

  /** What {@link #parse} returns for a text outside its fast shape. */
  public static final long NOT_FAST = Long.MIN_VALUE;

  /**
   * Parses the usual shape of an ISO-8601 instant with offset, {@code
   * 2026-03-02T09:00:00[.fraction](Z|+08:00)}, from ASCII bytes to epoch milliseconds (the fraction
   * truncated, as {@link java.time.Instant#toEpochMilli()} does), without allocating. Any other
   * text, valid or not (lower-case letters, no seconds, a leap second, a day the month lacks, an
   * offset of 18 hours), gives {@link #NOT_FAST}: its caller then asks {@link
   * java.time.OffsetDateTime#parse}, which decides exactly as before.
   */
  public static long parse(byte[] s, int from, int len) {
    if (len < 20 || len > 35) {
      return NOT_FAST;
    }
    int year = digits(s, from, 4);
    int month = digits(s, from + 5, 2);
    int day = digits(s, from + 8, 2);
    int hour = digits(s, from + 11, 2);
    int minute = digits(s, from + 14, 2);
    int second = digits(s, from + 17, 2);
    if ((year | month | day | hour | minute | second) < 0
        || s[from + 4] != '-'
        || s[from + 7] != '-'
        || s[from + 10] != 'T'
        || s[from + 13] != ':'
        || s[from + 16] != ':') {
      return NOT_FAST;
    }
    if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) {
      return NOT_FAST;
    }
    if (hour > 23 || minute > 59 || second > 59) {
      return NOT_FAST;
    }
    int at = from + 19;
    int end = from + len;
    int millis = 0;
    if (s[at] == '.') {
      at++;
      int digits = 0;
      while (at < end && s[at] >= '0' && s[at] <= '9') {
        if (digits < 3) {
          millis = millis * 10 + (s[at] - '0');
        }
        digits++;
        at++;
      }
      if (digits == 0 || digits > 9) {
        return NOT_FAST;
      }
      for (int d = digits; d < 3; d++) {
        millis *= 10;
      }
    }
    int offsetSeconds;
    if (at == end - 1 && s[at] == 'Z') {
      offsetSeconds = 0;
    } else if (at == end - 6 && (s[at] == '+' || s[at] == '-') && s[at + 3] == ':') {
      int oh = digits(s, at + 1, 2);
      int om = digits(s, at + 4, 2);
      if (oh < 0 || om < 0 || oh > 17 || om > 59) {
        return NOT_FAST;
      }
      offsetSeconds = (oh * 3600 + om * 60) * (s[at] == '-' ? -1 : 1);
    } else {
      return NOT_FAST;
    }
    long days = daysFromCivil(year, month, day);
    long seconds = days * 86_400L + hour * 3600L + minute * 60L + second - offsetSeconds;
    return seconds * 1000L + millis;
  }

  private static int digits(byte[] s, int at, int width) {
    int v = 0;
    for (int k = at; k < at + width; k++) {
      int d = s[k] - '0';
      if (d < 0 || d > 9) {
        return -1;
      }
      v = v * 10 + d;
    }
    return v;
  }

  private static int daysIn(int year, int month) {
    switch (month) {
      case 2:
        return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
      case 4:
      case 6:
      case 9:
      case 11:
        return 30;
      default:
        return 31;
    }
  }

  /** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
  private static long daysFromCivil(int year, int month, int day) {
    long y = month <= 2 ? year - 1 : year;
    long era = Math.floorDiv(y, 400);
    long yoe = y - era * 400;
    long doy = (153L * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146_097 + doe - 719_468;
  }

  private static void digits(char[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
