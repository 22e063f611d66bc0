package io.tollgate.dev;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's finance-API traffic through the gateway: a bounded, steady rate of credit-report
 * queries by the demo lenders, on loopback, until stopped. At most 64 requests are in flight.
 */
public final class DemoHttpTraffic implements Runnable {
  /** One kind of request: who sends it with which key and purpose. */
  public record Caller(String apiKey, String purpose, String method) {}

  private final String base;
  private final int perSecond;
  private final List<Caller> callers;
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private final Semaphore inFlight = new Semaphore(64);
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong answered = new AtomicLong();
  private volatile boolean running = true;

  public DemoHttpTraffic(String base, int perSecond, List<Caller> callers) {
    this.base = base;
    this.perSecond = perSecond;
    this.callers = List.copyOf(callers);
  }

  public long sent() {
    return sent.get();
  }

  public long answered() {
    return answered.get();
  }

  public void stop() {
    running = false;
  }

  @Override
  public void run() {
    long interval = 1_000_000_000L / Math.max(1, perSecond);
    long next = System.nanoTime();
    String[] codes = {
      "91310115MA1K3YJ2X5", "91350100M000100Y43", "91440300MA5F0QWH8X", "91110108MA01C2XF85"
    };
    long i = 0;
    while (running) {
      long wait = next - System.nanoTime();
      if (wait > 0) {
        try {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        } catch (InterruptedException e) {
          return;
        }
      }
      next += interval;
      if (!inFlight.tryAcquire()) {
        continue; // the gateway is slower than the demo's rate: skip rather than pile up
      }
      Caller c = callers.get((int) (i % callers.size()));
      String code = codes[(int) (i++ % codes.length)];
      HttpRequest r =
          HttpRequest.newBuilder(URI.create(base + "/credit-report/" + code))
              .timeout(Duration.ofSeconds(10))
              .header("X-Api-Key", c.apiKey())
              .header("X-Tollgate-Purpose", c.purpose())
              .header("X-Tollgate-Region", "CN-SH")
              .method(c.method(), HttpRequest.BodyPublishers.noBody())
              .build();
      sent.incrementAndGet();
      client
          .sendAsync(r, HttpResponse.BodyHandlers.discarding())
          .whenComplete(
              (resp, err) -> {
                inFlight.release();
                if (err == null) {
                  answered.incrementAndGet();
                }
              });
    }
  }
}
