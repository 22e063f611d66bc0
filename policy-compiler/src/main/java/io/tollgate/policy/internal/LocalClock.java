package io.tollgate.policy.internal;

import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts epoch milliseconds to local time in one zone without allocating: the zone's offset
 * transitions between 1900 and 2200 are precomputed into arrays and found by binary search. Outside
 * that range it falls back to {@link ZoneRules} (which allocates).
 */
public final class LocalClock {
  private static final long FROM = -2_208_988_800L; // 1900-01-01T00:00:00Z
  private static final long UNTIL = 7_258_118_400L; // 2200-01-01T00:00:00Z

  private final ZoneId zone;
  private final long[] transitions; // epoch seconds at which offsetAfter[i] starts
  private final int[] offsetAfter;
  private final int offsetBefore;
  private final long lastTransitionMillis; // from here on the offset is lastOffset
  private final int lastOffset;

  private LocalClock(ZoneId zone) {
    this.zone = zone;
    ZoneRules rules = zone.getRules();
    if (rules.isFixedOffset()) {
      int fixedOffset = rules.getOffset(Instant.EPOCH).getTotalSeconds();
      transitions = new long[0];
      offsetAfter = new int[0];
      offsetBefore = fixedOffset;
      lastTransitionMillis = Long.MIN_VALUE;
      lastOffset = fixedOffset;
      return;
    }
    List<ZoneOffsetTransition> list = new ArrayList<>();
    Instant cursor = Instant.ofEpochSecond(FROM);
    offsetBefore = rules.getOffset(cursor).getTotalSeconds();
    ZoneOffsetTransition t;
    while ((t = rules.nextTransition(cursor)) != null && t.toEpochSecond() < UNTIL) {
      list.add(t);
      cursor = t.getInstant();
    }
    transitions = new long[list.size()];
    offsetAfter = new int[list.size()];
    for (int i = 0; i < list.size(); i++) {
      transitions[i] = list.get(i).toEpochSecond();
      offsetAfter[i] = list.get(i).getOffsetAfter().getTotalSeconds();
    }
    boolean dstFuture = rules.nextTransition(Instant.ofEpochSecond(UNTIL)) != null;
    if (!dstFuture && transitions.length > 0) {
      // no transitions after the table (zones without daylight saving today): one comparison
      lastTransitionMillis = transitions[transitions.length - 1] * 1000L;
      lastOffset = offsetAfter[transitions.length - 1];
    } else if (!dstFuture) {
      lastTransitionMillis = Long.MIN_VALUE;
      lastOffset = offsetBefore;
    } else {
      lastTransitionMillis = Long.MAX_VALUE;
      lastOffset = 0;
    }
  }

  public static LocalClock of(ZoneId zone) {
    return new LocalClock(zone);
  }

  public ZoneId zone() {
    return zone;
  }

  /** Offset from UTC in seconds at the given instant. */
  public int offsetSeconds(long epochMillis) {
    if (epochMillis >= lastTransitionMillis) {
      return lastOffset;
    }
    long sec = Math.floorDiv(epochMillis, 1000L);
    if (sec < FROM || sec >= UNTIL) {
      return zone.getRules().getOffset(Instant.ofEpochSecond(sec)).getTotalSeconds();
    }
    int lo = 0;
    int hi = transitions.length - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (transitions[mid] <= sec) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? offsetBefore : offsetAfter[found];
  }

  /** Local seconds since the local epoch (1970-01-01T00:00 local). */
  public long localSeconds(long epochMillis) {
    return Math.floorDiv(epochMillis, 1000L) + offsetSeconds(epochMillis);
  }

  /** Local epoch day. */
  public long epochDay(long epochMillis) {
    return Math.floorDiv(localSeconds(epochMillis), 86_400L);
  }

  /** Local millisecond of the day, 0 to 86,399,999. One modulo, no division. */
  public int millisOfDay(long epochMillis) {
    long local = epochMillis + offsetSeconds(epochMillis) * 1000L;
    // a remainder by a constant compiles to multiplications; floorMod only for times before 1970
    return (int) (local >= 0 ? local % 86_400_000L : Math.floorMod(local, 86_400_000L));
  }

  /** Local second of the day, 0 to 86399. */
  public int secondOfDay(long epochMillis) {
    return (int) Math.floorMod(localSeconds(epochMillis), 86_400L);
  }

  /** Local day of week, 0 = Monday ... 6 = Sunday. */
  public int dayOfWeek(long epochMillis) {
    return (int) Math.floorMod(epochDay(epochMillis) + 3, 7L); // 1970-01-01 was a Thursday
  }

  /** Local month as {@code year * 12 + (month - 1)}. */
  public long epochMonth(long epochMillis) {
    return monthOfEpochDay(epochDay(epochMillis));
  }

  /** {@code year * 12 + (month - 1)} of a proleptic Gregorian epoch day (civil-from-days). */
  static long monthOfEpochDay(long epochDay) {
    long z = epochDay + 719_468;
    long era = Math.floorDiv(z, 146_097);
    long doe = z - era * 146_097;
    long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    long year = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long month = mp < 10 ? mp + 3 : mp - 9;
    if (month <= 2) {
      year++;
    }
    return year * 12 + (month - 1);
  }
}
