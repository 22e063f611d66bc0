package io.tollgate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The decision path allocates nothing per call. Measured with the JVM's per-thread allocation
 * counter (bytes, not time: deterministic enough for a unit test). The JMH benchmark reports the
 * same figure with {@code -prof gc}.
 */
class ZeroAllocationTest {
  private static final String CONTRACT =
      """
      contract: c
      provider: p
      consumer: acme
      dataset: ds
      actions: [read, stream]
      purposes: [risk, research]
      valid: {from: "2026-01-01T00:00:00Z", until: "2027-01-01T00:00:00Z"}
      hours: {from: "06:00", until: "23:00", zone: Asia/Shanghai}
      days: [MON, TUE, WED, THU, FRI]
      fields: {allow: [a, b, c], mask: {c: hash}}
      regions: [CN]
      geofence: [[121, 31], [122, 31], [122, 32], [121, 32]]
      channels: [kafka]
      limits: {rate: "1000000/s", quota: "100000000/day", total: 1000000000}
      """;

  @Test
  void decidingAllocatesNothing() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    PolicyEngine engine = Contracts.engine(CONTRACT);
    InMemoryCounterStore counters = new InMemoryCounterStore();
    long t0 = Instant.parse("2026-03-02T02:00:00Z").toEpochMilli();
    DataCall[] calls = {
      new DataCall()
          .id("1")
          .consumer("acme")
          .dataset("ds")
          .action(Action.READ)
          .purpose("risk")
          .fields("a", "b")
          .region("CN-SH")
          .location(31.5, 121.5)
          .channel(Channel.KAFKA),
      new DataCall()
          .id("2")
          .consumer("acme")
          .dataset("ds")
          .action(Action.READ)
          .purpose("ads")
          .region("US-CA")
          .location(40, -74)
          .channel(Channel.HTTP),
      new DataCall().id("3").consumer("stranger").dataset("ds").action(Action.READ).purpose("risk"),
    };
    Decision d = new Decision();
    int[] outcomes = new int[3];
    for (int i = 0;
        i < 50_000;
        i++) { // warm up: the first use of a key allocates its counter state
      DataCall c = calls[i % 3].ts(t0 + i);
      engine.decide(c, counters, d);
    }
    long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
    for (int i = 0; i < 200_000; i++) {
      DataCall c = calls[i % 3].ts(t0 + 50_000 + i);
      engine.decide(c, counters, d);
      outcomes[d.outcome().ordinal()]++;
    }
    long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
    assertThat(outcomes[Outcome.PERMIT.ordinal()]).isGreaterThan(60_000);
    assertThat(outcomes[Outcome.DENY.ordinal()]).isGreaterThan(130_000);
    // 200,000 decisions; a single allocation per decision would be at least 3.2 MB.
    assertThat(allocated).as("bytes allocated by 200,000 decisions").isLessThan(64 * 1024);
  }
}
