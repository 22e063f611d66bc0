package io.tollgate.policy.spi;

import io.tollgate.policy.Reason;
import io.tollgate.policy.internal.LocalClock;
import io.tollgate.policy.model.Quota;
import io.tollgate.policy.model.Rate;
import java.time.ZoneId;

/**
 * The stateful limits of one compiled contract: what a {@link CounterStore} applies to its {@link
 * CounterState}. All arithmetic is exact integer arithmetic on event time, so every store and a
 * replay decide the same.
 *
 * <ul>
 *   <li><b>total</b>: at most N permitted calls in the contract's lifetime (reason {@code total}).
 *   <li><b>quota</b>: at most N permitted calls per calendar day or month in the contract's zone
 *       (reason {@code quota}). A call counts in its own period. Counts are kept for the {@value
 *       #QUOTA_PERIODS} latest periods that had permitted calls; a call older than all of them
 *       (when all are in use) is refused with {@code quota}, since its count is no longer known.
 *       State stays bounded, late calls within the kept periods count where they belong, and one
 *       call far in the future costs one slot, not the quota of every later period.
 *   <li><b>rate</b>: a token bucket of capacity N, refilled continuously at N per unit, full at the
 *       first call (reason {@code rate}, outcome THROTTLE). Tokens are kept scaled by the unit in
 *       milliseconds: capacity {@code N * unit}, refill {@code N} per elapsed millisecond, cost
 *       {@code unit} per call. A call earlier than the last refill refills nothing. When a new
 *       contract version changes the rate, the whole tokens left carry over, capped at the new
 *       capacity.
 * </ul>
 */
public final class LimitSpec {
  /** How many calendar periods a quota keeps counts for. */
  public static final int QUOTA_PERIODS = 4;

  private final long total;
  private final long quota;
  private final boolean quotaMonthly;
  private final LocalClock clock;
  private final long ratePermits;
  private final long rateUnitMillis;
  private final long capacity;

  /**
   * @param total lifetime limit, or -1 for none
   * @param quota calendar limit, or null
   * @param rate rate, or null
   * @param zone the contract's zone, for calendar periods (may be null when there is no quota)
   */
  public LimitSpec(long total, Quota quota, Rate rate, ZoneId zone) {
    this(
        total,
        quota == null ? -1 : quota.permits(),
        quota != null && quota.period() == Quota.Period.MONTH,
        zone == null ? null : LocalClock.of(zone),
        rate == null ? -1 : rate.permits(),
        rate == null ? 0 : rate.unitMillis());
  }

  private LimitSpec(
      long total,
      long quota,
      boolean quotaMonthly,
      LocalClock clock,
      long ratePermits,
      long rateUnitMillis) {
    this.total = total;
    this.quota = quota;
    this.quotaMonthly = quotaMonthly;
    this.clock = clock;
    this.ratePermits = ratePermits;
    this.rateUnitMillis = rateUnitMillis;
    this.capacity = ratePermits < 0 ? 0 : Math.multiplyExact(ratePermits, rateUnitMillis);
  }

  public boolean hasTotal() {
    return total >= 0;
  }

  public boolean hasQuota() {
    return quota >= 0;
  }

  public boolean hasRate() {
    return ratePermits >= 0;
  }

  public long total() {
    return total;
  }

  public long quota() {
    return quota;
  }

  public long ratePermits() {
    return ratePermits;
  }

  public long rateUnitMillis() {
    return rateUnitMillis;
  }

  /** True when the quota counts calendar months, false for days. */
  public boolean quotaMonthly() {
    return quotaMonthly;
  }

  /** Tokens a full bucket holds, scaled by the rate's unit in milliseconds. */
  public long capacity() {
    return capacity;
  }

  /**
   * This spec's share for one of {@code parts} enforcement points that each enforce it alone (a
   * gateway replica cut off from the shared store): every limit divided, rounded down, at least 1.
   */
  public LimitSpec share(int parts) {
    if (parts <= 1) {
      return this;
    }
    return new LimitSpec(
        total < 0 ? -1 : Math.max(1, total / parts),
        quota < 0
            ? null
            : new Quota(
                Math.max(1, quota / parts), quotaMonthly ? Quota.Period.MONTH : Quota.Period.DAY),
        ratePermits < 0 ? null : new Rate(Math.max(1, ratePermits / parts), rateUnitMillis),
        clock == null ? null : clock.zone());
  }

  /**
   * Part {@code index} of {@code parts} exact parts of this spec, for counters split over {@code
   * parts} shards that each see a share of the calls: every limit divided, the remainder going one
   * each to the first parts, so that the parts of each limit sum to the limit exactly. A part may
   * be 0 (a limit smaller than {@code parts}): that shard refuses every call. Together the shards
   * never permit more than this spec would: a rate's buckets hold and refill at most its capacity
   * and rate, a quota's or total's parts at most its count. One exception: when a new version
   * lowers a total or quota, a shard that had used more than its new part gives nothing back, so
   * the shards may exceed the new limit by what the busiest shards used beyond their new parts.
   */
  public LimitSpec part(int index, int parts) {
    if (parts < 1 || index < 0 || index >= parts) {
      throw new IllegalArgumentException("part " + index + " of " + parts);
    }
    if (parts == 1) {
      return this;
    }
    return new LimitSpec(
        partOf(total, index, parts),
        partOf(quota, index, parts),
        quotaMonthly,
        clock,
        partOf(ratePermits, index, parts),
        rateUnitMillis);
  }

  private static long partOf(long limit, int index, int parts) {
    return limit < 0 ? -1 : limit / parts + (index < limit % parts ? 1 : 0);
  }

  /** The calendar period (local epoch day or month) of an event time. */
  public long quotaPeriod(long tsMillis) {
    return quotaMonthly ? clock.epochMonth(tsMillis) : clock.epochDay(tsMillis);
  }

  /**
   * If every limit has room at {@code tsMillis}, consumes one call from each and returns 0;
   * otherwise changes nothing and returns the mask of exhausted limits ({@link Reason#TOTAL},
   * {@link Reason#QUOTA}, {@link Reason#RATE}). Allocation-free.
   */
  public int tryAcquire(CounterState s, long tsMillis) {
    int failed = 0;
    if (total >= 0 && s.getTotal() >= total) {
      failed |= Reason.TOTAL.bit();
    }

    QuotaKind quotaKind = quotaMonthly ? QuotaKind.MONTH : QuotaKind.DAY;
    long period = 0;
    int slot = -1;
    boolean freshSlot = false;
    boolean reset = false;
    if (quota >= 0) {
      period = quotaPeriod(tsMillis);
      long[] periods = s.getQuotaPeriods();
      reset = periods == null || s.getQuotaKind() != quotaKind; // first use, or another period kind
      if (reset) {
        slot = 0;
        freshSlot = true;
      } else {
        int empty = -1;
        int oldest = -1;
        for (int i = 0; i < periods.length; i++) {
          long p = periods[i];
          if (p == period) {
            slot = i;
          } else if (p == Long.MIN_VALUE) {
            empty = empty < 0 ? i : empty;
          } else if (oldest < 0 || p < periods[oldest]) {
            oldest = i;
          }
        }
        if (slot < 0 && empty >= 0) {
          slot = empty;
          freshSlot = true;
        } else if (slot < 0 && period > periods[oldest]) {
          slot = oldest; // the oldest period kept makes room
          freshSlot = true;
        }
      }
      if (slot < 0) {
        failed |= Reason.QUOTA.bit(); // older than every period kept: its count is unknown
      } else if ((freshSlot ? 0 : s.getQuotaCounts()[slot]) >= quota) { // a part may be 0
        failed |= Reason.QUOTA.bit();
      }
    }

    long tokens = 0;
    long refilledAt = 0;
    if (ratePermits >= 0) {
      if (!s.isBucketStarted()) {
        tokens = capacity;
        refilledAt = tsMillis;
      } else {
        tokens = s.getTokens();
        refilledAt = s.getRefilledAt();
        long unit = s.getRateUnitMillis();
        if (unit > 0 && unit != rateUnitMillis) {
          tokens = tokens / unit * rateUnitMillis; // whole tokens carry over to the new unit
        }
        tokens = Math.min(tokens, capacity); // a new version may have a smaller bucket
        long elapsed = tsMillis - refilledAt;
        if (elapsed > 0) {
          tokens =
              elapsed >= rateUnitMillis
                  ? capacity
                  : Math.min(capacity, tokens + elapsed * ratePermits);
          refilledAt = tsMillis;
        }
      }
      if (tokens < rateUnitMillis) {
        failed |= Reason.RATE.bit();
      }
    }
    if (failed != 0) {
      return failed;
    }
    if (total >= 0) {
      s.setTotal(s.getTotal() + 1);
    }
    if (quota >= 0) {
      if (reset) {
        if (s.getQuotaPeriods() == null) {
          s.setQuotaPeriods(new long[QUOTA_PERIODS]);
          s.setQuotaCounts(new long[QUOTA_PERIODS]);
        }
        java.util.Arrays.fill(s.getQuotaPeriods(), Long.MIN_VALUE);
        java.util.Arrays.fill(s.getQuotaCounts(), 0);
        s.setQuotaKind(quotaKind);
      }
      s.getQuotaPeriods()[slot] = period;
      s.getQuotaCounts()[slot] = freshSlot ? 1 : s.getQuotaCounts()[slot] + 1;
    }
    if (ratePermits >= 0) {
      s.setBucketStarted(true);
      s.setRateUnitMillis(rateUnitMillis);
      s.setTokens(tokens - rateUnitMillis);
      s.setRefilledAt(refilledAt);
    }
    return 0;
  }

  @Override
  public String toString() {
    return "LimitSpec{total="
        + total
        + ", quota="
        + quota
        + (quotaMonthly ? "/month" : "/day")
        + ", rate="
        + ratePermits
        + "/"
        + rateUnitMillis
        + "ms}";
  }
}
