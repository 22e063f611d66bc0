package io.tollgate.policy;

import io.tollgate.policy.internal.LocalClock;
import io.tollgate.policy.model.Quota;
import io.tollgate.policy.model.Rate;

/**
 * The stateful limits of one compiled contract: what a {@link CounterStore} applies to its {@link
 * CounterState}. All arithmetic is exact integer arithmetic on event time, so every store and a
 * replay decide the same.
 *
 * <ul>
 *   <li><b>total</b>: at most N permitted calls in the contract's lifetime (reason {@code total}).
 *   <li><b>quota</b>: at most N permitted calls per calendar day or month in the contract's zone
 *       (reason {@code quota}). A call counts in its own period. Two periods are kept: the latest
 *       seen and the one before it; a call later than that (older than the previous period) is
 *       charged to the previous period, so late data never grows state nor escapes the quota.
 *   <li><b>rate</b>: a token bucket of capacity N, refilled continuously at N per unit, full at the
 *       first call (reason {@code rate}, outcome THROTTLE). Tokens are kept scaled by the unit in
 *       milliseconds: capacity {@code N * unit}, refill {@code N} per elapsed millisecond, cost
 *       {@code unit} per call. A call earlier than the last refill refills nothing. When a new
 *       contract version changes the rate, the whole tokens left carry over, capped at the new
 *       capacity.
 * </ul>
 */
public final class LimitSpec {
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
   * @param clock the contract's zone, for calendar periods
   */
  public LimitSpec(long total, Quota quota, Rate rate, LocalClock clock) {
    this.total = total;
    this.quota = quota == null ? -1 : quota.permits();
    this.quotaMonthly = quota != null && quota.period() == Quota.Period.MONTH;
    this.clock = clock;
    this.ratePermits = rate == null ? -1 : rate.permits();
    this.rateUnitMillis = rate == null ? 0 : rate.unitMillis();
    this.capacity = rate == null ? 0 : Math.multiplyExact(rate.permits(), rate.unitMillis());
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

    int quotaKind = quotaMonthly ? 2 : 1;
    long latest = 0;
    long latestCount = 0;
    long previousCount = 0;
    boolean chargeLatest = true;
    if (quota >= 0) {
      latest = s.getQuotaPeriod();
      latestCount = s.getQuotaCount();
      previousCount = s.getPreviousQuotaCount();
      if (s.getQuotaKind() != quotaKind) { // first use, or a new version counts other periods
        latest = Long.MIN_VALUE;
        latestCount = 0;
        previousCount = 0;
      }
      long period = quotaPeriod(tsMillis);
      if (period > latest) {
        previousCount = latest != Long.MIN_VALUE && period == latest + 1 ? latestCount : 0;
        latest = period;
        latestCount = 0;
      } else if (period < latest) {
        chargeLatest = false; // a late call: charged to the period before the latest
      }
      if ((chargeLatest ? latestCount : previousCount) >= quota) {
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
          tokens = elapsed >= rateUnitMillis ? capacity : Math.min(capacity, tokens + elapsed * ratePermits);
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
      s.setQuotaKind(quotaKind);
      s.setQuotaPeriod(latest);
      s.setQuotaCount(chargeLatest ? latestCount + 1 : latestCount);
      s.setPreviousQuotaCount(chargeLatest ? previousCount : previousCount + 1);
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
    return "LimitSpec{total=" + total + ", quota=" + quota + (quotaMonthly ? "/month" : "/day")
        + ", rate=" + ratePermits + "/" + rateUnitMillis + "ms}";
  }
}
