package io.tollgate.loadtest.policy;

import io.tollgate.policy.DataCall;
import io.tollgate.policy.Decision;
import io.tollgate.policy.InMemoryCounterStore;
import io.tollgate.policy.PolicyCompiler;
import io.tollgate.policy.PolicyEngine;
import java.util.Random;
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
 * What each constraint shape costs: bound decisions per second for a contract holding only that
 * shape ({@code purpose}, {@code geofence}, {@code hours}, {@code fields+region}) against the full
 * contract of {@link DecisionBenchmark}, over varied calls ({@code random}) and one call repeated
 * ({@code same}: no branch mispredictions). A sizing aid and the first place to look when the
 * decision benchmark moves.
 *
 * <pre>java -jar load-tests/target/benchmarks.jar ConstraintCostBenchmark</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ConstraintCostBenchmark {
  @Param({"full", "purpose", "geofence", "hours", "fields+region"})
  String shape;

  @Param({"random", "same"})
  String calls;

  private DataCall[] pool;
  private int next;
  private PolicyEngine engine;
  private final InMemoryCounterStore counters = new InMemoryCounterStore();
  private final Decision decision = new Decision();

  @Setup
  public void setUp() throws Exception {
    String full = DecisionBenchmark.CONTRACT;
    String head =
        "contract: c\nprovider: p\nconsumer: fleet-analytics\ndataset: vehicle-telemetry\n";
    String yaml =
        switch (shape) {
          case "full" -> full;
          case "purpose" ->
              head + "purposes: [traffic-optimisation, road-safety-research, emergency-response]\n";
          case "geofence" ->
              head
                  + "geofence: [[120.85, 30.68], [122.05, 30.68], [122.05, 31.88], [121.20, 31.88], [120.85, 31.40]]\n";
          case "hours" ->
              head + "hours: {from: \"06:00\", until: \"23:00\", zone: Asia/Shanghai}\n";
          default ->
              head
                  + "fields: {allow: [vehicle_id, ts, lat, lon, speed, heading]}\nregions: [CN-SH, CN-JS, CN-ZJ]\n";
        };
    engine = PolicyEngine.of(new PolicyCompiler().compileAll(DecisionBenchmark.contracts(yaml)));
    pool = DecisionBenchmark.calls(new Random(42));
    if (calls.equals("same")) {
      java.util.Arrays.fill(pool, pool[3]);
    }
  }

  @Benchmark
  public int decide() {
    DataCall c = pool[next];
    next = (next + 1) & (pool.length - 1);
    engine.decide(c, counters, decision);
    return decision.reasonMask();
  }
}
