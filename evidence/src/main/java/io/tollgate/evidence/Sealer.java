package io.tollgate.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Appends entries to the log and seals them: the evidence job's whole logic, in plain Java.
 *
 * <p>{@link #add} numbers an entry (its index, its contract's sequence number and previous index,
 * its salt) and hashes it into the {@link Frontier}; {@link #seal} writes the entries added since
 * the last seal to the {@link TileStore} and signs a checkpoint of the new size. Everything that
 * decides an entry's bytes is in {@link #state}: a restore to it appends the same entries at the
 * same indexes, and reopening the store at {@link #sealedSize()} writes over whatever an unsealed
 * attempt left beyond it, so the log never forks.
 */
public final class Sealer {
  /** Where sealed entries go: the {@link TileStore}, or a {@link TileWriter} in front of it. */
  public interface Tiles {
    /** The entries it holds, or will once written. */
    long size();

    void append(List<byte[]> entries) throws IOException;
  }

  private final String origin;
  private final Entry.Salter salter;
  private Frontier frontier = new Frontier();
  private long sealedSize;
  // contract -> {seq, last index, last contract or revocation entry (-1: none), last at}
  private final Map<String, long[]> chains = new HashMap<>();
  private long[] unowned; // the chain of the entries without a contract (null: none yet)
  private List<byte[]> pending = new ArrayList<>();
  private final Set<String> signers = new LinkedHashSet<>(); // key ids that signed, in order

  public Sealer(String origin, byte[] saltKey) {
    this.origin = origin;
    this.salter = Entry.salter(saltKey);
  }

  public String origin() {
    return origin;
  }

  /** Entries added, sealed or not. */
  public long size() {
    return frontier.size();
  }

  public long sealedSize() {
    return sealedSize;
  }

  public int pending() {
    return pending.size();
  }

  /** The latest time an entry can carry: 2^53 - 1 ms, exact in every JSON reader. */
  public static final long MAX_AT = (1L << 53) - 1;

  /**
   * Adds one entry and gives it back; {@code record} is its content, {@code (topic, partition,
   * offset)} where it was read. Its time is {@code at} held to [0, {@link #MAX_AT}], or the time of
   * its chain's previous entry if that is later: time never goes back along a chain, so that the
   * entries of a range of time are one run of the chain, which a package can prove whole. The
   * record keeps its own time.
   */
  public Entry add(
      String kind,
      String contract,
      long at,
      String topic,
      int partition,
      long offset,
      JsonNode record) {
    long index = frontier.size();
    long[] c = contract == null ? unowned : chains.get(contract);
    long time = Math.min(Math.max(at, 0), MAX_AT);
    if (c != null && c[3] > time) {
      time = c[3];
    }
    boolean version = kind.equals(Entry.CONTRACT) || kind.equals(Entry.REVOCATION);
    Entry e =
        new Entry(
            index,
            kind,
            contract,
            c == null ? 1 : c[0] + 1,
            c == null ? null : c[1],
            c == null || c[2] < 0 ? null : c[2],
            time,
            topic,
            partition,
            offset,
            record,
            salter.salt(origin, index));
    byte[] bytes = e.encode();
    if (bytes.length > TileStore.MAX_ENTRY) {
      throw new IllegalArgumentException(
          "a " + kind + " entry of " + bytes.length + " bytes: the log holds up to 65,535");
    }
    long[] next = {e.seq(), index, version ? index : c == null ? -1 : c[2], time};
    if (contract == null) {
      unowned = next;
    } else {
      chains.put(contract, next);
    }
    frontier.append(Merkle.leafHash(bytes));
    pending.add(bytes);
    return e;
  }

  /**
   * Writes the pending entries to {@code store} and signs the checkpoint of the new size with the
   * ring's current key; the first checkpoint of a new key is signed by the key before it too, so
   * that a verifier who trusts the old key learns the new one from the log itself.
   */
  public SignedNote seal(Tiles store, KeyRing keys) throws IOException {
    if (store.size() != sealedSize) {
      throw new IllegalStateException(
          "the store holds " + store.size() + " entries, " + sealedSize + " were sealed");
    }
    store.append(pending);
    pending = new ArrayList<>();
    sealedSize = frontier.size();
    Checkpoint cp = new Checkpoint(origin, sealedSize, frontier.root());
    NoteKey current = keys.current();
    List<NoteKey> by = new ArrayList<>();
    by.add(current);
    if (!signers.isEmpty() && !signers.contains(current.id())) {
      String last = null;
      for (String s : signers) {
        last = s;
      }
      keys.byId(last).ifPresent(by::add);
    }
    signers.add(current.id());
    try {
      return SignedNote.parse(SignedNote.sign(cp.text(), by));
    } catch (EvidenceException e) {
      throw new IllegalStateException("a note just signed does not read back", e);
    }
  }

  /** Everything that decides the next entries and checkpoints, to restore from. */
  public byte[] state() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream o = new DataOutputStream(b);
    o.writeByte(3);
    frontier.write(o);
    o.writeLong(sealedSize);
    o.writeBoolean(unowned != null);
    if (unowned != null) {
      for (long v : unowned) {
        o.writeLong(v);
      }
    }
    o.writeInt(chains.size());
    for (Map.Entry<String, long[]> c : chains.entrySet()) {
      utf8(o, c.getKey());
      for (long v : c.getValue()) {
        o.writeLong(v);
      }
    }
    o.writeInt(pending.size());
    for (byte[] p : pending) {
      o.writeInt(p.length);
      o.write(p);
    }
    o.writeInt(signers.size());
    for (String s : signers) {
      utf8(o, s);
    }
    o.flush();
    return b.toByteArray();
  }

  // strings of any length (DataOutput's writeUTF stops at 64 KB of modified UTF-8)
  private static void utf8(DataOutputStream o, String s) throws IOException {
    byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    o.writeInt(b.length);
    o.write(b);
  }

  private static String utf8(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 1 << 20) {
      throw new IOException("sealer state: a string of " + n + " bytes");
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return new String(b, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** A sealer restored from {@link #state()}. */
  public static Sealer restore(String origin, byte[] saltKey, byte[] state) throws IOException {
    Sealer s = new Sealer(origin, saltKey);
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(state));
    int format = in.readUnsignedByte();
    if (format != 3) {
      throw new IOException("sealer state format " + format + ", 3 expected");
    }
    s.frontier = Frontier.read(in);
    s.sealedSize = in.readLong();
    if (in.readBoolean()) {
      s.unowned = new long[] {in.readLong(), in.readLong(), in.readLong(), in.readLong()};
    }
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      s.chains.put(
          utf8(in), new long[] {in.readLong(), in.readLong(), in.readLong(), in.readLong()});
    }
    int p = in.readInt();
    for (int i = 0; i < p; i++) {
      byte[] e = new byte[in.readInt()];
      in.readFully(e);
      s.pending.add(e);
    }
    int k = in.readInt();
    for (int i = 0; i < k; i++) {
      s.signers.add(utf8(in));
    }
    if (s.sealedSize + s.pending.size() != s.frontier.size()) {
      throw new IOException(
          "sealer state: "
              + s.sealedSize
              + " sealed and "
              + s.pending.size()
              + " pending, but "
              + s.frontier.size()
              + " entries");
    }
    return s;
  }
}
