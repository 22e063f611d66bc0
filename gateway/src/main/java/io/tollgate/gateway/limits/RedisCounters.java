package io.tollgate.gateway.limits;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

  private static final Logger LOG = LoggerFactory.getLogger(RedisCounters.class);
  private static final String ACQUIRE = script("acquire.lua");
  private static final String RELEASE = script("release.lua");

  private final RedisClient client;
  private final String target;
  private final Duration timeout;
  private final String namespace;
  private final ScheduledExecutorService connector;
  private volatile Live live;
  private boolean closed; // guarded by this

  /** A connection with its scripts loaded (Lettuce reconnects it by itself once it was made). */
  private record Live(
      StatefulRedisConnection<String, String> connection,
      RedisCommands<String, String> redis,
      String acquire,
      String release) {}

  /**
   * Connects at once if Redis answers; otherwise every second in the background, callers meanwhile
   * getting an exception at once (and falling back to their local share).
   *
   * @param uri redis://host:port
   * @param timeout a command's timeout: past it the caller falls back (a replica never waits long)
   * @param namespace prefixes every key (tests use their own)
   */
  public RedisCounters(String uri, Duration timeout, String namespace) {
    RedisURI u = RedisURI.create(uri);
    // connecting and the handshake may take longer than a command may, on a loaded machine
    u.setTimeout(Duration.ofSeconds(2));
    this.target = u.getHost() + ":" + u.getPort();
    this.timeout = timeout;
    this.namespace = PREFIX + namespace + ":";
    client = RedisClient.create(u);
    // a black-holed Redis costs a start 2 s, not Lettuce's default 10
    client.setOptions(
        ClientOptions.builder()
            .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).build())
            .build());
    connector =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tollgate-redis-connect");
              t.setDaemon(true);
              return t;
            });
    if (!connect()) {
      LOG.warn(
          "Redis at {} does not answer: shared limits use this replica's local share until it does",
          target);
      connector.scheduleWithFixedDelay(
          () -> {
            if (live == null && connect()) {
              LOG.info("Redis at {} answers: shared limits are shared again", target);
              throw new IllegalStateException("connected"); // ends the schedule
            }
          },
          1,
          1,
          TimeUnit.SECONDS);
    }
  }

  private synchronized boolean connect() {
    if (live != null) {
      return true;
    }
    if (closed) {
      return false;
    }
    StatefulRedisConnection<String, String> c = null;
    try {
      c = client.connect();
      c.setTimeout(timeout);
      RedisCommands<String, String> r = c.sync();
      live = new Live(c, r, r.scriptLoad(ACQUIRE), r.scriptLoad(RELEASE));
      return true;
    } catch (RuntimeException e) {
      LOG.debug("connecting to Redis at {} failed", target, e);
      if (c != null) {
        c.closeAsync();
      }
      return false;
    }
  }

  private Live live() {
    Live l = live;
    if (l == null) {
      throw new RedisConnectionException("not connected to Redis at " + target + " (yet)");
    }
    return l;
  }

  /** Whether a connection was made (it may since have dropped: Lettuce then reconnects it). */
  public boolean connected() {
    return live != null;
  }

  /**
   * Runs {@code call} on the connection, loading the scripts again first if Redis forgot them (a
   * restarted Redis that keeps nothing on disk).
   */
  private <T> T withScripts(java.util.function.Function<Live, T> call) {
    Live l = live();
    try {
      return call.apply(l);
    } catch (RedisNoScriptException e) {
      l.redis().scriptLoad(ACQUIRE);
      l.redis().scriptLoad(RELEASE);
      return call.apply(l);
    }
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
        withScripts(
            l ->
                l.redis()
                    .evalsha(
                        l.acquire(),
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
                        RATE));
    return new Grant(r.get(0).intValue(), r.get(1).intValue());
  }

  /**
   * Gives back {@code total} reserved lifetime calls and {@code quota} of period {@code period}.
   */
  public void release(String key, long total, long quota, long period) {
    withScripts(
        l ->
            l.redis()
                .evalsha(
                    l.release(),
                    ScriptOutputType.INTEGER,
                    new String[] {namespace + key},
                    Long.toString(total),
                    Long.toString(quota),
                    Long.toString(period)));
  }

  /** Removes every key of this namespace (tests). */
  public void clear() {
    RedisCommands<String, String> redis = live().redis();
    List<String> keys = redis.keys(namespace + "*");
    if (!keys.isEmpty()) {
      redis.del(keys.toArray(String[]::new));
    }
  }

  public boolean ping() {
    Live l = live;
    return l != null && "PONG".equals(l.redis().ping());
  }

  @Override
  public void close() {
    connector.shutdownNow();
    Live l;
    synchronized (this) { // a connect under way ends first, and none starts after
      closed = true;
      l = live;
    }
    if (l != null) {
      l.connection().close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
