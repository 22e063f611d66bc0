package io.tollgate.loadtest.policy;

import io.tollgate.enforcement.records.CallReader;
import io.tollgate.enforcement.records.CallRecord;
import io.tollgate.enforcement.records.CallRecordCodec;
import io.tollgate.enforcement.records.EventWriter;
import io.tollgate.load.Telemetry;
import io.tollgate.policy.DataCall;
import io.tollgate.policy.Decision;
import io.tollgate.policy.InMemoryCounterStore;
import io.tollgate.policy.Outcome;
import io.tollgate.policy.PolicyCompiler;
import io.tollgate.policy.PolicyEngine;
import io.tollgate.policy.json.DataCallCodec;
import io.tollgate.policy.json.DecisionCodec;
import io.tollgate.policy.json.MalformedCallException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
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
 * What enforcement costs next to the JSON around it, per call on one core.
 *
 * <ul>
 *   <li>{@code parseDecideEncode}: a JSON line in, a JSON decision out (Jackson), what {@code
 *       tollgate policy eval} does per call; {@code parseEncode} the same with the decision made
 *       beforehand (the baseline of the decision's own cost).
 *   <li>The stream job's per-call work on its own records (vehicle telemetry with a payload, 100
 *       consumers): read the record, decide, write its feedback event and, when permitted, its
 *       delivered record with the payload projected and masked. {@code streamJackson} is the code
 *       the job ran before {@link CallReader} (the Jackson codec, output copied out); {@code
 *       streamReader} reads with {@link CallReader} into one reused record and writes into the
 *       writer's buffer; {@code streamReaderCopied} copies the output out as the job must, to hand
 *       it to Kafka.
 * </ul>
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

  private byte[][] records;
  private long[] ingest;
  private PolicyEngine streamEngine;
  private final InMemoryCounterStore streamCounters = new InMemoryCounterStore();
  private final CallRecordCodec jackson = new CallRecordCodec(300_000, 3_600_000);
  private final CallReader reader = new CallReader(300_000, 3_600_000);
  private final CallRecord reused = new CallRecord();
  private final EventWriter writer = new EventWriter("bench-key".getBytes(StandardCharsets.UTF_8));

  @Setup
  public void setUp() throws Exception {
    StringBuilder yaml = new StringBuilder();
    for (int c = 0; c < 100; c++) {
      // no limits: the records repeat with their times, and drained buckets would deny them all
      yaml.append("---\n")
          .append(Telemetry.contract(c, Telemetry.PURPOSES).replaceAll("(?m)^limits:.*\n", ""));
    }
    streamEngine =
        PolicyEngine.of(
            new PolicyCompiler().compileAll(DecisionBenchmark.contracts(yaml.toString())));
    Telemetry telemetry = new Telemetry(100, 1.0, 42);
    long t0 = Instant.parse("2026-03-02T09:00:00Z").toEpochMilli();
    records = new byte[1024][];
    ingest = new long[1024];
    byte[][] key = new byte[1][];
    for (int i = 0; i < records.length; i++) {
      ingest[i] = t0 + i;
      records[i] = telemetry.next(t0 + i, key);
    }
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

  /** The stream job's per-call work as it was: the Jackson codec, the output copied out. */
  @Benchmark
  public int streamJackson() {
    int i = next;
    next = (next + 1) & (records.length - 1);
    CallRecord r = jackson.parse(null, records[i], ingest[i], new CallRecord());
    if (r.malformed()) {
      return writer.deadLetter("tollgate.calls", 0, i, r.ingestTs, r.error, null, r.original)
          .length;
    }
    streamEngine.decide(r.to(call), streamCounters, decision);
    int n = writer.feedback(r, decision, ingest[i]).length;
    if (decision.outcome() == Outcome.PERMIT) {
      n +=
          writer.delivered(
                  r,
                  decision.contractId(),
                  decision.policyVersion(),
                  decision.project(),
                  decision.masks())
              .length;
    }
    return n;
  }

  /** The same work with {@link CallReader}, one reused record, output in the writer's buffer. */
  @Benchmark
  public int streamReader() {
    int i = next;
    next = (next + 1) & (records.length - 1);
    CallRecord r = reader.read(null, records[i], ingest[i], reused);
    if (r.malformed()) {
      return writer.deadLetter("tollgate.calls", 0, i, r.ingestTs, r.error, null, r.original)
          .length;
    }
    streamEngine.decide(r.to(call), streamCounters, decision);
    int n = writer.encodeFeedback(r, decision, ingest[i]);
    if (decision.outcome() == Outcome.PERMIT) {
      n +=
          writer.encodeDelivered(
              r,
              decision.contractId(),
              decision.policyVersion(),
              decision.project(),
              decision.masks());
    }
    return n;
  }

  /** As {@link #streamReader}, the output copied out as the job hands it to Kafka. */
  @Benchmark
  public int streamReaderCopied() {
    int i = next;
    next = (next + 1) & (records.length - 1);
    CallRecord r = reader.read(null, records[i], ingest[i], reused);
    if (r.malformed()) {
      return writer.deadLetter("tollgate.calls", 0, i, r.ingestTs, r.error, null, r.original)
          .length;
    }
    streamEngine.decide(r.to(call), streamCounters, decision);
    int n = writer.feedback(r, decision, ingest[i]).length;
    if (decision.outcome() == Outcome.PERMIT) {
      n +=
          writer.delivered(
                  r,
                  decision.contractId(),
                  decision.policyVersion(),
                  decision.project(),
                  decision.masks())
              .length;
    }
    return n;
  }

  /** Reading alone, the Jackson codec. */
  @Benchmark
  public long readJackson() {
    int i = next;
    next = (next + 1) & (records.length - 1);
    return jackson.parse(null, records[i], ingest[i], new CallRecord()).ts;
  }

  /** Reading alone, {@link CallReader}. */
  @Benchmark
  public long readReader() {
    int i = next;
    next = (next + 1) & (records.length - 1);
    return reader.read(null, records[i], ingest[i], reused).ts;
  }

  private final com.dslplatform.json.JsonReader<Object> dsl =
      new com.dslplatform.json.DslJson<Object>().newReader();

  /**
   * Reading alone, DSL-JSON (a candidate): the call's attributes into a reused record, the payload
   * skipped. It does less than the two others: no duplicate keys refused, no UTF-8 checked, no
   * canonical names, the payload's values not located, its strings allocated.
   */
  @Benchmark
  public long readDslJson() throws java.io.IOException {
    int i = next;
    next = (next + 1) & (records.length - 1);
    byte[] b = records[i];
    com.dslplatform.json.JsonReader<Object> r = dsl;
    r.process(b, b.length);
    CallRecord c = reused;
    if (r.getNextToken() != '{') {
      throw r.newParseError("expected an object");
    }
    byte t = r.getNextToken();
    while (t == '"') {
      String key = r.readKey(); // the key and its colon: the reader is on the value
      switch (key) {
        case "v", "ts", "records", "bytes" -> {
          long v = com.dslplatform.json.NumberConverter.deserializeLong(r);
          if (key.equals("ts")) {
            c.ts = v;
          }
          t = r.getNextToken();
        }
        case "id" -> {
          c.id = r.readString();
          t = r.getNextToken();
        }
        case "consumer", "dataset", "action", "purpose", "region", "channel" -> {
          String v = r.readString();
          switch (key) {
            case "consumer" -> c.consumer = v;
            case "dataset" -> c.dataset = v;
            case "action" -> c.action = v;
            case "purpose" -> c.purpose = v;
            case "region" -> c.region = v;
            default -> c.channel = v;
          }
          t = r.getNextToken();
        }
        case "location" -> {
          byte u = r.getNextToken();
          while (u == '"') {
            String k = r.readKey();
            double d = com.dslplatform.json.NumberConverter.deserializeDouble(r);
            if (k.equals("lat")) {
              c.lat = d;
            } else {
              c.lon = d;
            }
            u = r.getNextToken();
            if (u == ',') {
              u = r.getNextToken();
            }
          }
          t = r.getNextToken();
        }
        default -> t = r.skip();
      }
      if (t == ',') {
        t = r.getNextToken();
      } else {
        break;
      }
    }
    return c.ts;
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
