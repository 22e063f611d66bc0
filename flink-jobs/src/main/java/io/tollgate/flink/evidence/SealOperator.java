package io.tollgate.flink.evidence;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.evidence.KeyRing;
import io.tollgate.evidence.Sealer;
import io.tollgate.evidence.SignedNote;
import io.tollgate.evidence.TileStore;
import io.tollgate.flink.Out;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sealer, at parallelism 1: every record read becomes an entry, in the order read; every {@code
 * sealEvery} entries or {@code sealMs} of wall clock, whichever first, the entries go to the tiles
 * and a signed checkpoint goes downstream to {@code tollgate.evidence} (exactly once, with the
 * checkpoint that holds this state). A checkpoint of Flink that completed writes the checkpoints it
 * published to {@code checkpoints/} beside the tiles, and the latest to {@code checkpoint}: what
 * the commands export from.
 */
final class SealOperator extends AbstractStreamOperator<Out>
    implements OneInputStreamOperator<Sourced, Out>, ProcessingTimeCallback {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(SealOperator.class);

  private final EvidenceJob.Settings s;
  private transient Sealer sealer;
  private transient TileStore store;
  private transient io.tollgate.evidence.TileWriter writer;
  private transient KeyRing keys;
  private transient EvidenceRecords records;
  private transient ListState<byte[]> state;
  private transient List<String> sealedSinceSnapshot;
  private transient TreeMap<Long, List<String>> toPublish; // checkpoint id -> notes sealed before
  private transient String lastSealed;
  private transient Counter sealed;
  private transient Counter seals;
  private transient Counter unreadable;

  SealOperator(EvidenceJob.Settings s) {
    this.s = s;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    state =
        context
            .getOperatorStateStore()
            .getListState(
                new ListStateDescriptor<>(
                    "sealer", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    keys = KeyRing.open(Path.of(s.keysDir), s.origin);
    byte[] restored = null;
    String lastNote = null;
    List<String> unconfirmed = new java.util.ArrayList<>(); // the last is the last sealed
    for (byte[] b : state.get()) {
      if (restored == null) {
        restored = b;
      } else {
        lastNote = new String(b, StandardCharsets.UTF_8);
        unconfirmed.add(lastNote);
      }
    }
    sealer =
        restored == null
            ? new Sealer(s.origin, keys.saltKey())
            : Sealer.restore(s.origin, keys.saltKey(), restored);
    Path dir = Path.of(s.logDir);
    // tiles without a published checkpoint are a first attempt that failed before its first
    // Flink checkpoint: opening at 0 removes them. A published log needs its state.
    if (restored == null && (publishedSize(dir) > 0 || hasNotes(dir))) {
      throw new IllegalStateException(
          dir
              + " holds a log already, but the job starts without state: restore it from its last"
              + " checkpoint or savepoint, or give it a new directory and origin (a second log"
              + " under the same origin would fork the first)");
    }
    long published = publishedSize(dir);
    if (published > sealer.sealedSize()) {
      throw new IllegalStateException(
          "the log in "
              + dir
              + " has published a checkpoint of "
              + published
              + " entries, but the state restored sealed "
              + sealer.sealedSize()
              + ": an older checkpoint or savepoint than the log's would fork it; restore the"
              + " latest");
    }
    if (lastNote != null) {
      // the tiles must hold the tree this state signed, before anything beyond it is cut
      io.tollgate.evidence.Checkpoint cp =
          io.tollgate.evidence.Checkpoint.parse(SignedNote.parse(lastNote).text());
      byte[] root = io.tollgate.evidence.Merkle.root(TileStore.reader(dir, cp.size()), cp.size());
      if (cp.size() != sealer.sealedSize() || !java.util.Arrays.equals(root, cp.root())) {
        throw new IllegalStateException(
            "the tiles in "
                + dir
                + " do not hold the tree of "
                + cp.size()
                + " entries this state signed: another log's directory?");
      }
    }
    store = TileStore.open(dir, sealer.sealedSize());
    writer = new io.tollgate.evidence.TileWriter(store, 4);
    if (lastNote != null) {
      // published with the checkpoint restored from, whose notification may have been lost:
      // every note sealed since the last notification this state knew of, the latest last
      publish(unconfirmed);
    }
    lastSealed = lastNote;
    sealedSinceSnapshot = new java.util.ArrayList<>();
    toPublish = new TreeMap<>();
    records = new EvidenceRecords(s.opaDir == null ? null : Path.of(s.opaDir));
    LOG.info(
        "evidence log {} in {}: {} entries, {} sealed",
        s.origin,
        dir,
        sealer.size(),
        sealer.sealedSize());
  }

  static boolean hasNotes(Path dir) throws java.io.IOException {
    Path d = dir.resolve("checkpoints");
    if (!Files.isDirectory(d)) {
      return false;
    }
    try (var files = Files.list(d)) {
      return files.anyMatch(f -> f.getFileName().toString().endsWith(".note"));
    }
  }

  /** The size of the latest checkpoint written beside the tiles, 0 when none. */
  static long publishedSize(Path dir) throws java.io.IOException {
    Path c = dir.resolve("checkpoint");
    if (!Files.exists(c)) {
      return 0;
    }
    try {
      return io.tollgate.evidence.Checkpoint.parse(SignedNote.parse(Files.readString(c)).text())
          .size();
    } catch (io.tollgate.evidence.EvidenceException e) {
      throw new IllegalStateException(c + " is not a signed checkpoint: " + e.getMessage(), e);
    }
  }

  @Override
  public void open() throws Exception {
    super.open();
    sealed = getRuntimeContext().getMetricGroup().counter("entriesSealed");
    seals = getRuntimeContext().getMetricGroup().counter("checkpointsSigned");
    unreadable = getRuntimeContext().getMetricGroup().counter("unreadableRecords");
    getRuntimeContext().getMetricGroup().gauge("logSize", () -> sealer.sealedSize());
    long now = getProcessingTimeService().getCurrentProcessingTime();
    getProcessingTimeService().registerTimer(now + s.sealMs, this);
  }

  @Override
  public void processElement(StreamRecord<Sourced> element) throws Exception {
    Sourced r = element.getValue();
    EvidenceRecords.Content c = records.of(r);
    if (c == null) {
      return;
    }
    if (c.text() != null) {
      keepText(c.record().get("textSha256").asText(), c.text());
    }
    // a time far ahead of the sealer's clock would carry the contract's later entries with it
    long bound = System.currentTimeMillis() + EvidenceRecords.MAX_AHEAD_MS;
    try {
      sealer.add(
          c.kind(),
          c.contract(),
          Math.min(c.at(), bound),
          r.topic,
          r.partition,
          r.offset,
          c.record());
    } catch (IllegalArgumentException e) {
      // JSON the canonical form cannot hold (an integer past 2^53, a lone surrogate), or an
      // entry over 64 KiB: sealed as what it was (its hash), on its contract's chain so that no
      // decision leaves it, at its record's time
      unreadable.inc();
      LOG.warn("{}/{}@{} sealed by its hash: {}", r.topic, r.partition, r.offset, e.getMessage());
      ObjectNode u = EvidenceRecords.JSON.createObjectNode();
      u.put("error", String.valueOf(e.getMessage()));
      if (r.value != null) {
        u.put("valueSha256", EvidenceRecords.sha256(r.value));
        u.put("bytes", r.value.length);
      }
      long at = Math.min(Math.max(0, r.timestamp), bound);
      try {
        sealer.add(c.kind(), c.contract(), at, r.topic, r.partition, r.offset, u);
      } catch (IllegalArgumentException idToo) {
        // the contract id itself cannot be held: without a contract
        sealer.add(c.kind(), null, at, r.topic, r.partition, r.offset, u);
      }
    }
    if (sealer.pending() >= s.sealEvery) {
      seal();
    }
  }

  @Override
  public void onProcessingTime(long time) throws Exception {
    if (sealer.pending() > 0) {
      seal();
    }
    getProcessingTimeService()
        .registerTimer(getProcessingTimeService().getCurrentProcessingTime() + s.sealMs, this);
  }

  private void seal() throws Exception {
    int n = sealer.pending();
    SignedNote note = sealer.seal(writer, keys);
    if (s.drill != null) {
      writer.flush(); // the drill fails after the tiles are on the disk
      EvidenceJob.Drill.afterTiles(s.drill, sealer.sealedSize());
    }
    sealed.inc(n);
    seals.inc();
    sealedSinceSnapshot.add(note.encoded());
    lastSealed = note.encoded();
    output.collect(
        new StreamRecord<>(
            new Out(
                s.origin.getBytes(StandardCharsets.UTF_8),
                note.encoded().getBytes(StandardCharsets.UTF_8),
                System.currentTimeMillis())));
  }

  @Override
  public void finish() throws Exception {
    if (sealer.pending() > 0) {
      seal();
    }
    writer.flush();
    super.finish();
  }

  @Override
  public void close() throws Exception {
    if (writer != null) {
      writer.close();
    }
    super.close();
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    // every checkpoint sealed before this one is on the disk before Flink may publish it
    writer.flush();
    // the state, then every note not yet known published (a restore writes them: the notification
    // of the checkpoint it restores may never have come), the last sealed last
    java.util.LinkedHashSet<String> unconfirmed = new java.util.LinkedHashSet<>();
    toPublish.values().forEach(unconfirmed::addAll);
    unconfirmed.addAll(sealedSinceSnapshot);
    if (lastSealed != null) {
      unconfirmed.remove(lastSealed);
      unconfirmed.add(lastSealed);
    }
    List<byte[]> st = new java.util.ArrayList<>();
    st.add(sealer.state());
    unconfirmed.forEach(n -> st.add(n.getBytes(StandardCharsets.UTF_8)));
    state.update(st);
    toPublish.put(context.getCheckpointId(), sealedSinceSnapshot);
    sealedSinceSnapshot = new java.util.ArrayList<>();
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    super.notifyCheckpointComplete(checkpointId);
    Map<Long, List<String>> done = toPublish.headMap(checkpointId, true);
    List<String> notes = new java.util.ArrayList<>();
    done.values().forEach(notes::addAll);
    publish(notes);
    done.clear();
  }

  /** A version's text beside the tiles, by its SHA-256, on the disk before its entry seals. */
  private void keepText(String sha, byte[] text) throws java.io.IOException {
    Path t = Path.of(s.logDir, "contracts", sha + ".yaml");
    if (Files.isRegularFile(t) && sha256(Files.readAllBytes(t)).equals(sha)) {
      return; // kept already, and whole: a torn or foreign file is written over
    }
    TileStoreFiles.write(t, text);
  }

  private static String sha256(byte[] b) {
    try {
      return java.util.HexFormat.of()
          .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Notes that Kafka has (or will have, on a restore) committed: written beside the tiles. */
  private void publish(List<String> notes) throws java.io.IOException {
    String latest = null;
    for (String n : notes) {
      long size = Long.parseLong(n.split("\n", 3)[1]);
      TileStoreFiles.write(Path.of(s.logDir, "checkpoints", size + ".note"), n);
      latest = n;
    }
    if (latest != null) {
      TileStoreFiles.write(Path.of(s.logDir, "checkpoint"), latest);
    }
  }

  /**
   * Written whole or not at all, and on the disk when this returns: a temporary file of its own
   * (two writers never share one), synced, renamed over the file, and the directory synced.
   */
  static final class TileStoreFiles {
    static void write(Path p, String text) throws java.io.IOException {
      write(p, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static void write(Path p, byte[] bytes) throws java.io.IOException {
      Path dir = p.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, "." + p.getFileName() + ".", ".tmp");
      try {
        try (java.nio.channels.FileChannel ch =
            java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
          java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
          while (b.hasRemaining()) {
            ch.write(b);
          }
          ch.force(true);
        }
        Files.move(
            tmp,
            p,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE,
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
      try (java.nio.channels.FileChannel d =
          java.nio.channels.FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
        d.force(true);
      }
    }
  }
}
