package io.tollgate.policy.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.Reason;
import io.tollgate.policy.model.Quota;
import io.tollgate.policy.model.Rate;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class LimitSpecTest {
  private static final ZoneId UTC = ZoneOffset.UTC;
  private static final long T0 = Instant.parse("2026-03-02T10:00:00Z").toEpochMilli();
  private static final long DAY = 86_400_000L;

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
    assertThat(spec.tryAcquire(s, T0))
        .as("throttled: total must not move")
        .isEqualTo(Reason.RATE.bit());
    assertThat(s.getTotal()).isEqualTo(1);
    assertThat(spec.tryAcquire(s, T0 + 1000)).isZero();
    assertThat(spec.tryAcquire(s, T0 + 5000)).isEqualTo(Reason.TOTAL.bit());
  }

  @Test
  void everyExhaustedLimitIsReported() {
    LimitSpec spec = new LimitSpec(1, new Quota(1, Quota.Period.DAY), new Rate(1, 60_000), UTC);
    CounterState s = new CounterState();
    assertThat(spec.tryAcquire(s, T0)).isZero();
    assertThat(spec.tryAcquire(s, T0 + 1))
        .isEqualTo(Reason.TOTAL.bit() | Reason.QUOTA.bit() | Reason.RATE.bit());
  }

  @Test
  void dailyQuotaResetsAtLocalMidnightOfTheContractZone() {
    ZoneId shanghai = ZoneId.of("Asia/Shanghai");
    LimitSpec spec = new LimitSpec(-1, new Quota(2, Quota.Period.DAY), null, shanghai);
    CounterState s = new CounterState();
    long lateEvening = Instant.parse("2026-03-02T15:59:00Z").toEpochMilli(); // 23:59 in Shanghai
    assertThat(spec.tryAcquire(s, lateEvening)).isZero();
    assertThat(spec.tryAcquire(s, lateEvening)).isZero();
    assertThat(spec.tryAcquire(s, lateEvening + 59_999)).isEqualTo(Reason.QUOTA.bit());
    assertThat(spec.tryAcquire(s, lateEvening + 60_000)).as("00:00 next day, Shanghai").isZero();
    assertThat(spec.tryAcquire(s, lateEvening - 3_600_000))
        .as("a late call counts in its own day, which is full")
        .isEqualTo(Reason.QUOTA.bit());
    assertThat(spec.tryAcquire(s, lateEvening + 120_000))
        .as("the new day has room for one more")
        .isZero();
    assertThat(spec.tryAcquire(s, lateEvening + 180_000)).isEqualTo(Reason.QUOTA.bit());
  }

  @Test
  void aLateCallWithRoomInItsOwnDayIsPermittedThere() {
    LimitSpec spec = new LimitSpec(-1, new Quota(1, Quota.Period.DAY), null, UTC);
    CounterState s = new CounterState();
    long day2 = Instant.parse("2026-03-02T00:00:10Z").toEpochMilli();
    assertThat(spec.tryAcquire(s, day2)).isZero();
    assertThat(spec.tryAcquire(s, day2 - 20_000))
        .as("23:59:50 the day before: its day is empty")
        .isZero();
    assertThat(spec.tryAcquire(s, day2 - 15_000)).isEqualTo(Reason.QUOTA.bit());
    assertThat(spec.tryAcquire(s, day2 + 5_000)).isEqualTo(Reason.QUOTA.bit());
  }

  /** A late call never pushes its own day over the quota, whatever happened since. */
  @Test
  void lateCallsAreCountedInTheirOwnDayEvenAfterAGap() {
    LimitSpec spec = new LimitSpec(-1, new Quota(2, Quota.Period.DAY), null, UTC);
    CounterState s = new CounterState();
    long march1 = Instant.parse("2026-03-01T10:00:00Z").toEpochMilli();
    long march2 = march1 + DAY;
    long march3 = march1 + 2 * DAY;
    assertThat(spec.tryAcquire(s, march1)).isZero();
    assertThat(spec.tryAcquire(s, march1)).isZero();
    assertThat(spec.tryAcquire(s, march1)).isEqualTo(Reason.QUOTA.bit());
    assertThat(spec.tryAcquire(s, march3)).isZero();
    assertThat(spec.tryAcquire(s, march1 + 1))
        .as("March 1 is still full")
        .isEqualTo(Reason.QUOTA.bit());
    assertThat(spec.tryAcquire(s, march2)).as("March 2 has its own count").isZero();
    assertThat(spec.tryAcquire(s, march2)).isZero();
    assertThat(spec.tryAcquire(s, march2)).isEqualTo(Reason.QUOTA.bit());
    assertThat(spec.tryAcquire(s, march1 + 2)).isEqualTo(Reason.QUOTA.bit());
  }

  @Test
  void aCallFarInTheFutureCostsOneSlotNotTheQuotaOfLaterDays() {
    LimitSpec spec = new LimitSpec(-1, new Quota(2, Quota.Period.DAY), null, UTC);
    CounterState s = new CounterState();
    long today = Instant.parse("2026-03-01T10:00:00Z").toEpochMilli();
    assertThat(spec.tryAcquire(s, Instant.parse("2199-01-01T00:00:00Z").toEpochMilli())).isZero();
    for (int day = 0; day < 30; day++) {
      assertThat(spec.tryAcquire(s, today + day * DAY)).as("day %d", day).isZero();
      assertThat(spec.tryAcquire(s, today + day * DAY + 1)).isZero();
      assertThat(spec.tryAcquire(s, today + day * DAY + 2)).isEqualTo(Reason.QUOTA.bit());
    }
  }

  @Test
  void aCallOlderThanEveryPeriodKeptIsRefused() {
    LimitSpec spec = new LimitSpec(-1, new Quota(5, Quota.Period.DAY), null, UTC);
    CounterState s = new CounterState();
    long t = Instant.parse("2026-03-10T10:00:00Z").toEpochMilli();
    for (int i = 0; i < LimitSpec.QUOTA_PERIODS; i++) {
      assertThat(spec.tryAcquire(s, t + i * DAY)).isZero();
    }
    assertThat(spec.tryAcquire(s, t - DAY))
        .as("its count is unknown")
        .isEqualTo(Reason.QUOTA.bit());
    assertThat(spec.tryAcquire(s, t + 10 * DAY)).as("a newer day evicts the oldest").isZero();
    assertThat(spec.tryAcquire(s, t)).as("the evicted day is gone").isEqualTo(Reason.QUOTA.bit());
    assertThat(spec.tryAcquire(s, t + DAY)).as("kept days still count").isZero();
  }

  @Test
  void aNewVersionWithAnotherRateUnitCarriesWholeTokensOver() {
    CounterState s = new CounterState();
    LimitSpec hourly = new LimitSpec(-1, null, new Rate(100, 3_600_000), UTC);
    for (int i = 0; i < 10; i++) {
      assertThat(hourly.tryAcquire(s, T0)).isZero();
    }
    LimitSpec perSecond = new LimitSpec(-1, null, new Rate(1, 1000), UTC);
    assertThat(perSecond.tryAcquire(s, T0))
        .as("90 tokens left, capped at the new capacity of 1")
        .isZero();
    for (int i = 0; i < 100; i++) {
      assertThat(perSecond.tryAcquire(s, T0)).isEqualTo(Reason.RATE.bit());
    }
    assertThat(perSecond.tryAcquire(s, T0 + 1000)).isZero();
  }

  @Test
  void aNewVersionCountingOtherPeriodsStartsAfresh() {
    CounterState s = new CounterState();
    LimitSpec monthly = new LimitSpec(-1, new Quota(1, Quota.Period.MONTH), null, UTC);
    assertThat(monthly.tryAcquire(s, T0)).isZero();
    LimitSpec daily = new LimitSpec(-1, new Quota(2, Quota.Period.DAY), null, UTC);
    assertThat(daily.tryAcquire(s, T0)).isZero();
    assertThat(daily.tryAcquire(s, T0)).isZero();
    assertThat(daily.tryAcquire(s, T0)).isEqualTo(Reason.QUOTA.bit());
    assertThat(daily.tryAcquire(s, T0 + 86_400_000L)).as("the next day").isZero();
    assertThat(daily.tryAcquire(s, T0 + 2 * 86_400_000L)).as("and the one after").isZero();
  }

  @Test
  void monthlyQuotaResetsOnTheFirst() {
    LimitSpec spec = new LimitSpec(-1, new Quota(1, Quota.Period.MONTH), null, UTC);
    CounterState s = new CounterState();
    assertThat(spec.tryAcquire(s, Instant.parse("2026-01-31T23:00:00Z").toEpochMilli())).isZero();
    assertThat(spec.tryAcquire(s, Instant.parse("2026-01-31T23:59:59Z").toEpochMilli()))
        .isEqualTo(Reason.QUOTA.bit());
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

  @Test
  void partsOfEveryLimitSumToTheLimitExactly() {
    for (int parts = 1; parts <= 9; parts++) {
      for (long limit : new long[] {1, 2, 7, 8, 100, 1001, 86_399}) {
        LimitSpec spec =
            new LimitSpec(
                limit, new Quota(limit + 3, Quota.Period.MONTH), new Rate(limit + 5, 60_000), UTC);
        long total = 0;
        long quota = 0;
        long rate = 0;
        long capacity = 0;
        for (int i = 0; i < parts; i++) {
          LimitSpec p = spec.part(i, parts);
          assertThat(p.total()).isBetween(limit / parts, limit / parts + 1);
          total += p.total();
          quota += p.quota();
          rate += p.ratePermits();
          capacity += p.capacity();
          assertThat(p.rateUnitMillis()).isEqualTo(60_000);
          assertThat(p.quotaMonthly()).isTrue();
        }
        assertThat(total).as("%d in %d parts", limit, parts).isEqualTo(limit);
        assertThat(quota).isEqualTo(limit + 3);
        assertThat(rate).isEqualTo(limit + 5);
        assertThat(capacity).isEqualTo(spec.capacity());
      }
    }
    LimitSpec spec = new LimitSpec(5, null, null, UTC);
    assertThat(spec.part(0, 1)).isSameAs(spec);
    assertThat(spec.part(3, 4).hasRate()).isFalse();
    assertThat(spec.part(3, 4).hasQuota()).isFalse();
  }

  @Test
  void aPartOfZeroRefusesEveryCall() {
    LimitSpec spec =
        new LimitSpec(2, new Quota(2, Quota.Period.DAY), new Rate(2, 1000), UTC).part(3, 4);
    assertThat(spec.total()).isZero();
    assertThat(spec.tryAcquire(new CounterState(), T0))
        .isEqualTo(Reason.TOTAL.bit() | Reason.QUOTA.bit() | Reason.RATE.bit());
    LimitSpec quotaOnly = new LimitSpec(-1, new Quota(1, Quota.Period.DAY), null, UTC).part(1, 2);
    assertThat(quotaOnly.tryAcquire(new CounterState(), T0))
        .as("a fresh period of a zero quota")
        .isEqualTo(Reason.QUOTA.bit());
  }

  @Test
  void shardsTogetherNeverPermitMoreThanTheWholeSpec() {
    LimitSpec spec = new LimitSpec(-1, new Quota(500, Quota.Period.DAY), new Rate(40, 1000), UTC);
    int parts = 3;
    CounterState whole = new CounterState();
    CounterState[] shard = new CounterState[parts];
    for (int i = 0; i < parts; i++) {
      shard[i] = new CounterState();
    }
    java.util.Random rnd = new java.util.Random(11);
    long wholePermits = 0;
    long shardPermits = 0;
    long[] perSecond = new long[200];
    for (int c = 0; c < 60_000; c++) {
      long ts = T0 + c * 3L; // 333 calls/s of event time against 40/s
      wholePermits += spec.tryAcquire(whole, ts) == 0 ? 1 : 0;
      int i = rnd.nextInt(parts);
      if (spec.part(i, parts).tryAcquire(shard[i], ts) == 0) {
        shardPermits++;
        perSecond[(int) ((ts - T0) / 1000)]++;
      }
    }
    assertThat(shardPermits).isEqualTo(wholePermits).isEqualTo(500);
    for (int sec = 1; sec < perSecond.length; sec++) {
      assertThat(perSecond[sec]).as("second %d", sec).isLessThanOrEqualTo(40);
    }
  }
}
