package io.tollgate.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.model.Quota;
import io.tollgate.policy.model.Rate;
import io.tollgate.policy.spi.CounterStore;
import io.tollgate.policy.spi.CounterStoreContractTest;
import io.tollgate.policy.spi.LimitSpec;
import java.time.Duration;
import java.time.ZoneId;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The shared store against the machine's real Redis (127.0.0.1:6379): with leases of one call it is
 * the exact store every {@link CounterStore} must be (the contract test); with leases it never
 * overshoots a quota or a total, gives back what it did not spend, and falls back to its share.
 */
class RedisCounterStoreIT {
  static RedisCounters redis;

  @BeforeAll
  static void connect() {
    redis =
        new RedisCounters(
            "redis://127.0.0.1:6379", Duration.ofSeconds(2), "it-" + UUID.randomUUID());
  }

  @AfterAll
  static void disconnect() {
    redis.clear();
    redis.close();
  }

  @Nested
  class Exact extends CounterStoreContractTest {
    @Override
    protected CounterStore newStore() {
      redis.clear();
      return new SharedCounterStore(redis, 1, 1);
    }
  }

  @Test
  void leasesNeverOvershootAQuotaAndGiveBackWhatTheyDidNotSpend() {
    redis.clear();
    LimitSpec spec =
        new LimitSpec(-1, new Quota(1000, Quota.Period.DAY), null, ZoneId.of("Asia/Shanghai"));
    SharedCounterStore a = new SharedCounterStore(redis, 100, 3);
    SharedCounterStore b = new SharedCounterStore(redis, 100, 3);
    long t = java.time.Instant.parse("2026-12-01T10:00:00Z").toEpochMilli();
    int permitted = 0;
    for (int i = 0; i < 3000; i++) {
      if ((i % 2 == 0 ? a : b).tryAcquire("q", spec, t + i) == 0) {
        permitted++;
      }
    }
    assertThat(permitted).isEqualTo(1000);
    assertThat(a.redisCalls() + b.redisCalls())
        .as("round trips, far fewer than calls")
        .isLessThan(600);

    redis.clear();
    SharedCounterStore c = new SharedCounterStore(redis, 100, 1);
    assertThat(c.tryAcquire("q", spec, t)).isZero(); // reserves 10 (1 % of 1000)
    c.releaseAll(); // gives 9 back
    SharedCounterStore d = new SharedCounterStore(redis, 1, 1);
    int more = 0;
    while (d.tryAcquire("q", spec, t) == 0) {
      more++;
    }
    assertThat(more).isEqualTo(999);
  }

  @Test
  void aRateHoldsAcrossReplicasWithLeases() {
    redis.clear();
    LimitSpec spec = new LimitSpec(-1, null, new Rate(1000, 1000), null);
    SharedCounterStore[] replicas = {
      new SharedCounterStore(redis, 100, 3),
      new SharedCounterStore(redis, 100, 3),
      new SharedCounterStore(redis, 100, 3)
    };
    long t0 = java.time.Instant.parse("2026-12-01T10:00:00Z").toEpochMilli();
    int permitted = 0;
    // 10 s of event time, 3,000 calls a second offered across three replicas
    for (int ms = 0; ms < 10_000; ms++) {
      for (int r = 0; r < 3; r++) {
        if (replicas[r].tryAcquire("r", spec, t0 + ms) == 0) {
          permitted++;
        }
      }
    }
    // a full bucket (1,000) then 1,000 a second: 11,000 at most
    assertThat(permitted).isLessThanOrEqualTo(11_000).isGreaterThan(10_000);
  }

  @Test
  void unreachableRedisFallsBackToTheLocalShare() {
    RedisCounters dead = null;
    SharedCounterStore s;
    try {
      dead =
          new RedisCounters(
              "redis://127.0.0.1:6379", Duration.ofMillis(200), "dead-" + UUID.randomUUID());
      s = new SharedCounterStore(dead, 10, 4);
      dead.close(); // the connection is gone from here on
      LimitSpec spec = new LimitSpec(100, null, null, null);
      int permitted = 0;
      for (int i = 0; i < 200; i++) {
        if (s.tryAcquire("k", spec, 0) == 0) {
          permitted++;
        }
      }
      assertThat(s.fallback()).isTrue();
      assertThat(permitted).isEqualTo(25); // a quarter of 100: four replicas share it
    } finally {
      // its namespace is its own, and nothing reached Redis after the connection closed
    }
  }

  @Test
  void aRedisDownAtStartIsNoFailureAndIsUsedOnceItAnswers() throws Exception {
    int port;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
      port = probe.getLocalPort(); // nothing listens here once it closes
    }
    try (RedisCounters late =
        new RedisCounters(
            "redis://127.0.0.1:" + port, Duration.ofMillis(200), "late-" + UUID.randomUUID())) {
      assertThat(late.connected()).isFalse();
      SharedCounterStore s = new SharedCounterStore(late, 10, 4);
      LimitSpec spec = new LimitSpec(100, null, null, null);
      assertThat(s.tryAcquire("k", spec, 0)).isZero(); // from the local share
      assertThat(s.fallback()).isTrue();

      // Redis appears on that port (a relay to the real one): the replica connects by itself
      try (Relay relay = new Relay(port, 6379)) {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!late.connected() && System.nanoTime() < until) {
          Thread.sleep(50);
        }
        assertThat(late.connected()).as("connected within 20 s of Redis answering").isTrue();
        assertThat(late.ping()).isTrue();
        RedisCounters.Grant g = late.acquire("k2", spec, 0, 3);
        assertThat(g.granted()).isEqualTo(3);
        // the store, which fell back, goes back to Redis once its back-off (1 s) has passed
        Thread.sleep(1100);
        long before = s.redisCalls();
        assertThat(s.tryAcquire("k3", spec, 0)).isZero();
        assertThat(s.fallback()).isFalse();
        assertThat(s.redisCalls()).isGreaterThan(before);
        // a Redis that forgot its scripts (restarted, it keeps nothing on disk): loaded again
        try (io.lettuce.core.RedisClient admin =
                io.lettuce.core.RedisClient.create("redis://127.0.0.1:6379");
            var c = admin.connect()) {
          c.sync().scriptFlush();
        }
        assertThat(late.acquire("k4", spec, 0, 2).granted()).isEqualTo(2);
        late.clear();
      }
    }
  }

  /** Forwards one port to another, both ways, while open. */
  static final class Relay implements AutoCloseable {
    private final java.net.ServerSocket server;
    private final java.util.List<java.net.Socket> sockets =
        java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    Relay(int port, int to) throws java.io.IOException {
      server = new java.net.ServerSocket(port, 50, java.net.InetAddress.getLoopbackAddress());
      Thread accept =
          new Thread(
              () -> {
                try {
                  while (true) {
                    java.net.Socket in = server.accept();
                    java.net.Socket out = new java.net.Socket("127.0.0.1", to);
                    sockets.add(in);
                    sockets.add(out);
                    pump(in, out);
                    pump(out, in);
                  }
                } catch (java.io.IOException e) {
                  // closed
                }
              });
      accept.setDaemon(true);
      accept.start();
    }

    private static void pump(java.net.Socket from, java.net.Socket to) {
      Thread t =
          new Thread(
              () -> {
                try {
                  from.getInputStream().transferTo(to.getOutputStream());
                } catch (java.io.IOException e) {
                  // closed
                }
              });
      t.setDaemon(true);
      t.start();
    }

    @Override
    public void close() throws java.io.IOException {
      server.close();
      synchronized (sockets) {
        for (java.net.Socket s : sockets) {
          s.close();
        }
      }
    }
  }
}
