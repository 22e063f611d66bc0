package io.tollgate.policy;

/**
 * The counters of one contract for one consumer: lifetime total, calendar-period quota (the
 * current period and the one before it) and token bucket. A plain mutable POJO so that every
 * {@link CounterStore} can keep it its own way (a map entry, Flink keyed state, a Redis hash).
 * {@link LimitSpec#tryAcquire} is the only code that moves it.
 *
 * <p>It remembers the shape of the limits it counted (quota period kind, rate unit), so that a new
 * contract version with other limits carries the counts over sensibly instead of misreading them.
 */
public final class CounterState {
  private long total;
  private int quotaKind; // 0 none yet, 1 day, 2 month
  private long quotaPeriod = Long.MIN_VALUE;
  private long quotaCount;
  private long previousQuotaCount;
  private boolean bucketStarted;
  private long rateUnitMillis;
  private long tokens;
  private long refilledAt;

  public CounterState() {}

  public long getTotal() {
    return total;
  }

  public void setTotal(long total) {
    this.total = total;
  }

  /** The kind of calendar period counted: 0 none yet, 1 day, 2 month. */
  public int getQuotaKind() {
    return quotaKind;
  }

  public void setQuotaKind(int quotaKind) {
    this.quotaKind = quotaKind;
  }

  /** The latest calendar period counted (local epoch day or month), MIN_VALUE if none. */
  public long getQuotaPeriod() {
    return quotaPeriod;
  }

  public void setQuotaPeriod(long quotaPeriod) {
    this.quotaPeriod = quotaPeriod;
  }

  /** Calls permitted in the latest period. */
  public long getQuotaCount() {
    return quotaCount;
  }

  public void setQuotaCount(long quotaCount) {
    this.quotaCount = quotaCount;
  }

  /** Calls permitted in the period before the latest (late calls are charged there). */
  public long getPreviousQuotaCount() {
    return previousQuotaCount;
  }

  public void setPreviousQuotaCount(long previousQuotaCount) {
    this.previousQuotaCount = previousQuotaCount;
  }

  public boolean isBucketStarted() {
    return bucketStarted;
  }

  public void setBucketStarted(boolean bucketStarted) {
    this.bucketStarted = bucketStarted;
  }

  /** The rate unit the tokens are scaled by. */
  public long getRateUnitMillis() {
    return rateUnitMillis;
  }

  public void setRateUnitMillis(long rateUnitMillis) {
    this.rateUnitMillis = rateUnitMillis;
  }

  /** Tokens in the bucket, scaled by the rate's unit in milliseconds (exact integer arithmetic). */
  public long getTokens() {
    return tokens;
  }

  public void setTokens(long tokens) {
    this.tokens = tokens;
  }

  /** Event time (epoch ms) up to which the bucket has been refilled. */
  public long getRefilledAt() {
    return refilledAt;
  }

  public void setRefilledAt(long refilledAt) {
    this.refilledAt = refilledAt;
  }

  @Override
  public String toString() {
    return "CounterState{total=" + total + ", quotaKind=" + quotaKind + ", quotaPeriod=" + quotaPeriod
        + ", quotaCount=" + quotaCount + ", previousQuotaCount=" + previousQuotaCount
        + ", bucketStarted=" + bucketStarted + ", rateUnitMillis=" + rateUnitMillis + ", tokens="
        + tokens + ", refilledAt=" + refilledAt + "}";
  }
}
