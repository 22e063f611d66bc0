package io.tollgate.loadtest.metering;

import io.tollgate.metering.Pricing;
import io.tollgate.metering.Usage;
import io.tollgate.policy.model.Price;
import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pricing engine: months priced per second, one thread, for each model, the simple per-call
 * price ({@code flat}) being the baseline; line items per second are months per second times the
 * lines of a month (printed by {@link #lines}). Three contract versions a month (a price change
 * twice), commission on every line.
 *
 * <pre>java -jar load-tests/target/benchmarks.jar PricingBenchmark</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class PricingBenchmark {
  @Param({"flat", "graduated", "volume", "package", "subscription+minimum"})
  String model;

  private List<Pricing.VersionUsage> month;

  static BigDecimal d(String s) {
    return new BigDecimal(s);
  }

  @Setup
  public void setup() {
    Price.Commission c = new Price.Commission(d("0.05"), d("0.01"), d("50"));
    Price.Tiers tiers =
        new Price.Tiers(
            Price.TierMode.GRADUATED,
            List.of(
                new Price.Tier(10_000L, d("0.01")),
                new Price.Tier(50_000L, d("0.008")),
                new Price.Tier(null, d("0.005"))));
    Price[] p = new Price[3];
    for (int i = 0; i < 3; i++) {
      BigDecimal bump = BigDecimal.valueOf(i, 4);
      p[i] =
          switch (model) {
            case "flat" ->
                new Price("CNY", "call", d("0.0028").add(bump), null, null, null, null, c);
            case "graduated" -> new Price("CNY", "call", null, tiers, null, null, null, c);
            case "volume" ->
                new Price(
                    "CNY",
                    "call",
                    null,
                    new Price.Tiers(Price.TierMode.VOLUME, tiers.steps()),
                    null,
                    null,
                    null,
                    c);
            case "package" ->
                new Price(
                    "CNY", "call", null, null, new Price.Pack(1000, d("2.50")), null, null, c);
            default ->
                new Price(
                    "CNY",
                    "call",
                    null,
                    null,
                    null,
                    new Price.Subscription(d("500"), 100_000, d("0.004").add(bump)),
                    d("600"),
                    c);
          };
    }
    month =
        List.of(
            new Pricing.VersionUsage(1, p[0], new Usage(40_000, 40_000, 4_000_000)),
            new Pricing.VersionUsage(2, p[1], new Usage(35_000, 35_000, 3_500_000)),
            new Pricing.VersionUsage(3, p[2], new Usage(45_000, 45_000, 4_500_000)));
    System.out.println("\n" + model + ": " + lines() + " line items a month");
  }

  @Benchmark
  public Pricing.Bill price() {
    return Pricing.month(month);
  }

  int lines() {
    return Pricing.month(month).lines().size();
  }
}
