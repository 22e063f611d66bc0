package io.tollgate.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * An evidence package (docs/evidence.md, "Packages"): one contract's entries in a time range with
 * their salts and inclusion proofs, the entry just before and just after the range, the contract's
 * versions in force, the checkpoints that sealed them, every checkpoint where the signing key
 * changed, the latest one, the consistency proofs between those, the versions' texts, the public
 * keys and a manifest, in one zip. {@link #verify} checks it with nothing else: no network, no
 * broker, no log.
 */
public final class EvidencePackage {
  private EvidencePackage() {}

  public static final String FORMAT = "tollgate.io/evidence-package@v2";
  static final ObjectMapper JSON = new ObjectMapper();

  /** The files a package holds: nothing else. */
  static final java.util.regex.Pattern NAMES =
      java.util.regex.Pattern.compile(
          "manifest\\.json|keys/[0-9a-f]{8}\\.vkey|checkpoints/(0|[1-9][0-9]{0,17})\\.note"
              + "|consistency/(0|[1-9][0-9]{0,17})-(0|[1-9][0-9]{0,17})\\.proof"
              + "|entries/(0|[1-9][0-9]{0,17})\\.json"
              + "|proofs/(0|[1-9][0-9]{0,17})\\.tlog-proof|contracts/[0-9a-f]{64}\\.yaml");

  /** Bounds on what a package may hold: a hostile zip must not exhaust memory or time. */
  static final long MAX_FILE = 8L << 20; // a contract text is at most 4 MiB

  /** The files read whole (keys, checkpoints, consistency proofs, contract texts), together. */
  static final long MAX_SMALL = 128L << 20;

  static final long MAX_MANIFEST = 256L << 20;
  static final int MAX_FILES = 50_000_000;

  /** The log to export from: its tree at the latest checkpoint, and what else a package needs. */
  public record Log(
      TileStore.Reader tree,
      List<SignedNote> checkpoints,
      Collection<String> verifierKeys,
      Function<String, byte[]> contractText) {}

  /** What went into a package. */
  public record Exported(int entries, long treeSize, int checkpoints, long first, long last) {}

  /** What the scan keeps of each entry of the contract: no record, so a million fit. */
  private record Seen(long index, String kind, long at, String textSha256) {}

  /**
   * Writes the package of {@code contract}'s entries whose time is in {@code [from, to)} to {@code
   * out}: those entries and every entry of the contract between the first and the last of them (the
   * segment, so its chain is whole), the contract's entry just before the segment and just after it
   * when there are such (so that nothing at either end can be left out unseen), and the contract's
   * versions and revocations before the segment (the versions in force). The log's checkpoints must
   * be in order of size, the last covering the tree.
   */
  public static Exported export(
      Log log, String contract, long from, long to, Instant now, OutputStream out)
      throws IOException, EvidenceException {
    TileStore.Reader tree = log.tree();
    long size = tree.treeSize();
    if (log.checkpoints().isEmpty()) {
      throw new EvidenceException("the log has no checkpoint yet: nothing is sealed");
    }
    List<Checkpoint> cps = new ArrayList<>();
    for (SignedNote n : log.checkpoints()) {
      cps.add(Checkpoint.parse(n.text()));
    }
    SignedNote latest = log.checkpoints().get(log.checkpoints().size() - 1);
    if (cps.get(cps.size() - 1).size() != size) {
      throw new IllegalArgumentException("the tree read is not the latest checkpoint's");
    }
    // the contract's entries, in log order: a canonical entry names its contract exactly so
    byte[] needle =
        ("\"contract\":" + Canonical.string(JSON.getNodeFactory().textNode(contract)))
            .getBytes(StandardCharsets.UTF_8);
    List<Seen> all = new ArrayList<>();
    for (long i = 0; i < size; i++) {
      byte[] b = tree.entry(i);
      if (indexOf(b, needle) >= 0) {
        Entry e = Entry.decode(b);
        if (contract.equals(e.contract())) {
          all.add(
              new Seen(
                  e.index(),
                  e.kind(),
                  e.at(),
                  e.kind().equals(Entry.CONTRACT) && e.record().hasNonNull("textSha256")
                      ? e.record().get("textSha256").asText()
                      : null));
        }
      }
    }
    if (all.isEmpty()) {
      throw new EvidenceException("the log holds no entry of contract " + contract);
    }
    // time never goes back along a chain (the sealer holds it), so the range is one run of it:
    // [first, last], empty when first > last, between the entries before and after it
    int first = 0; // positions in all
    while (first < all.size() && all.get(first).at() < from) {
      first++;
    }
    int last = first - 1;
    while (last + 1 < all.size() && all.get(last + 1).at() < to) {
      last++;
    }
    boolean empty = last < first;
    TreeSet<Long> chosen = new TreeSet<>();
    Long before = first > 0 ? all.get(first - 1).index() : null;
    Long after = last + 1 < all.size() ? all.get(last + 1).index() : null;
    for (int i = 0; i < first; i++) {
      Seen e = all.get(i);
      if (e.kind().equals(Entry.CONTRACT) || e.kind().equals(Entry.REVOCATION)) {
        chosen.add(e.index());
      }
    }
    for (int i = first; i <= last; i++) {
      chosen.add(all.get(i).index());
    }
    if (before != null) {
      chosen.add(before);
    }
    if (after != null) {
      chosen.add(after);
    }
    // the checkpoints that first covered each entry, every checkpoint where the key changed
    // (signed by the old key and the new: a verifier who pins any of the log's keys follows every
    // rotation), and the latest
    TreeMap<Long, SignedNote> bySize = new TreeMap<>();
    for (int i = 0; i < cps.size(); i++) {
      bySize.put(cps.get(i).size(), log.checkpoints().get(i));
    }
    TreeMap<Long, SignedNote> included = new TreeMap<>();
    for (long index : chosen) {
      Map.Entry<Long, SignedNote> c = bySize.higherEntry(index);
      if (c != null) {
        included.put(c.getKey(), c.getValue());
      }
    }
    included.put(size, latest);
    for (Map.Entry<Long, SignedNote> c : bySize.entrySet()) {
      if (c.getValue().signatures().size() > 1) {
        included.put(c.getKey(), c.getValue());
      }
    }

    Map<String, String> hashes = new TreeMap<>(); // the files other than entries and proofs
    ArrayNode indexes = JSON.createArrayNode();
    Set<String> texts = new LinkedHashSet<>();
    try (ZipOutputStream z = new ZipOutputStream(new java.io.BufferedOutputStream(out, 1 << 16))) {
      for (String vkey : log.verifierKeys()) {
        NoteKey k = NoteKey.parseVerifierKey(vkey.strip());
        put(z, hashes, keyFile(k), (k.verifierKey() + "\n").getBytes(StandardCharsets.UTF_8));
      }
      Long prevSize = null;
      for (Map.Entry<Long, SignedNote> c : included.entrySet()) {
        put(
            z,
            hashes,
            "checkpoints/" + c.getKey() + ".note",
            c.getValue().encoded().getBytes(StandardCharsets.UTF_8));
        if (prevSize != null) {
          put(
              z,
              hashes,
              "consistency/" + prevSize + "-" + c.getKey() + ".proof",
              Proofs.consistency(
                      prevSize, c.getKey(), Merkle.consistencyProof(tree, prevSize, c.getKey()))
                  .getBytes(StandardCharsets.UTF_8));
        }
        prevSize = c.getKey();
      }
      Map<Long, Seen> byIndex = new TreeMap<>();
      for (Seen e : all) {
        byIndex.put(e.index(), e);
      }
      for (long index : chosen) {
        indexes.add(index);
        put(z, null, "entries/" + index + ".json", tree.entry(index));
        put(
            z,
            null,
            "proofs/" + index + ".tlog-proof",
            Proofs.inclusion(index, Merkle.inclusionProof(tree, index, size), latest.encoded())
                .getBytes(StandardCharsets.UTF_8));
        Seen e = byIndex.get(index);
        if (e.textSha256() != null && texts.add(e.textSha256())) {
          byte[] text = log.contractText().apply(e.textSha256());
          if (text == null) {
            throw new EvidenceException(
                "the text of contract "
                    + contract
                    + " version "
                    + e.textSha256()
                    + " is not kept beside the log: the package would not verify");
          }
          put(z, hashes, "contracts/" + e.textSha256() + ".yaml", text);
        }
      }
      ObjectNode m = JSON.createObjectNode();
      m.put("format", FORMAT);
      m.put("origin", cps.get(0).origin());
      m.put("contract", contract);
      m.put("from", from);
      m.put("to", to);
      m.put("exported", now.toString());
      m.put("treeSize", size);
      ObjectNode seg = m.putObject("segment");
      if (empty) {
        seg.putNull("first");
        seg.putNull("last");
      } else {
        seg.put("first", all.get(first).index());
        seg.put("last", all.get(last).index());
      }
      if (before == null) {
        seg.putNull("before");
      } else {
        seg.put("before", before);
      }
      if (after == null) {
        seg.putNull("after");
      } else {
        seg.put("after", after);
      }
      m.set("entries", indexes);
      ObjectNode files = m.putObject("files");
      hashes.forEach(files::put);
      put(z, null, "manifest.json", JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
    }
    return new Exported(
        chosen.size(),
        size,
        included.size(),
        empty ? -1 : all.get(first).index(),
        empty ? -1 : all.get(last).index());
  }

  /** {@code keys/<key id, 8 hex digits>.vkey}: key names may hold slashes (origins do). */
  public static String keyFile(NoteKey k) {
    return String.format("keys/%08x.vkey", k.keyId());
  }

  private static void put(ZipOutputStream z, Map<String, String> hashes, String name, byte[] b)
      throws IOException {
    ZipEntry e = new ZipEntry(name);
    e.setTime(0); // the same log exports the same bytes
    z.putNextEntry(e);
    z.write(b);
    z.closeEntry();
    if (hashes != null) {
      hashes.put(name, sha256(b));
    }
  }

  static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** What a package proves, once it verified. */
  public record Verified(
      String origin,
      String contract,
      long from,
      long to,
      long treeSize,
      String root,
      List<String> keys,
      boolean keysPinned,
      int entries,
      Map<String, Long> kinds,
      Map<String, Long> decisions,
      Map<String, Long> violations,
      Map<String, Long> throttles,
      long firstAt,
      long lastAt,
      int checkpoints,
      boolean fromStart,
      boolean openEnd,
      Long lastShown,
      List<Entry> all,
      Map<String, String> contractTexts) {

    /** A summary for people, in lines. */
    public String summary() {
      StringBuilder b = new StringBuilder();
      b.append("verified: ")
          .append(entries)
          .append(" entries of contract ")
          .append(contract)
          .append(" in the log ")
          .append(origin)
          .append('\n');
      b.append("  checkpoint: tree size ")
          .append(treeSize)
          .append(", root ")
          .append(root)
          .append(", ")
          .append(checkpoints)
          .append(" checkpoints consistent")
          .append('\n');
      b.append("  signed by: ")
          .append(String.join(", ", keys))
          .append(keysPinned ? " (pinned)" : " (keys from the package itself: pin them with --key)")
          .append('\n');
      b.append("  range: ")
          .append(from == Long.MIN_VALUE ? "the beginning" : Instant.ofEpochMilli(from).toString())
          .append(" to ")
          .append(to == Long.MAX_VALUE ? "the end" : Instant.ofEpochMilli(to).toString())
          .append(fromStart ? "; from the contract's first entry" : "; the entry before it shown")
          .append(openEnd ? "" : "; the entry after it shown: complete")
          .append('\n');
      if (openEnd) {
        b.append("  NOT PROVEN COMPLETE AT THE END: no entry of the contract after the range is")
            .append(" shown, so an entry of the range sealed after entries/")
            .append(lastShown)
            .append(".json would not be seen; export again once the contract has an entry")
            .append(" after the range\n");
      }
      if (firstAt <= lastAt) {
        b.append("  decisions in range: ")
            .append(Instant.ofEpochMilli(firstAt))
            .append(" to ")
            .append(Instant.ofEpochMilli(lastAt))
            .append('\n');
      }
      b.append("  entries: ").append(kinds).append('\n');
      b.append("  decisions: ").append(decisions).append('\n');
      b.append("  violations (denials by reason): ").append(violations).append('\n');
      b.append("  throttles by reason: ").append(throttles).append('\n');
      return b.toString();
    }
  }

  /**
   * Verifies a package held in a stream (spooled to a temporary file: a zip is read by its end).
   */
  public static Verified verify(InputStream zip, Collection<NoteKey> pinned)
      throws IOException, EvidenceException {
    Path tmp = Files.createTempFile("tollgate-package", ".zip");
    try {
      Files.copy(zip, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return verify(tmp, pinned, true);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Verifies a package: its files (by the zip's central directory, as every unzip reads it) against
   * the manifest; every checkpoint's signature (by {@code pinned} keys, or the package's own when
   * none are given, a new key trusted only once a trusted one co-signed a checkpoint with it);
   * every consistency proof between its checkpoints; every entry's form and inclusion proof; the
   * contract's chain across the segment, with the entries just before and after it (none left out
   * at either end, none inserted, none reordered); and the chain of the versions in force. The
   * first failure is thrown, naming the file and what is wrong. {@code keep}: keep the entries (the
   * audit report reads them), or only count them.
   */
  public static Verified verify(Path zip, Collection<NoteKey> pinned, boolean keep)
      throws IOException, EvidenceException {
    ZipFile zf;
    try {
      zf = new ZipFile(zip.toFile());
    } catch (java.util.zip.ZipException e) {
      throw new EvidenceException("not a readable zip: " + e.getMessage());
    }
    try (zf) {
      return verify(zf, pinned, keep);
    }
  }

  private static byte[] read(ZipFile zf, String name, long max)
      throws IOException, EvidenceException {
    ZipEntry e = zf.getEntry(name);
    if (e == null) {
      return null;
    }
    try (InputStream in = zf.getInputStream(e)) {
      byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
      if (b.length > max) {
        throw new EvidenceException(name + ": larger than such a file may be (" + max + " bytes)");
      }
      return b;
    } catch (java.util.zip.ZipException x) {
      throw new EvidenceException(name + ": " + x.getMessage());
    }
  }

  private static Verified verify(ZipFile zf, Collection<NoteKey> pinned, boolean keep)
      throws IOException, EvidenceException {
    // names first, from the central directory: nothing is read before they are all known
    Set<String> names = new HashSet<>();
    int count = 0;
    for (Enumeration<? extends ZipEntry> en = zf.entries(); en.hasMoreElements(); ) {
      ZipEntry e = en.nextElement();
      String name = e.getName();
      if (++count > MAX_FILES) {
        throw new EvidenceException("the package holds more files than a package may");
      }
      if (!NAMES.matcher(name).matches()) {
        throw new EvidenceException(name + " is not a file an evidence package holds");
      }
      if (!names.add(name)) {
        throw new EvidenceException(name + " is in the package twice");
      }
    }
    byte[] mb = read(zf, "manifest.json", MAX_MANIFEST);
    if (mb == null) {
      throw new EvidenceException("manifest.json is missing: not an evidence package");
    }
    JsonNode m;
    try {
      m = JSON.readTree(mb);
    } catch (IOException e) {
      throw new EvidenceException("manifest.json is not JSON: " + e.getMessage());
    }
    if (!FORMAT.equals(m.path("format").asText())) {
      throw new EvidenceException("manifest.json: format is not " + FORMAT);
    }
    String origin = text(m, "origin");
    String contract = text(m, "contract");
    long treeSize = integer(m, "treeSize");
    long from = integer(m, "from");
    long to = integer(m, "to");
    if (treeSize < 1 || from >= to) {
      throw new EvidenceException("manifest.json: treeSize must be positive and from before to");
    }
    JsonNode segment = m.get("segment");
    if (segment == null || !segment.isObject()) {
      throw new EvidenceException("manifest.json: segment must be an object");
    }
    Long first = nullable(segment, "first");
    Long last = nullable(segment, "last");
    Long before = nullable(segment, "before");
    Long after = nullable(segment, "after");
    if ((first == null) != (last == null) || (first != null && first > last)) {
      throw new EvidenceException(
          "manifest.json: segment first and last are both entries, first <= last, or both null");
    }
    JsonNode list = m.get("entries");
    if (list == null || !list.isArray()) {
      throw new EvidenceException("manifest.json: entries must be an array");
    }
    Set<Long> listed = new TreeSet<>();
    for (JsonNode n : list) {
      if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
        throw new EvidenceException("manifest.json: entries holds " + n + ", not an index");
      }
      if (!listed.add(n.longValue())) {
        throw new EvidenceException("manifest.json: entries lists " + n + " twice");
      }
    }
    JsonNode hashes = m.get("files");
    if (hashes == null || !hashes.isObject()) {
      throw new EvidenceException("manifest.json: files must be an object");
    }
    // every file is listed: the small ones with their hash, entries and proofs by index
    for (String name : names) {
      if (name.equals("manifest.json")) {
        continue;
      }
      if (name.startsWith("entries/") || name.startsWith("proofs/")) {
        long i = Long.parseLong(name.substring(name.indexOf('/') + 1, name.indexOf('.')));
        if (!listed.contains(i)) {
          throw new EvidenceException(name + " is not in the manifest: a file was added");
        }
      } else if (!hashes.has(name)) {
        throw new EvidenceException(name + " is not in the manifest: a file was added");
      }
    }
    Map<String, byte[]> small = new LinkedHashMap<>();
    long smallTotal = 0;
    for (var i = hashes.fieldNames(); i.hasNext(); ) {
      String name = i.next();
      if (!NAMES.matcher(name).matches()) {
        throw new EvidenceException(
            "manifest.json: files names " + name + ", not a package's file");
      }
      byte[] b = read(zf, name, MAX_FILE);
      if (b == null) {
        throw new EvidenceException(name + " is in the manifest but not in the package");
      }
      if (!hashes.get(name).asText().equals(sha256(b))) {
        throw new EvidenceException(name + " does not match its SHA-256 in the manifest");
      }
      smallTotal += b.length;
      if (smallTotal > MAX_SMALL) {
        throw new EvidenceException(
            "the keys, checkpoints, proofs and texts together exceed " + MAX_SMALL + " bytes");
      }
      small.put(name, b);
    }

    // keys
    Map<String, NoteKey> keys = new LinkedHashMap<>();
    for (Map.Entry<String, byte[]> f : small.entrySet()) {
      if (f.getKey().startsWith("keys/")) {
        NoteKey k;
        try {
          k = NoteKey.parseVerifierKey(new String(f.getValue(), StandardCharsets.UTF_8).strip());
        } catch (EvidenceException | RuntimeException e) {
          throw new EvidenceException(f.getKey() + ": " + e.getMessage());
        }
        if (!f.getKey().equals(keyFile(k))) {
          throw new EvidenceException(f.getKey() + " holds the key " + k.id());
        }
        keys.put(k.id(), k);
      }
    }

    // checkpoints, in order of size, each signed by a trusted key, each consistent with the last
    TreeMap<Long, SignedNote> notes = new TreeMap<>();
    Map<Long, Checkpoint> cps = new TreeMap<>();
    for (Map.Entry<String, byte[]> f : small.entrySet()) {
      if (f.getKey().startsWith("checkpoints/")) {
        String name = f.getKey();
        SignedNote n;
        Checkpoint c;
        try {
          n = SignedNote.parse(f.getValue());
          c = Checkpoint.parse(n.text());
        } catch (EvidenceException e) {
          throw new EvidenceException(name + ": " + e.getMessage());
        }
        if (!name.equals("checkpoints/" + c.size() + ".note")) {
          throw new EvidenceException(name + " holds the checkpoint of tree size " + c.size());
        }
        if (!c.origin().equals(origin)) {
          throw new EvidenceException(name + " is of the log " + c.origin() + ", not " + origin);
        }
        notes.put(c.size(), n);
        cps.put(c.size(), c);
      }
    }
    if (notes.isEmpty()) {
      throw new EvidenceException("the package has no checkpoint");
    }
    if (notes.lastKey() != treeSize) {
      throw new EvidenceException(
          "the latest checkpoint is of tree size "
              + notes.lastKey()
              + ", the manifest says "
              + treeSize);
    }
    Set<NoteKey> trusted = new LinkedHashSet<>(pinned);
    Set<String> signedBy = new LinkedHashSet<>();
    Checkpoint previous = null;
    for (Map.Entry<Long, SignedNote> n : notes.entrySet()) {
      String name = "checkpoints/" + n.getKey() + ".note";
      if (trusted.isEmpty()) {
        // no pinned key: the key that signed the first checkpoint is the log's
        for (SignedNote.Signature s : n.getValue().signatures()) {
          for (NoteKey k : keys.values()) {
            if (k.name().equals(s.name()) && k.keyId() == s.keyId()) {
              trusted.add(k);
              break;
            }
          }
          if (!trusted.isEmpty()) {
            break;
          }
        }
      }
      List<NoteKey> ok;
      try {
        ok = n.getValue().verify(trusted);
      } catch (EvidenceException e) {
        throw new EvidenceException(name + ": " + e.getMessage());
      } catch (RuntimeException e) {
        throw new EvidenceException(name + ": a signature cannot be checked: " + e.getMessage());
      }
      ok.forEach(k -> signedBy.add(k.id()));
      // a checkpoint that a trusted key signed introduces the other keys that signed it
      for (NoteKey k : keys.values()) {
        if (!trusted.contains(k)) {
          try {
            if (!n.getValue().verify(List.of(k)).isEmpty()) {
              trusted.add(k);
              signedBy.add(k.id());
            }
          } catch (EvidenceException | RuntimeException e) {
            // not signed by k
          }
        }
      }
      Checkpoint c = cps.get(n.getKey());
      if (previous != null) {
        String pname = "consistency/" + previous.size() + "-" + c.size() + ".proof";
        byte[] pb = small.get(pname);
        if (pb == null) {
          throw new EvidenceException(
              pname + " is missing: nothing shows " + name + " extends the checkpoint before it");
        }
        try {
          Proofs.Consistency p = Proofs.parseConsistency(new String(pb, StandardCharsets.UTF_8));
          if (p.oldSize() != previous.size() || p.newSize() != c.size()) {
            throw new EvidenceException("it is a proof from " + p.oldSize() + " to " + p.newSize());
          }
          Merkle.verifyConsistency(
              previous.size(), c.size(), previous.root(), c.root(), p.hashes());
        } catch (EvidenceException e) {
          throw new EvidenceException(pname + ": " + e.getMessage());
        }
      }
      previous = c;
    }
    Checkpoint latest = cps.get(treeSize);
    String latestNote = notes.get(treeSize).encoded();

    // entries, by the manifest's list: each read, decoded, proven, then counted
    TreeMap<Long, Entry> entries = new TreeMap<>();
    Map<String, String> texts = new TreeMap<>();
    Set<String> referenced = new HashSet<>();
    for (long index : listed) {
      String name = "entries/" + index + ".json";
      byte[] eb = read(zf, name, TileStore.MAX_ENTRY);
      if (eb == null) {
        throw new EvidenceException(name + " is in the manifest but not in the package");
      }
      Entry e;
      try {
        e = Entry.decode(eb);
      } catch (EvidenceException x) {
        throw new EvidenceException(name + ": " + x.getMessage());
      }
      if (e.index() != index) {
        throw new EvidenceException(name + " holds entry " + e.index());
      }
      if (!contract.equals(e.contract())) {
        throw new EvidenceException(name + " is of contract " + e.contract() + ", not " + contract);
      }
      String pname = "proofs/" + index + ".tlog-proof";
      byte[] pb = read(zf, pname, 1 << 16);
      if (pb == null) {
        throw new EvidenceException(pname + " is missing");
      }
      try {
        Proofs.Inclusion p = Proofs.parseInclusion(new String(pb, StandardCharsets.UTF_8));
        if (p.index() != index) {
          throw new EvidenceException("it proves index " + p.index());
        }
        if (!p.checkpoint().equals(latestNote)) {
          throw new EvidenceException(
              "it proves to a checkpoint other than checkpoints/" + treeSize + ".note");
        }
        Merkle.verifyInclusion(index, treeSize, Merkle.leafHash(eb), p.hashes(), latest.root());
      } catch (EvidenceException x) {
        throw new EvidenceException(name + " (proved by " + pname + "): " + x.getMessage());
      }
      if (e.kind().equals(Entry.CONTRACT) && e.record().hasNonNull("textSha256")) {
        String sha = e.record().get("textSha256").asText();
        referenced.add(sha);
        byte[] t = small.get("contracts/" + sha + ".yaml");
        if (t == null) {
          throw new EvidenceException(
              "contracts/" + sha + ".yaml is missing: the text of " + name + "'s version");
        }
        texts.put(e.record().path("version").asText(sha), new String(t, StandardCharsets.UTF_8));
      }
      entries.put(index, keep || isVersion(e) ? e : slim(e));
    }
    for (Map.Entry<String, byte[]> f : small.entrySet()) {
      String name = f.getKey();
      if (name.startsWith("contracts/")) {
        String sha = name.substring("contracts/".length(), name.length() - ".yaml".length());
        if (!sha.equals(sha256(f.getValue()))) {
          throw new EvidenceException(name + " is not the text its name's SHA-256 says");
        }
        if (!referenced.contains(sha)) {
          throw new EvidenceException(name + " is the text of no version the package shows");
        }
      }
    }

    // the chain. Time never goes back along it, so the range is one run of it: the segment, whole,
    // every entry of it in the range, between the entry just before it (before the range) and the
    // entry just after it (at or after the range's end); every other entry shown is a version or
    // a revocation in force before it, outside the range
    for (Entry e : entries.values()) {
      long i = e.index();
      if (e.prev() != null) {
        Entry p = entries.get(e.prev());
        if (p != null && (p.seq() + 1 != e.seq() || p.at() > e.at())) {
          throw new EvidenceException(
              "entries/"
                  + i
                  + ".json does not follow entries/"
                  + p.index()
                  + ".json, its prev:"
                  + " its seq is not the next, or its time goes back");
        }
      } else if (e.seq() != 1) {
        throw new EvidenceException("entries/" + i + ".json has no prev but seq " + e.seq());
      }
      boolean inSegment = first != null && i >= first && i <= last;
      boolean inRange = e.at() >= from && e.at() < to;
      if (inSegment != inRange) {
        throw new EvidenceException(
            inRange
                ? "entries/" + i + ".json is in the range but outside the segment"
                : "entries/" + i + ".json is in the segment but its time is outside the range");
      }
      if (!inSegment
          && !(before != null && i == before)
          && !(after != null && i == after)
          && !(isVersion(e)
              && e.at() < from
              && (first == null ? after == null || i < after : i < first))) {
        throw new EvidenceException(
            "entries/" + i + ".json is a " + e.kind() + " outside the segment and its brackets");
      }
    }
    Entry beforeEntry = null;
    Entry afterEntry = null;
    if (before != null) {
      beforeEntry = entries.get(before);
      if (beforeEntry == null) {
        throw new EvidenceException("the segment's entry before, " + before + ", is not shown");
      }
      if (beforeEntry.at() >= from) {
        throw new EvidenceException("entries/" + before + ".json, before the segment, is not");
      }
    }
    if (after != null) {
      afterEntry = entries.get(after);
      if (afterEntry == null) {
        throw new EvidenceException("the segment's entry after, " + after + ", is not shown");
      }
      if (afterEntry.at() < to) {
        throw new EvidenceException("entries/" + after + ".json, after the segment, is not");
      }
    }
    if (first != null) {
      Entry prev = null;
      for (Entry e : entries.subMap(first, true, last, true).values()) {
        if (prev == null ? e.index() != first : e.prev() == null || e.prev() != prev.index()) {
          throw new EvidenceException(
              prev == null
                  ? "the segment starts at entry " + first + ", which the package lacks"
                  : "entries/"
                      + e.index()
                      + ".json (prev "
                      + e.prev()
                      + ") does not follow"
                      + " entries/"
                      + prev.index()
                      + ".json: an entry of the contract is missing"
                      + " or out of place");
        }
        prev = e;
      }
      if (prev == null || prev.index() != last) {
        throw new EvidenceException(
            "the segment ends at entry " + last + ", which the package lacks");
      }
      Long startPrev = entries.get(first).prev();
      if (!java.util.Objects.equals(startPrev, before)) {
        throw new EvidenceException(
            startPrev == null
                ? "the segment starts the chain, yet an entry before it is given"
                : "entries/"
                    + first
                    + ".json follows entry "
                    + startPrev
                    + ", which is not shown"
                    + " as the entry before the segment: entries at the start of the range may be"
                    + " left out");
      }
      if (afterEntry != null && !java.util.Objects.equals(afterEntry.prev(), last)) {
        throw new EvidenceException(
            "entries/" + after + ".json does not follow the segment's last entry " + last);
      }
    } else {
      // nothing in the range: the entries before and after it are neighbours on the chain
      if (afterEntry == null && beforeEntry == null) {
        throw new EvidenceException("the package shows no entry on either side of the range");
      }
      if (afterEntry != null && !java.util.Objects.equals(afterEntry.prev(), before)) {
        throw new EvidenceException(
            "entries/"
                + after
                + ".json does not follow "
                + (before == null ? "nothing (it is not the chain's first)" : "entry " + before)
                + ": entries of the range may be left out");
      }
    }
    boolean fromStart = before == null;
    boolean openEnd = after == null;
    Long lastShown = after != null ? null : first != null ? last : before;
    // the versions in force: every entry's terms are in the package, and theirs in turn
    for (Entry e : entries.values()) {
      Long t = e.terms();
      if (t != null) {
        Entry v = entries.get(t);
        if (v == null || !isVersion(v)) {
          throw new EvidenceException(
              "entries/"
                  + e.index()
                  + ".json was sealed under the version entry "
                  + t
                  + ", which the package lacks: a version or a revocation is left out");
        }
      }
    }

    Map<String, Long> kinds = new TreeMap<>();
    Map<String, Long> decisions = new TreeMap<>();
    Map<String, Long> violations = new TreeMap<>();
    Map<String, Long> throttles = new TreeMap<>();
    long firstAt = Long.MAX_VALUE;
    long lastAt = Long.MIN_VALUE;
    for (Entry e : entries.values()) {
      kinds.merge(e.kind(), 1L, Long::sum);
      if (e.kind().equals(Entry.DECISION) && e.at() >= from && e.at() < to) {
        String d = e.record().path("decision").asText("?");
        decisions.merge(d, 1L, Long::sum);
        Map<String, Long> into =
            d.equals("DENY") ? violations : d.equals("THROTTLE") ? throttles : null;
        if (into != null) {
          for (JsonNode r : e.record().path("reasons")) {
            into.merge(r.asText(), 1L, Long::sum);
          }
        }
        firstAt = Math.min(firstAt, e.at());
        lastAt = Math.max(lastAt, e.at());
      }
    }
    return new Verified(
        origin,
        contract,
        from,
        to,
        treeSize,
        Base64.getEncoder().encodeToString(latest.root()),
        new ArrayList<>(signedBy),
        !pinned.isEmpty(),
        entries.size(),
        kinds,
        decisions,
        violations,
        throttles,
        firstAt,
        lastAt,
        notes.size(),
        fromStart,
        openEnd,
        lastShown,
        keep ? new ArrayList<>(entries.values()) : List.of(),
        texts);
  }

  private static String text(JsonNode m, String f) throws EvidenceException {
    JsonNode n = m.get(f);
    if (n == null || !n.isTextual()) {
      throw new EvidenceException("manifest.json: " + f + " must be a string");
    }
    return n.asText();
  }

  private static long integer(JsonNode m, String f) throws EvidenceException {
    JsonNode n = m.get(f);
    if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
      throw new EvidenceException("manifest.json: " + f + " must be an integer");
    }
    return n.longValue();
  }

  private static Long nullable(JsonNode m, String f) throws EvidenceException {
    JsonNode n = m.get(f);
    if (n == null) {
      throw new EvidenceException("manifest.json: segment." + f + " is missing");
    }
    if (n.isNull()) {
      return null;
    }
    if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
      throw new EvidenceException("manifest.json: segment." + f + " must be an index or null");
    }
    return n.longValue();
  }

  static boolean isVersion(Entry e) {
    return e.kind().equals(Entry.CONTRACT) || e.kind().equals(Entry.REVOCATION);
  }

  /** An entry without the bulk of its record, for counting: its decision and reasons stay. */
  private static Entry slim(Entry e) {
    ObjectNode r = JSON.createObjectNode();
    JsonNode d = e.record().get("decision");
    if (d != null) {
      r.set("decision", d);
    }
    JsonNode reasons = e.record().get("reasons");
    if (reasons != null) {
      r.set("reasons", reasons);
    }
    return new Entry(
        e.index(),
        e.kind(),
        e.contract(),
        e.seq(),
        e.prev(),
        e.terms(),
        e.at(),
        e.topic(),
        e.partition(),
        e.offset(),
        r,
        e.salt());
  }
}
