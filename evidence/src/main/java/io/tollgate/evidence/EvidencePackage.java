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
          "manifest\\.json|keys/[0-9a-f]{8}\\.vkey|checkpoints/[0-9]+\\.note"
              + "|consistency/[0-9]+-[0-9]+\\.proof|entries/[0-9]+\\.json"
              + "|proofs/[0-9]+\\.tlog-proof|contracts/[0-9a-f]{64}\\.yaml");

  /** Bounds on what a package may hold: a hostile zip must not exhaust memory or time. */
  static final long MAX_FILE = 8L << 20; // a contract text is at most 4 MiB

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
    int first = -1; // positions in all
    int last = -1;
    for (int i = 0; i < all.size(); i++) {
      Seen e = all.get(i);
      if (e.at() >= from && e.at() < to) {
        if (first < 0) {
          first = i;
        }
        last = i;
      }
    }
    TreeSet<Long> chosen = new TreeSet<>();
    Long before = null;
    Long after = null;
    int contextEnd = first < 0 ? all.size() : first;
    for (int i = 0; i < contextEnd; i++) {
      Seen e = all.get(i);
      boolean version = e.kind().equals(Entry.CONTRACT) || e.kind().equals(Entry.REVOCATION);
      if (version && (first >= 0 || e.at() < to)) {
        chosen.add(e.index());
      }
    }
    if (first >= 0) {
      for (int i = first; i <= last; i++) {
        chosen.add(all.get(i).index());
      }
      if (first > 0) {
        before = all.get(first - 1).index();
        chosen.add(before);
      }
      if (last + 1 < all.size()) {
        after = all.get(last + 1).index();
        chosen.add(after);
      }
    }
    // the checkpoints that first covered each entry, every checkpoint where the key changed
    // (signed by the old key and the new) from the first of those on, and the latest
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
    for (Map.Entry<Long, SignedNote> c : bySize.tailMap(included.firstKey(), true).entrySet()) {
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
      seg.put("first", first < 0 ? -1 : all.get(first).index());
      seg.put("last", last < 0 ? -1 : all.get(last).index());
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
        first < 0 ? -1 : all.get(first).index(),
        last < 0 ? -1 : all.get(last).index());
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
      boolean toLatest,
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
          .append(
              toLatest
                  ? "; up to the contract's latest entry in this tree (an entry sealed after it"
                      + " would be in a later tree)"
                  : "; the entry after it shown")
          .append('\n');
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
    String origin = m.path("origin").asText();
    String contract = m.path("contract").asText();
    long treeSize = m.path("treeSize").asLong(-1);
    long from = m.path("from").asLong(Long.MIN_VALUE);
    long to = m.path("to").asLong(Long.MAX_VALUE);
    Set<Long> listed = new TreeSet<>();
    m.path("entries").forEach(n -> listed.add(n.asLong()));
    JsonNode hashes = m.path("files");
    // every file is listed: the small ones with their hash, entries and proofs by index
    for (String name : names) {
      if (name.equals("manifest.json")) {
        continue;
      }
      if (name.startsWith("entries/") || name.startsWith("proofs/")) {
        long i = Long.parseLong(name.replaceAll("[^0-9]", ""));
        if (!listed.contains(i)) {
          throw new EvidenceException(name + " is not in the manifest: a file was added");
        }
      } else if (!hashes.has(name)) {
        throw new EvidenceException(name + " is not in the manifest: a file was added");
      }
    }
    Map<String, byte[]> small = new LinkedHashMap<>();
    for (var i = hashes.fieldNames(); i.hasNext(); ) {
      String name = i.next();
      byte[] b = read(zf, name, MAX_FILE);
      if (b == null) {
        throw new EvidenceException(name + " is in the manifest but not in the package");
      }
      if (!hashes.get(name).asText().equals(sha256(b))) {
        throw new EvidenceException(name + " does not match its SHA-256 in the manifest");
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
      }
    }

    // the chain: the segment whole, bracketed by the entries before and after it
    long first = m.path("segment").path("first").asLong(-1);
    long last = m.path("segment").path("last").asLong(-1);
    JsonNode beforeNode = m.path("segment").path("before");
    JsonNode afterNode = m.path("segment").path("after");
    Long before = beforeNode.isIntegralNumber() ? beforeNode.asLong() : null;
    Long after = afterNode.isIntegralNumber() ? afterNode.asLong() : null;
    Entry prev = null;
    for (Entry e : entries.values()) {
      long i = e.index();
      if (first < 0 || i < first) {
        if (!isVersion(e) && (before == null || i != before)) {
          throw new EvidenceException(
              "entries/" + i + ".json is a " + e.kind() + " before the segment");
        }
        continue;
      }
      if (i > last) {
        if (after == null || i != after) {
          throw new EvidenceException("entries/" + i + ".json is after the segment's end");
        }
        continue;
      }
      if (prev == null) {
        if (i != first) {
          throw new EvidenceException(
              "the segment starts at entry " + first + ", which the package lacks");
        }
      } else if (e.prev() == null || e.prev() != prev.index() || e.seq() != prev.seq() + 1) {
        throw new EvidenceException(
            "entries/"
                + i
                + ".json (seq "
                + e.seq()
                + ", prev "
                + e.prev()
                + ") does not follow entries/"
                + prev.index()
                + ".json (seq "
                + prev.seq()
                + "): an entry of the contract is missing or out of place");
      }
      if (e.at() < from || e.at() >= to) {
        if (i == first || i == last) {
          throw new EvidenceException(
              "entries/" + i + ".json ends the segment but its time is outside the range");
        }
      }
      prev = e;
    }
    boolean fromStart = true;
    boolean toLatest = true;
    if (first >= 0) {
      if (prev == null || prev.index() != last) {
        throw new EvidenceException(
            "the segment ends at entry " + last + ", which the package lacks");
      }
      Entry f = entries.get(first);
      if (f.prev() != null) {
        // entries before the first are left out: the one just before must be there, outside
        Entry b = entries.get(f.prev());
        if (b == null || before == null || !before.equals(f.prev())) {
          throw new EvidenceException(
              "entries/"
                  + first
                  + ".json follows entry "
                  + f.prev()
                  + ", which the package lacks: entries at the start of the range may be left"
                  + " out");
        }
        if (b.at() >= from) {
          throw new EvidenceException(
              "entries/" + b.index() + ".json is in the range but outside the segment");
        }
        fromStart = false;
      } else if (before != null) {
        throw new EvidenceException(
            "the segment starts the chain, yet an entry before it is given");
      }
      if (after != null) {
        Entry a = entries.get(after);
        if (a == null
            || a.prev() == null
            || a.prev() != last
            || a.seq() != entries.get(last).seq() + 1) {
          throw new EvidenceException(
              "entries/" + after + ".json does not follow the segment's last entry " + last);
        }
        if (a.at() >= from && a.at() < to) {
          throw new EvidenceException(
              "entries/" + after + ".json is in the range but outside the segment");
        }
        toLatest = false;
      }
    }
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
        toLatest,
        keep ? new ArrayList<>(entries.values()) : List.of(),
        texts);
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
