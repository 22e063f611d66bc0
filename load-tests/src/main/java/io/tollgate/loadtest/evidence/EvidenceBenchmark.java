package io.tollgate.loadtest.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.evidence.Entry;
import io.tollgate.evidence.Merkle;
import io.tollgate.evidence.Sealer;
import io.tollgate.evidence.TileStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The evidence log's costs per entry, one thread, each beside its baseline in the same run:
 *
 * <ul>
 *   <li>{@code leafHash}: RFC 6962's leaf hash of a feedback entry; baseline {@code sha256}, a
 *       plain SHA-256 of the same bytes;
 *   <li>{@code sealEntry}: what the sealer does per record (canonical JSON, salt, leaf hash, the
 *       frontier); baseline {@code jacksonWrite}, writing the same record with Jackson, which the
 *       enforcement job pays per feedback event;
 *   <li>{@code inclusionProof} and {@code consistencyProof}: built from the tiles of a log of a
 *       million entries on disk (the page cache warm), and {@code verifyInclusion}.
 * </ul>
 *
 * <pre>java -jar load-tests/target/benchmarks.jar EvidenceBenchmark</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class EvidenceBenchmark {
  static final ObjectMapper JSON = new ObjectMapper();
  static final int TREE = 1_000_000;

  private JsonNode record;
  private byte[] entry;
  private Sealer sealer;
  private MessageDigest sha;
  private TileStore.Reader tree;
  private byte[] root;
  private List<byte[]> proof;
  private byte[] leaf;
  private long proofIndex;
  private final SplittableRandom random = new SplittableRandom(6962);
  private Path dir;

  @Setup(Level.Trial)
  public void setup() throws Exception {
    record =
        JSON.readTree(
            "{\"v\":1,\"callId\":\"d-1042\",\"decision\":\"THROTTLE\",\"reasons\":[\"rate\"],"
                + "\"contract\":\"vt-fleet-analytics-2026\",\"policyVersion\":\"3f2a9c41d0e8b7a1\","
                + "\"consumer\":\"fleet-analytics\",\"dataset\":\"vehicle-telemetry\","
                + "\"action\":\"stream\",\"purpose\":\"traffic-optimisation\",\"records\":1,"
                + "\"bytes\":0,\"eventTime\":\"2026-03-02T01:00:00.250Z\","
                + "\"ingestTime\":1772413200261,\"decisionTime\":1772413200270,"
                + "\"id\":\"s-3-118204\",\"provider\":\"sh-cv-platform\","
                + "\"point\":\"enforcement-job\",\"channel\":\"stream\"}");
    newSealer();
    entry = sealer.add(Entry.DECISION, "vt-fleet-analytics-2026", 1L, "t", 0, 0, record).encode();
    sha = MessageDigest.getInstance("SHA-256");
    dir = Files.createTempDirectory("evidence-bench");
    TileStore store = TileStore.open(dir, 0);
    Sealer s = new Sealer("bench/evidence", new byte[32]);
    List<byte[]> batch = new ArrayList<>();
    for (int i = 0; i < TREE; i++) {
      batch.add(s.add(Entry.DECISION, "c", i, "t", 0, i, record).encode());
      if (batch.size() == 10_000) {
        store.append(batch);
        batch.clear();
      }
    }
    tree = TileStore.reader(dir, TREE);
    root = Merkle.root(tree, TREE);
    proofIndex = 123_457;
    leaf = Merkle.leafHash(tree.entry(proofIndex));
    proof = Merkle.inclusionProof(tree, proofIndex, TREE);
  }

  /** A sealer keeps what it has not sealed: a new one each iteration bounds the heap. */
  @Setup(Level.Iteration)
  public void newSealer() {
    sealer = new Sealer("bench/evidence", new byte[32]);
  }

  @Benchmark
  public byte[] sha256() {
    return sha.digest(entry);
  }

  @Benchmark
  public byte[] leafHash() {
    return Merkle.leafHash(entry);
  }

  @Benchmark
  public byte[] jacksonWrite() throws Exception {
    return JSON.writeValueAsBytes(record);
  }

  @Benchmark
  public Object sealEntry() {
    return sealer.add(Entry.DECISION, "vt-fleet-analytics-2026", 1L, "t", 0, 0, record);
  }

  @Benchmark
  public List<byte[]> inclusionProof() throws Exception {
    return Merkle.inclusionProof(tree, random.nextLong(TREE), TREE);
  }

  @Benchmark
  public List<byte[]> consistencyProof() throws Exception {
    return Merkle.consistencyProof(tree, 1 + random.nextLong(TREE - 1), TREE);
  }

  @Benchmark
  public boolean verifyInclusion() throws Exception {
    Merkle.verifyInclusion(proofIndex, TREE, leaf, proof, root);
    return true;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
