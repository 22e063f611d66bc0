package io.tollgate.loadtest.policy;

import io.tollgate.policy.DataCall;
import io.tollgate.policy.Decision;
import io.tollgate.policy.InMemoryCounterStore;
import io.tollgate.policy.PolicyCompiler;
import io.tollgate.policy.PolicyEngine;
import io.tollgate.policy.json.DataCallCodec;
import io.tollgate.policy.json.DecisionCodec;
import io.tollgate.policy.json.MalformedCallException;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What enforcement costs next to the JSON around it, per call on one core: a JSON line in, a JSON
 * decision out ({@code parseDecideEncode}, what {@code tollgate policy eval} and, later, the
 * enforcement job do per call) against the same parse and the same decision, made beforehand,
 * encoded ({@code parseEncode}, the baseline). A sizing figure for the streaming and HTTP
 * enforcement points.
 *
 * <pre>java -jar load-tests/target/benchmarks.jar CallPipelineBenchmark -prof gc</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class CallPipelineBenchmark {
  private String[] lines;
  private Decision[] decided; // the decision of each line, made at setup, for the baseline
  private int next;
  private PolicyEngine engine;
  private final InMemoryCounterStore counters = new InMemoryCounterStore();
  private final DataCallCodec calls = new DataCallCodec();
  private final DecisionCodec decisions = new DecisionCodec();
  private final DataCall call = new DataCall();
  private final Decision decision = new Decision();

  @Setup
  public void setUp() throws Exception {
    engine =
        PolicyEngine.of(
            new PolicyCompiler()
                .compileAll(DecisionBenchmark.contracts(DecisionBenchmark.CONTRACT)));
    DataCall[] pool = DecisionBenchmark.calls(new Random(42));
    lines = new String[pool.length];
    decided = new Decision[pool.length];
    for (int i = 0; i < pool.length; i++) {
      lines[i] = calls.toJson(pool[i]);
      decided[i] = engine.decide(pool[i], new InMemoryCounterStore());
    }
  }

  @Benchmark
  public String parseDecideEncode() throws MalformedCallException {
    calls.parse(lines[next], call);
    next = (next + 1) & (lines.length - 1);
    engine.decide(call, counters, decision);
    return decisions.toJson(decision);
  }

  /** The baseline: the same parse and the same decision encoded, but decided beforehand. */
  @Benchmark
  public String parseEncode() throws MalformedCallException {
    int i = next;
    next = (next + 1) & (lines.length - 1);
    calls.parse(lines[i], call);
    return decisions.toJson(decided[i]);
  }
}
