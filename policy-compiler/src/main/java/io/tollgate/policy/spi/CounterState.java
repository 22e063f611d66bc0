package io.tollgate.policy.spi;

/**
 * The counters of one contract for one consumer: lifetime total, calendar-period quota (the counts
 * of the {@value LimitSpec#QUOTA_PERIODS} latest periods) and token bucket. A plain mutable POJO so
 * that every {@link CounterStore} can keep it its own way (a map entry, Flink keyed state, a Redis
 * hash). {@link LimitSpec#tryAcquire} is the only code that moves it.
 *
 * <p>It remembers the shape of the limits it counted (quota period kind, rate unit), so that a new
 * contract version with other limits carries the counts over sensibly instead of misreading them.
 */
public final class CounterState {
  private long total;
  private QuotaKind quotaKind = QuotaKind.NONE;
  private long[] quotaPeriods; // Long.MIN_VALUE marks an empty slot; null until first use
  private long[] quotaCounts;
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

  /** The kind of calendar period counted ({@link QuotaKind#NONE} before the first quota call). */
  public QuotaKind getQuotaKind() {
    return quotaKind;
  }

  public void setQuotaKind(QuotaKind quotaKind) {
    this.quotaKind = quotaKind;
  }

  /** The calendar periods counted (local epoch days or months), MIN_VALUE for an empty slot. */
  public long[] getQuotaPeriods() {
    return quotaPeriods;
  }

  public void setQuotaPeriods(long[] quotaPeriods) {
    this.quotaPeriods = quotaPeriods;
  }

  /** Calls permitted in each period of {@link #getQuotaPeriods()}. */
  public long[] getQuotaCounts() {
    return quotaCounts;
  }

  public void setQuotaCounts(long[] quotaCounts) {
    this.quotaCounts = quotaCounts;
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
    return "CounterState{total="
        + total
        + ", quotaKind="
        + quotaKind
        + ", quotaPeriods="
        + java.util.Arrays.toString(quotaPeriods)
        + ", quotaCounts="
        + java.util.Arrays.toString(quotaCounts)
        + ", bucketStarted="
        + bucketStarted
        + ", rateUnitMillis="
        + rateUnitMillis
        + ", tokens="
        + tokens
        + ", refilledAt="
        + refilledAt
        + "}";
  }
}
