package io.tollgate.gateway.limits;

import io.tollgate.policy.InMemoryCounterStore;
import io.tollgate.policy.spi.CounterStore;
import io.tollgate.policy.spi.LimitSpec;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link CounterStore} for limits shared by gateway replicas, without a Redis round trip per
 * request: a replica takes a lease of calls from {@link RedisCounters} in one atomic script and
 * spends it locally.
 *
 * <ul>
 *   <li>A lease holds at most {@code leaseCalls} calls and at most 1 % of each limit divided by the
 *       replicas, so what all replicas hold unspent stays within 1 % of the limit; a rate's lease
 *       is spent within one unit of the rate (a second for "N/s") or lapses: the calls were drawn
 *       from the bucket when it was taken, so over any window the replicas spend at most what the
 *       bucket gave plus that 1 %.
 *   <li>Quotas and totals are reserved with the lease, never overshot; when a lease ends (spent,
 *       expired, or a new calendar period) what it did not spend is given back.
 *   <li>Redis unreachable: the replica enforces its share of each limit ({@link LimitSpec#share}
 *       over {@code replicas}) in memory, says so ({@link #fallback()}), and tries Redis again
 *       every second.
 * </ul>
 *
 * In lease mode a refusal is remembered for the time one token takes to come back (a rate) or 100
 * ms of event time (a quota or total another replica may give back to), so a replica that is
 * refused does not ask Redis on every request. With {@code leaseCalls = 1} every call goes to
 * Redis: the exact store the contract test checks.
 */
public final class SharedCounterStore implements CounterStore {
  private static final Logger LOG = LoggerFactory.getLogger(SharedCounterStore.class);

  private final RedisCounters redis;
  private final int leaseCalls;
  private final int replicas;
  private final InMemoryCounterStore local = new InMemoryCounterStore();
  private final ConcurrentHashMap<String, Lease> leases = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<LimitSpec, LimitSpec> shares = new ConcurrentHashMap<>();
  private volatile long downUntil;
  private volatile boolean fallback;
  private final AtomicLong redisCalls = new AtomicLong();
  private final AtomicLong fallbackCalls = new AtomicLong();

  private static final class Lease {
    LimitSpec spec;
    long left;
    long period;
    long from;
    long until;
    int refused;
    long refusedUntil;
    long refusedPeriod;
  }

  public SharedCounterStore(RedisCounters redis, int leaseCalls, int replicas) {
    this.redis = redis;
    this.leaseCalls = Math.max(1, leaseCalls);
    this.replicas = Math.max(1, replicas);
  }

  /** True while Redis is unreachable and this replica enforces its local share. */
  public boolean fallback() {
    return fallback;
  }

  /** Scripts run on Redis so far (leases taken and given back). */
  public long redisCalls() {
    return redisCalls.get();
  }

  /** Calls decided on the local share while Redis was unreachable. */
  public long fallbackCalls() {
    return fallbackCalls.get();
  }

  @Override
  public int tryAcquire(String key, LimitSpec spec, long ts) {
    if (System.currentTimeMillis() < downUntil) {
      return onLocalShare(key, spec, ts);
    }
    Lease lease = leases.computeIfAbsent(key, k -> new Lease());
    synchronized (lease) {
      if (lease.left > 0
          && lease.spec == spec
          && ts >= lease.from
          && ts <= lease.until
          && (!spec.hasQuota() || spec.quotaPeriod(ts) == lease.period)) {
        lease.left--;
        return 0;
      }
      if (lease.refused != 0
          && lease.spec == spec
          && ts >= lease.from
          && ts < lease.refusedUntil
          && (!spec.hasQuota() || spec.quotaPeriod(ts) == lease.refusedPeriod)) {
        return lease.refused; // lease mode: a refusal stands briefly, without a round trip each
      }
      try {
        giveBack(key, lease);
        int n = leaseSize(spec);
        RedisCounters.Grant g = redis.acquire(key, spec, ts, n);
        redisCalls.incrementAndGet();
        if (fallback) {
          LOG.info("Redis is back: shared limits are enforced cluster-wide again");
          fallback = false;
        }
        if (g.granted() == 0) {
          if (leaseCalls > 1) {
            lease.spec = spec;
            lease.refused = g.failed();
            lease.from = ts;
            lease.refusedPeriod = spec.hasQuota() ? spec.quotaPeriod(ts) : 0;
            lease.refusedUntil =
                ts
                    + ((g.failed() & io.tollgate.policy.Reason.RATE.bit()) != 0
                        ? Math.max(1, spec.rateUnitMillis() / Math.max(1, spec.ratePermits()))
                        : 100);
          }
          return g.failed();
        }
        lease.refused = 0;
        lease.spec = spec;
        lease.left = g.granted() - 1;
        lease.period = spec.hasQuota() ? spec.quotaPeriod(ts) : 0;
        lease.from = ts;
        lease.until = ts + (spec.hasRate() ? spec.rateUnitMillis() : 1000);
        return 0;
      } catch (RuntimeException e) {
        if (!fallback) {
          LOG.warn(
              "Redis unreachable ({}); enforcing this replica's share of shared limits",
              e.toString());
        }
        fallback = true;
        downUntil = System.currentTimeMillis() + 1000;
        lease.left = 0;
        return onLocalShare(key, spec, ts);
      }
    }
  }

  private int onLocalShare(String key, LimitSpec spec, long ts) {
    fallbackCalls.incrementAndGet();
    return local.tryAcquire(key, shares.computeIfAbsent(spec, s -> s.share(replicas)), ts);
  }

  /**
   * At most {@code leaseCalls}, and at most 1 % of each limit shared over the replicas: all the
   * replicas together hold at most 1 % of a limit unspent.
   */
  private int leaseSize(LimitSpec spec) {
    long n = leaseCalls;
    long parts = 100L * replicas;
    if (spec.hasRate()) {
      n = Math.min(n, Math.max(1, spec.ratePermits() / parts));
    }
    if (spec.hasQuota()) {
      n = Math.min(n, Math.max(1, spec.quota() / parts));
    }
    if (spec.hasTotal()) {
      n = Math.min(n, Math.max(1, spec.total() / parts));
    }
    return (int) n;
  }

  /** Returns what a lease reserved and did not spend (quota and total; rate tokens just lapse). */
  private void giveBack(String key, Lease lease) {
    if (lease.left > 0 && lease.spec != null && (lease.spec.hasQuota() || lease.spec.hasTotal())) {
      redis.release(
          key,
          lease.spec.hasTotal() ? lease.left : 0,
          lease.spec.hasQuota() ? lease.left : 0,
          lease.period);
      redisCalls.incrementAndGet();
    }
    lease.left = 0;
  }

  /** Gives every unspent reservation back (on shutdown). */
  public void releaseAll() {
    for (var e : leases.entrySet()) {
      synchronized (e.getValue()) {
        try {
          giveBack(e.getKey(), e.getValue());
        } catch (RuntimeException ex) {
          LOG.warn("could not give back the reservation of {}: {}", e.getKey(), ex.toString());
        }
      }
    }
  }
}
