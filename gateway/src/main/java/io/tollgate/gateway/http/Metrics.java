package io.tollgate.gateway.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.policy.Outcome;
import io.tollgate.policy.Reason;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The gateway's meters (Micrometer, scraped in Prometheus format from the admin port). Meters are
 * created up front so that the request path only increments.
 */
public final class Metrics {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<Outcome, Counter> decisions = new EnumMap<>(Outcome.class);
  private final Map<Reason, Counter> reasons = new EnumMap<>(Reason.class);
  private final Map<String, Counter> refusals = new ConcurrentHashMap<>();
  private final Counter[] statuses = new Counter[6];
  final Timer latency;
  final Timer upstream;
  final Counter upstreamErrors;
  final Counter feedbackRefused;
  final Counter failedOpen;

  public Metrics() {
    for (Outcome o : Outcome.values()) {
      decisions.put(
          o,
          Counter.builder("tollgate.gateway.decisions")
              .tag("outcome", o.name())
              .register(registry));
    }
    for (Reason r : Reason.values()) {
      reasons.put(
          r,
          Counter.builder("tollgate.gateway.refusal.reasons")
              .tag("reason", r.code())
              .register(registry));
    }
    for (int i = 1; i <= 5; i++) {
      statuses[i] =
          Counter.builder("tollgate.gateway.responses").tag("status", i + "xx").register(registry);
    }
    latency =
        Timer.builder("tollgate.gateway.request.duration")
            .description("time from a complete request to the end of its response")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(0).plusNanos(50_000))
            .maximumExpectedValue(Duration.ofSeconds(30))
            .register(registry);
    upstream =
        Timer.builder("tollgate.gateway.upstream.duration")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(50_000))
            .maximumExpectedValue(Duration.ofSeconds(30))
            .register(registry);
    upstreamErrors = Counter.builder("tollgate.gateway.upstream.errors").register(registry);
    feedbackRefused =
        Counter.builder("tollgate.gateway.feedback.refused")
            .description(
                "requests refused with 503 because feedback could not be kept (fail closed)")
            .register(registry);
    failedOpen =
        Counter.builder("tollgate.gateway.feedback.dropped")
            .description(
                "feedback events dropped because the spool was full and the gateway fails open")
            .register(registry);
  }

  void decision(Outcome o, int reasonMask) {
    decisions.get(o).increment();
    for (Reason r : Reason.values()) {
      if ((reasonMask & r.bit()) != 0) {
        reasons.get(r).increment();
      }
    }
  }

  void status(int status) {
    int c = status / 100;
    if (c >= 1 && c <= 5) {
      statuses[c].increment();
    }
  }

  /** Requests refused before a decision (bad request, unauthenticated, no route...). */
  void refused(String why) {
    refusals
        .computeIfAbsent(
            why, w -> Counter.builder("tollgate.gateway.refused").tag("why", w).register(registry))
        .increment();
  }

  public void gauge(String name, Supplier<Number> value) {
    Gauge.builder(name, value).register(registry);
  }

  public String scrape() {
    return registry.scrape();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }
}
