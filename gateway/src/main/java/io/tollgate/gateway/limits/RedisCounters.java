package io.tollgate.gateway.limits;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.tollgate.policy.Reason;
import io.tollgate.policy.spi.LimitSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The counters of limits shared by gateway replicas, in Redis (Lettuce). One Lua script takes up to
 * {@code n} calls atomically with exactly {@link LimitSpec#tryAcquire}'s semantics, so a key's
 * counters are the same whichever replica takes from them; another gives back reserved calls that
 * were not spent. Keys are {@code tollgate:limits:<counter key>} hashes that never expire (a total
 * or a quota must outlive any replica). Thread-safe (one multiplexed connection).
 */
public final class RedisCounters implements AutoCloseable {
  private static final String PREFIX = "tollgate:limits:";
  private static final String TOTAL = Integer.toString(Reason.TOTAL.bit());
  private static final String QUOTA = Integer.toString(Reason.QUOTA.bit());
  private static final String RATE = Integer.toString(Reason.RATE.bit());

  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> redis;
  private final String acquire;
  private final String release;
  private final String namespace;

  /**
   * @param uri redis://host:port
   * @param timeout a command's timeout: past it the caller falls back (a replica never waits long)
   * @param namespace prefixes every key (tests use their own)
   */
  public RedisCounters(String uri, Duration timeout, String namespace) {
    RedisURI u = RedisURI.create(uri);
    u.setTimeout(timeout);
    client = RedisClient.create(u);
    connection = client.connect();
    redis = connection.sync();
    acquire = redis.scriptLoad(script("acquire.lua"));
    release = redis.scriptLoad(script("release.lua"));
    this.namespace = PREFIX + namespace + ":";
  }

  private static String script(String name) {
    try (InputStream in = RedisCounters.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What one acquisition got: calls granted, and the mask of the limits that stopped it. */
  public record Grant(int granted, int failed) {}

  /** Takes up to {@code n} calls for {@code key} at event time {@code ts}. */
  public Grant acquire(String key, LimitSpec spec, long ts, int n) {
    long period = spec.hasQuota() ? spec.quotaPeriod(ts) : 0;
    List<Long> r =
        redis.evalsha(
            acquire,
            ScriptOutputType.MULTI,
            new String[] {namespace + key},
            Long.toString(spec.hasTotal() ? spec.total() : -1),
            Long.toString(spec.hasQuota() ? spec.quota() : -1),
            spec.quotaMonthly() ? "MONTH" : "DAY",
            Long.toString(period),
            Long.toString(spec.hasRate() ? spec.ratePermits() : -1),
            Long.toString(spec.rateUnitMillis()),
            Long.toString(spec.capacity()),
            Long.toString(ts),
            Integer.toString(n),
            TOTAL,
            QUOTA,
            RATE);
    return new Grant(r.get(0).intValue(), r.get(1).intValue());
  }

  /**
   * Gives back {@code total} reserved lifetime calls and {@code quota} of period {@code period}.
   */
  public void release(String key, long total, long quota, long period) {
    redis.evalsha(
        release,
        ScriptOutputType.INTEGER,
        new String[] {namespace + key},
        Long.toString(total),
        Long.toString(quota),
        Long.toString(period));
  }

  /** Removes every key of this namespace (tests). */
  public void clear() {
    List<String> keys = redis.keys(namespace + "*");
    if (!keys.isEmpty()) {
      redis.del(keys.toArray(String[]::new));
    }
  }

  public boolean ping() {
    return "PONG".equals(redis.ping());
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
