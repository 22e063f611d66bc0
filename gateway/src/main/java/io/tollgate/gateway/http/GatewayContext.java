package io.tollgate.gateway.http;

import io.netty.util.concurrent.FastThreadLocal;
import io.tollgate.gateway.config.GatewayConfig;
import io.tollgate.gateway.contracts.ContractFollower;
import io.tollgate.gateway.feedback.FeedbackSink;
import io.tollgate.gateway.identity.Authenticator;
import io.tollgate.policy.spi.CounterStore;
import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;

/** What every connection handler of one gateway shares. */
public final class GatewayContext {
  final GatewayConfig config;
  final Router router;
  final Authenticator authenticator;
  final ContractFollower contracts;
  final CounterStore counters;
  final CounterStore sharedCounters;
  final FeedbackSink feedback;
  final Metrics metrics;
  final LongSupplier clock;
  final boolean tls;
  private final FastThreadLocal<LoopState> loops;

  public GatewayContext(
      GatewayConfig config,
      Authenticator authenticator,
      ContractFollower contracts,
      CounterStore counters,
      CounterStore sharedCounters,
      FeedbackSink feedback,
      Metrics metrics,
      LongSupplier clock) {
    this.config = config;
    this.router = new Router(config.routes());
    this.authenticator = authenticator;
    this.contracts = contracts;
    this.counters = counters;
    this.sharedCounters = sharedCounters == null ? counters : sharedCounters;
    this.feedback = feedback;
    this.metrics = metrics;
    this.clock = clock;
    this.tls = config.tls() != null;
    byte[] key = config.maskKey().getBytes(StandardCharsets.UTF_8);
    this.loops =
        new FastThreadLocal<>() {
          @Override
          protected LoopState initialValue() {
            return new LoopState(
                key,
                "gateway/" + config.id(),
                config.limits().maxDepth(),
                config.limits().maxValueBytes());
          }
        };
  }

  private final String idPrefix =
      Long.toHexString(new java.security.SecureRandom().nextLong() | Long.MIN_VALUE) + "-";
  private final java.util.concurrent.atomic.AtomicLong calls =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * A new call id: unique per request, across replicas and restarts (a random 64-bit prefix drawn
   * at start, then a counter), without a secure random draw per request.
   */
  String nextCallId() {
    return idPrefix + Long.toString(calls.incrementAndGet(), 36);
  }

  LoopState loop() {
    return loops.get();
  }

  public Metrics metrics() {
    return metrics;
  }
}
