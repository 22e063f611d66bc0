package io.tollgate.loadtest.policy;

import com.styra.opa.wasm.OpaPolicy;
import io.tollgate.policy.Action;
import io.tollgate.policy.Channel;
import io.tollgate.policy.DataCall;
import io.tollgate.policy.Decision;
import io.tollgate.policy.InMemoryCounterStore;
import io.tollgate.policy.PolicyCompiler;
import io.tollgate.policy.PolicyEngine;
import io.tollgate.policy.model.Policy;
import io.tollgate.policy.opa.OpaWasmCheck;
import io.tollgate.policy.reference.ReferenceInterpreter;
import io.tollgate.policy.source.SourceResult;
import io.tollgate.policy.source.YamlContractSource;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decisions per second on one core, for the same calls against the same contract (purpose, period,
 * hours, fields, region and geofence constraints), three ways in one run:
 *
 * <ul>
 *   <li>{@code compiled}: {@link PolicyEngine#decide} on the compiled policy. Each call is re-bound
 *       to the vocabulary first, as a freshly parsed call would be.
 *   <li>{@code reference}: the plain reference interpreter from the tests, walking the model.
 *   <li>{@code opaWasm}: one evaluation of an OPA policy compiled to Wasm, in process
 *       (opa-java-wasm), without the result cache; {@code opaWasmCached} goes through the Caffeine
 *       cache of {@link OpaWasmCheck}, which hits for repeated inputs. The module is the demo
 *       policy opa-java-wasm ships (one data lookup), simpler than the contract: the OPA figures
 *       flatter OPA.
 * </ul>
 *
 * <p>Run (README, "Measured"):
 *
 * <pre>mvn -B -q -DskipTests -pl load-tests -am package
 * java -jar load-tests/target/benchmarks.jar DecisionBenchmark -prof gc</pre>
 *
 * <p>{@code gc.alloc.rate.norm} is the bytes allocated per decision.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
public class DecisionBenchmark {
  static final String CONTRACT =
      """
      contract: vt-bench
      provider: sh-cv-platform
      consumer: fleet-analytics
      dataset: vehicle-telemetry
      actions: [read, stream]
      purposes: [traffic-optimisation, road-safety-research, emergency-response]
      valid: {from: "2026-01-01T00:00:00+08:00", until: "2027-01-01T00:00:00+08:00"}
      hours: {from: "06:00", until: "23:00", zone: Asia/Shanghai}
      fields: {allow: [vehicle_id, ts, lat, lon, speed, heading], mask: {vehicle_id: hash}}
      regions: [CN-SH, CN-JS, CN-ZJ]
      geofence: [[120.85, 30.68], [122.05, 30.68], [122.05, 31.88], [121.20, 31.88], [120.85, 31.40]]
      """;
  private static final int CALLS = 1024; // a power of two

  private DataCall[] calls;
  private int next;
  private PolicyEngine engine;
  private InMemoryCounterStore counters;
  private Decision decision;
  private ReferenceInterpreter reference;
  private OpaPolicy opa;
  private String[] opaInputs;
  private OpaWasmCheck opaCached;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    List<Policy> policies = contracts(CONTRACT);
    engine = PolicyEngine.of(new PolicyCompiler().compileAll(policies));
    counters = new InMemoryCounterStore();
    decision = new Decision();
    reference = new ReferenceInterpreter(policies);
    calls = calls(new Random(42));

    byte[] wasm;
    try (InputStream in =
        OpaWasmCheck.class.getClassLoader().getResourceAsStream("demo-policy.wasm")) {
      wasm = in.readAllBytes();
    }
    String data = "{\"role\":{\"fleet-analytics\":\"admin\",\"ubi-insurer\":\"user\"}}";
    opa = OpaPolicy.builder().withPolicy(wasm).build();
    opa.entrypoint("opa/wasm/test/allowed");
    opa.data(data);
    opaInputs = new String[CALLS];
    for (int i = 0; i < CALLS; i++) {
      opaInputs[i] = "{\"user\":\"" + calls[i].consumer() + "\"}";
    }
    opaCached =
        new OpaWasmCheck(wasm, "opa/wasm/test/allowed", Map.of("user", "consumer"), data, 10_000);
  }

  /** The contracts of a YAML text; any diagnostic stops the benchmark. */
  static List<Policy> contracts(String yaml) {
    SourceResult r = new YamlContractSource().read("bench.yaml", null, yaml);
    if (!r.ok()) {
      throw new IllegalStateException(r.diagnostics().toString());
    }
    return r.policies();
  }

  /** Mostly permitted telemetry calls, with about a third failing one or more constraints. */
  static DataCall[] calls(Random random) {
    String[] purposes = {"traffic-optimisation", "road-safety-research", "advertising"};
    String[] regions = {"CN-SH", "CN-SH", "CN-JS", "CN-BJ"};
    long t0 = Instant.parse("2026-03-02T00:00:00Z").toEpochMilli();
    DataCall[] out = new DataCall[CALLS];
    for (int i = 0; i < CALLS; i++) {
      DataCall c =
          new DataCall()
              .id("call-" + i)
              .ts(t0 + random.nextInt(86_400_000))
              .consumer(random.nextInt(16) == 0 ? "ubi-insurer" : "fleet-analytics")
              .dataset("vehicle-telemetry")
              .action(random.nextInt(10) == 0 ? Action.DISTRIBUTE : Action.STREAM)
              .purpose(purposes[random.nextInt(purposes.length)])
              .region(regions[random.nextInt(regions.length)])
              .location(30.9 + random.nextDouble() * 0.9, 121.0 + random.nextDouble() * 0.9)
              .channel(Channel.KAFKA);
      if (random.nextBoolean()) {
        c.fields(
            random.nextInt(8) == 0
                ? new String[] {"vehicle_id", "driver_phone"}
                : new String[] {"vehicle_id", "speed", "lat", "lon"});
      }
      out[i] = c;
    }
    return out;
  }

  private DataCall nextCall() {
    DataCall c = calls[next];
    next = (next + 1) & (CALLS - 1);
    return c;
  }

  @Benchmark
  public int compiled() {
    DataCall c = nextCall();
    c.purpose(c.purpose()); // unbind: decide as for a freshly parsed call
    engine.decide(c, counters, decision);
    return decision.reasonMask() + decision.outcome().ordinal();
  }

  /** The same without re-binding: the call's vocabulary ids were looked up when it was parsed. */
  @Benchmark
  public int compiledBound() {
    engine.decide(nextCall(), counters, decision);
    return decision.reasonMask() + decision.outcome().ordinal();
  }

  @Benchmark
  public Object reference() {
    return reference.decide(nextCall());
  }

  @Benchmark
  public String opaWasm() {
    int i = next;
    next = (next + 1) & (CALLS - 1);
    return opa.evaluate(opaInputs[i]);
  }

  @Benchmark
  public int opaWasmCached() {
    return opaCached.failures(nextCall());
  }
}
