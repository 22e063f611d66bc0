package io.tollgate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.internal.LocalClock;
import io.tollgate.policy.model.Quota;
import io.tollgate.policy.model.Rate;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class LimitSpecTest {
  private static final LocalClock UTC = LocalClock.of(ZoneOffset.UTC);
  private static final long T0 = Instant.parse("2026-03-02T10:00:00Z").toEpochMilli();

  @Test
  void tokenBucketStartsFullAndRefillsContinuously() {
    LimitSpec spec = new LimitSpec(-1, null, new Rate(2, 1000), UTC);
    CounterState s = new CounterState();
    assertThat(spec.tryAcquire(s, T0)).isZero();
    assertThat(spec.tryAcquire(s, T0)).isZero();
    assertThat(spec.tryAcquire(s, T0)).isEqualTo(Reason.RATE.bit());
    assertThat(spec.tryAcquire(s, T0 + 499)).as("0.998 tokens").isEqualTo(Reason.RATE.bit());
    assertThat(spec.tryAcquire(s, T0 + 500)).as("exactly one token after 500 ms at 2/s").isZero();
    assertThat(spec.tryAcquire(s, T0 + 500)).isEqualTo(Reason.RATE.bit());
    assertThat(spec.tryAcquire(s, T0 + 60_000)).as("refill caps at capacity").isZero();
    assertThat(spec.tryAcquire(s, T0 + 60_000)).isZero();
    assertThat(spec.tryAcquire(s, T0 + 60_000)).isEqualTo(Reason.RATE.bit());
  }

  @Test
  void aLateCallRefillsNothingAndDoesNotMoveTheClockBack() {
    LimitSpec spec = new LimitSpec(-1, null, new Rate(1, 1000), UTC);
    CounterState s = new CounterState();
    assertThat(spec.tryAcquire(s, T0)).isZero();
    assertThat(spec.tryAcquire(s, T0 - 5000)).isEqualTo(Reason.RATE.bit());
    assertThat(spec.tryAcquire(s, T0 + 1000)).isZero();
    assertThat(s.getRefilledAt()).isEqualTo(T0 + 1000);
  }

  @Test
  void totalCountsOnlyPermittedCalls() {
    LimitSpec spec = new LimitSpec(2, null, new Rate(1, 1000), UTC);
    CounterState s = new CounterState();
    assertThat(spec.tryAcquire(s, T0)).isZero();
    assertThat(spec.tryAcquire(s, T0)).as("throttled: total must not move").isEqualTo(Reason.RATE.bit());
    assertThat(s.getTotal()).isEqualTo(1);
    assertThat(spec.tryAcquire(s, T0 + 1000)).isZero();
    assertThat(spec.tryAcquire(s, T0 + 5000)).isEqualTo(Reason.TOTAL.bit());
  }

  @Test
  void everyExhaustedLimitIsReported() {
    LimitSpec spec = new LimitSpec(1, new Quota(1, Quota.Period.DAY), new Rate(1, 60_000), UTC);
    CounterState s = new CounterState();
    assertThat(spec.tryAcquire(s, T0)).isZero();
    assertThat(spec.tryAcquire(s, T0 + 1)).isEqualTo(Reason.TOTAL.bit() | Reason.QUOTA.bit() | Reason.RATE.bit());
  }

  @Test
  void dailyQuotaResetsAtLocalMidnightOfTheContractZone() {
    LocalClock shanghai = LocalClock.of(ZoneId.of("Asia/Shanghai"));
    LimitSpec spec = new LimitSpec(-1, new Quota(2, Quota.Period.DAY), null, shanghai);
    CounterState s = new CounterState();
    long lateEvening = Instant.parse("2026-03-02T15:59:00Z").toEpochMilli(); // 23:59 in Shanghai
    assertThat(spec.tryAcquire(s, lateEvening)).isZero();
    assertThat(spec.tryAcquire(s, lateEvening)).isZero();
    assertThat(spec.tryAcquire(s, lateEvening + 59_999)).isEqualTo(Reason.QUOTA.bit());
    assertThat(spec.tryAcquire(s, lateEvening + 60_000)).as("00:00 next day, Shanghai").isZero();
    assertThat(spec.tryAcquire(s, lateEvening - 3_600_000))
        .as("a late call from the previous day counts against the current day").isZero();
    assertThat(spec.tryAcquire(s, lateEvening + 120_000)).isEqualTo(Reason.QUOTA.bit());
  }

  @Test
  void monthlyQuotaResetsOnTheFirst() {
    LimitSpec spec = new LimitSpec(-1, new Quota(1, Quota.Period.MONTH), null, UTC);
    CounterState s = new CounterState();
    assertThat(spec.tryAcquire(s, Instant.parse("2026-01-31T23:00:00Z").toEpochMilli())).isZero();
    assertThat(spec.tryAcquire(s, Instant.parse("2026-01-31T23:59:59Z").toEpochMilli())).isEqualTo(Reason.QUOTA.bit());
    assertThat(spec.tryAcquire(s, Instant.parse("2026-02-01T00:00:00Z").toEpochMilli())).isZero();
  }

  @Test
  void hourlyRateOfAMillionIsExact() {
    LimitSpec spec = new LimitSpec(-1, null, new Rate(1_000_000_000L, 3_600_000), UTC);
    CounterState s = new CounterState();
    for (int i = 0; i < 1000; i++) {
      assertThat(spec.tryAcquire(s, T0)).isZero();
    }
    assertThat(s.getTokens()).isEqualTo((1_000_000_000L - 1000) * 3_600_000L);
  }
}
