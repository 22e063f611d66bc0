package io.tollgate.dev;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The demo's ramp: no calls at the start, the full rate after it, and no jump in between. */
class DemoProducerTest {
  @Test
  void theRateRampsEvenlyToTheFullRateThenHolds() {
    DemoProducer p =
        new DemoProducer("unused:9092", 500, 10, 0).rampingOver(Duration.ofSeconds(10));
    long perSecond = 5000;
    assertThat(p.due(0, perSecond)).isZero();
    // after 10 s of a linear ramp, half of 10 s at the full rate
    assertThat(p.due(10_000_000_000L, perSecond)).isEqualTo(25_000);
    // one second at mid-ramp carries about half the full rate
    long mid = p.due(5_500_000_000L, perSecond) - p.due(4_500_000_000L, perSecond);
    assertThat(mid).isBetween(2_400L, 2_600L);
    // after the ramp, the full rate
    assertThat(p.due(12_000_000_000L, perSecond) - p.due(11_000_000_000L, perSecond))
        .isEqualTo(5000);
    long previous = -1;
    for (long t = 0; t < 15_000_000_000L; t += 7_000_000L) {
      long due = p.due(t, perSecond);
      assertThat(due).isGreaterThanOrEqualTo(previous);
      previous = due;
    }
  }

  @Test
  void withoutARampTheFullRateFromTheStart() {
    DemoProducer p = new DemoProducer("unused:9092", 500, 10, 0);
    assertThat(p.due(1_000_000_000L, 5000)).isEqualTo(5000);
  }
}
