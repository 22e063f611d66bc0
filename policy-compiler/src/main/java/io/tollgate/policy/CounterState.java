package io.tollgate.policy;

/**
 * The counters of one contract for one consumer: lifetime total, calendar-period quota and token
 * bucket. A plain mutable POJO so that every {@link CounterStore} can keep it its own way (a map
 * entry, Flink keyed state, a Redis hash). {@link LimitSpec#tryAcquire} is the only code that
 * moves it.
 */
public final class CounterState {
  private long total;
  private long quotaPeriod = Long.MIN_VALUE;
  private long quotaCount;
  private boolean bucketStarted;
  private long tokens;
  private long refilledAt;

  public CounterState() {}

  public long getTotal() {
    return total;
  }

  public void setTotal(long total) {
    this.total = total;
  }

  /** The calendar period the quota count belongs to (epoch day or epoch month), MIN_VALUE if none. */
  public long getQuotaPeriod() {
    return quotaPeriod;
  }

  public void setQuotaPeriod(long quotaPeriod) {
    this.quotaPeriod = quotaPeriod;
  }

  public long getQuotaCount() {
    return quotaCount;
  }

  public void setQuotaCount(long quotaCount) {
    this.quotaCount = quotaCount;
  }

  public boolean isBucketStarted() {
    return bucketStarted;
  }

  public void setBucketStarted(boolean bucketStarted) {
    this.bucketStarted = bucketStarted;
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
    return "CounterState{total=" + total + ", quotaPeriod=" + quotaPeriod + ", quotaCount="
        + quotaCount + ", bucketStarted=" + bucketStarted + ", tokens=" + tokens
        + ", refilledAt=" + refilledAt + "}";
  }
}
