package io.tollgate.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
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
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * An evidence package (docs/evidence.md, "Packages"): one contract's entries in a time range with
 * their salts and inclusion proofs, the checkpoints that sealed them and the latest one, the
 * consistency proofs between those, the contract versions' texts, the public keys and a manifest,
 * in one zip. {@link #verify} checks it with nothing else: no network, no broker, no log.
 */
public final class EvidencePackage {
  private EvidencePackage() {}

  public static final String FORMAT = "tollgate.io/evidence-package@v1";
  static final ObjectMapper JSON = new ObjectMapper();

  /** The files a package holds: nothing else. */
  static final java.util.regex.Pattern NAMES =
      java.util.regex.Pattern.compile(
          "keys/[0-9a-f]{8}\\.vkey|checkpoints/[0-9]+\\.note|consistency/[0-9]+-[0-9]+\\.proof"
              + "|entries/[0-9]+\\.json|proofs/[0-9]+\\.tlog-proof|contracts/[0-9a-f]{64}\\.yaml");

  /** Bounds on what a package may hold: a hostile zip must not exhaust memory. */
  static final long MAX_FILE = 64L << 20;

  static final long MAX_TOTAL = 4L << 30;

  /** The log to export from: its tree at the latest checkpoint, and what else a package needs. */
  public record Log(
      TileStore.Reader tree,
      List<SignedNote> checkpoints,
      Collection<String> verifierKeys,
      Function<String, byte[]> contractText) {}

  /** What went into a package. */
  public record Exported(int entries, long treeSize, int checkpoints, long first, long last) {}

  /**
   * Writes the package of {@code contract}'s entries whose time is in {@code [from, to)}, with the
   * entries of the contract between the first and the last of those (so its chain is whole) and its
   * versions and revocations before them, to {@code out}. The log's checkpoints must be in order of
   * size, the last covering the tree.
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
    List<Entry> all = new ArrayList<>();
    Map<Long, byte[]> raw = new TreeMap<>();
    for (long i = 0; i < size; i++) {
      byte[] b = tree.entry(i);
      if (indexOf(b, needle) >= 0) {
        Entry e = Entry.decode(b);
        if (contract.equals(e.contract())) {
          all.add(e);
          raw.put(i, b);
        }
      }
    }
    long first = -1;
    long last = -1;
    for (Entry e : all) {
      if (e.at() >= from && e.at() < to) {
        if (first < 0) {
          first = e.index();
        }
        last = e.index();
      }
    }
    List<Entry> chosen = new ArrayList<>();
    for (Entry e : all) {
      boolean inSegment = first >= 0 && e.index() >= first && e.index() <= last;
      boolean context =
          (e.kind().equals(Entry.CONTRACT) || e.kind().equals(Entry.REVOCATION))
              && (first < 0 ? e.at() < to : e.index() < first);
      if (inSegment || context) {
        chosen.add(e);
      }
    }
    // the checkpoints that first covered each entry, and the latest
    TreeMap<Long, SignedNote> bySize = new TreeMap<>();
    for (int i = 0; i < cps.size(); i++) {
      bySize.put(cps.get(i).size(), log.checkpoints().get(i));
    }
    TreeMap<Long, SignedNote> included = new TreeMap<>();
    for (Entry e : chosen) {
      Map.Entry<Long, SignedNote> c = bySize.higherEntry(e.index());
      if (c != null) {
        included.put(c.getKey(), c.getValue());
      }
    }
    included.put(size, latest);

    Map<String, byte[]> files = new LinkedHashMap<>();
    for (String vkey : log.verifierKeys()) {
      NoteKey k = NoteKey.parseVerifierKey(vkey.strip());
      files.put(keyFile(k), (k.verifierKey() + "\n").getBytes(StandardCharsets.UTF_8));
    }
    Long prevSize = null;
    for (Map.Entry<Long, SignedNote> c : included.entrySet()) {
      files.put(
          "checkpoints/" + c.getKey() + ".note",
          c.getValue().encoded().getBytes(StandardCharsets.UTF_8));
      if (prevSize != null) {
        files.put(
            "consistency/" + prevSize + "-" + c.getKey() + ".proof",
            Proofs.consistency(
                    prevSize, c.getKey(), Merkle.consistencyProof(tree, prevSize, c.getKey()))
                .getBytes(StandardCharsets.UTF_8));
      }
      prevSize = c.getKey();
    }
    ArrayNode indexes = JSON.createArrayNode();
    for (Entry e : chosen) {
      indexes.add(e.index());
      files.put("entries/" + e.index() + ".json", raw.get(e.index()));
      files.put(
          "proofs/" + e.index() + ".tlog-proof",
          Proofs.inclusion(
                  e.index(), Merkle.inclusionProof(tree, e.index(), size), latest.encoded())
              .getBytes(StandardCharsets.UTF_8));
      if (e.kind().equals(Entry.CONTRACT) && e.record().hasNonNull("textSha256")) {
        String sha = e.record().get("textSha256").asText();
        byte[] text = log.contractText().apply(sha);
        if (text != null) {
          files.put("contracts/" + sha + ".yaml", text);
        }
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
    seg.put("first", first);
    seg.put("last", last);
    m.set("entries", indexes);
    ObjectNode hashes = m.putObject("files");
    files.forEach((name, bytes) -> hashes.put(name, sha256(bytes)));
    try (ZipOutputStream z = new ZipOutputStream(new java.io.BufferedOutputStream(out, 1 << 16))) {
      put(z, "manifest.json", JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        put(z, f.getKey(), f.getValue());
      }
    }
    return new Exported(chosen.size(), size, included.size(), first, last);
  }

  /** {@code keys/<key id, 8 hex digits>.vkey}: key names may hold slashes (origins do). */
  public static String keyFile(NoteKey k) {
    return String.format("keys/%08x.vkey", k.keyId());
  }

  private static void put(ZipOutputStream z, String name, byte[] bytes) throws IOException {
    ZipEntry e = new ZipEntry(name);
    e.setTime(0); // the same log exports the same bytes
    z.putNextEntry(e);
    z.write(bytes);
    z.closeEntry();
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
      if (firstAt <= lastAt) {
        b.append("  range: ")
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
   * Verifies a package: every file against the manifest, every checkpoint's signature (by {@code
   * pinned} keys, or the package's own when none are given, a new key trusted only once a trusted
   * one co-signed a checkpoint with it), every consistency proof between its checkpoints, every
   * entry's form and inclusion proof, and the contract's chain across the entries (none left out,
   * none inserted, none reordered). The first failure is thrown, naming the file and what is wrong.
   */
  public static Verified verify(InputStream zip, Collection<NoteKey> pinned)
      throws IOException, EvidenceException {
    Map<String, byte[]> files = read(zip);
    byte[] mb = files.remove("manifest.json");
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
    for (String name : files.keySet()) {
      if (!NAMES.matcher(name).matches()) {
        throw new EvidenceException(name + " is not a file an evidence package holds");
      }
    }
    String origin = m.path("origin").asText();
    String contract = m.path("contract").asText();
    long treeSize = m.path("treeSize").asLong(-1);
    JsonNode listed = m.path("files");
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      JsonNode h = listed.get(f.getKey());
      if (h == null) {
        throw new EvidenceException(f.getKey() + " is not in the manifest: a file was added");
      }
      if (!h.asText().equals(sha256(f.getValue()))) {
        throw new EvidenceException(f.getKey() + " does not match its SHA-256 in the manifest");
      }
    }
    for (var i = listed.fieldNames(); i.hasNext(); ) {
      String name = i.next();
      if (!files.containsKey(name)) {
        throw new EvidenceException(name + " is in the manifest but not in the package");
      }
    }

    // keys
    Map<String, NoteKey> keys = new LinkedHashMap<>();
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      if (f.getKey().startsWith("keys/")) {
        NoteKey k;
        try {
          k = NoteKey.parseVerifierKey(new String(f.getValue(), StandardCharsets.UTF_8).strip());
        } catch (EvidenceException e) {
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
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      if (f.getKey().startsWith("checkpoints/")) {
        String name = f.getKey();
        SignedNote n;
        Checkpoint c;
        try {
          n = SignedNote.parse(new String(f.getValue(), StandardCharsets.UTF_8));
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
    Checkpoint before = null;
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
          } catch (EvidenceException e) {
            // not signed by k
          }
        }
      }
      Checkpoint c = cps.get(n.getKey());
      if (before != null) {
        String pname = "consistency/" + before.size() + "-" + c.size() + ".proof";
        byte[] pb = files.get(pname);
        if (pb == null) {
          throw new EvidenceException(
              pname + " is missing: nothing shows " + name + " extends the checkpoint before it");
        }
        try {
          Proofs.Consistency p = Proofs.parseConsistency(new String(pb, StandardCharsets.UTF_8));
          if (p.oldSize() != before.size() || p.newSize() != c.size()) {
            throw new EvidenceException("it is a proof from " + p.oldSize() + " to " + p.newSize());
          }
          Merkle.verifyConsistency(before.size(), c.size(), before.root(), c.root(), p.hashes());
        } catch (EvidenceException e) {
          throw new EvidenceException(pname + ": " + e.getMessage());
        }
      }
      before = c;
    }
    Checkpoint latest = cps.get(treeSize);
    String latestNote = notes.get(treeSize).encoded();

    // entries
    TreeMap<Long, Entry> entries = new TreeMap<>();
    Map<String, String> texts = new TreeMap<>();
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      String name = f.getKey();
      if (!name.startsWith("entries/")) {
        continue;
      }
      Entry e;
      try {
        e = Entry.decode(f.getValue());
      } catch (EvidenceException x) {
        throw new EvidenceException(name + ": " + x.getMessage());
      }
      if (!name.equals("entries/" + e.index() + ".json")) {
        throw new EvidenceException(name + " holds entry " + e.index());
      }
      if (!contract.equals(e.contract())) {
        throw new EvidenceException(name + " is of contract " + e.contract() + ", not " + contract);
      }
      String pname = "proofs/" + e.index() + ".tlog-proof";
      byte[] pb = files.get(pname);
      if (pb == null) {
        throw new EvidenceException(pname + " is missing");
      }
      try {
        Proofs.Inclusion p = Proofs.parseInclusion(new String(pb, StandardCharsets.UTF_8));
        if (p.index() != e.index()) {
          throw new EvidenceException("it proves index " + p.index());
        }
        if (!p.checkpoint().equals(latestNote)) {
          throw new EvidenceException(
              "it proves to a checkpoint other than checkpoints/" + treeSize + ".note");
        }
        Merkle.verifyInclusion(
            e.index(), treeSize, Merkle.leafHash(f.getValue()), p.hashes(), latest.root());
      } catch (EvidenceException x) {
        throw new EvidenceException(name + " (proved by " + pname + "): " + x.getMessage());
      }
      if (e.kind().equals(Entry.CONTRACT) && e.record().hasNonNull("textSha256")) {
        String sha = e.record().get("textSha256").asText();
        byte[] t = files.get("contracts/" + sha + ".yaml");
        if (t == null) {
          throw new EvidenceException(
              "contracts/" + sha + ".yaml is missing: the text of " + name + "'s version");
        }
        texts.put(e.record().path("version").asText(sha), new String(t, StandardCharsets.UTF_8));
      }
      entries.put(e.index(), e);
    }
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      String name = f.getKey();
      if (name.startsWith("contracts/")) {
        String sha = name.substring("contracts/".length(), name.length() - ".yaml".length());
        if (!name.endsWith(".yaml") || !sha.equals(sha256(f.getValue()))) {
          throw new EvidenceException(name + " is not the text its name's SHA-256 says");
        }
      }
    }
    Set<Long> manifestEntries = new TreeSet<>();
    m.path("entries").forEach(n -> manifestEntries.add(n.asLong()));
    if (!manifestEntries.equals(entries.keySet())) {
      Set<Long> missing = new TreeSet<>(manifestEntries);
      missing.removeAll(entries.keySet());
      throw new EvidenceException(
          "the manifest lists entries the package lacks or the reverse: missing " + missing);
    }

    // the contract's chain: the segment's entries follow one another, seq by seq
    long first = m.path("segment").path("first").asLong(-1);
    long last = m.path("segment").path("last").asLong(-1);
    Entry prev = null;
    for (Entry e : entries.values()) {
      if (first < 0 || e.index() < first) {
        if (!(e.kind().equals(Entry.CONTRACT) || e.kind().equals(Entry.REVOCATION))) {
          throw new EvidenceException(
              "entries/" + e.index() + ".json is a " + e.kind() + " outside the chain's segment");
        }
        continue;
      }
      if (e.index() > last) {
        throw new EvidenceException("entries/" + e.index() + ".json is after the segment's end");
      }
      if (prev == null) {
        if (e.index() != first) {
          throw new EvidenceException(
              "the segment starts at entry " + first + ", which the package lacks");
        }
      } else if (e.prev() == null || e.prev() != prev.index() || e.seq() != prev.seq() + 1) {
        throw new EvidenceException(
            "entries/"
                + e.index()
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
      prev = e;
    }
    if (first >= 0 && (prev == null || prev.index() != last)) {
      throw new EvidenceException(
          "the segment ends at entry " + last + ", which the package lacks");
    }

    Map<String, Long> kinds = new TreeMap<>();
    Map<String, Long> decisions = new TreeMap<>();
    Map<String, Long> violations = new TreeMap<>();
    Map<String, Long> throttles = new TreeMap<>();
    long firstAt = Long.MAX_VALUE;
    long lastAt = Long.MIN_VALUE;
    for (Entry e : entries.values()) {
      kinds.merge(e.kind(), 1L, Long::sum);
      if (e.kind().equals(Entry.DECISION)) {
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
        new ArrayList<>(entries.values()),
        texts);
  }

  private static Map<String, byte[]> read(InputStream in) throws IOException, EvidenceException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    long total = 0;
    try (ZipInputStream z = new ZipInputStream(new java.io.BufferedInputStream(in, 1 << 16))) {
      ZipEntry e;
      byte[] buf = new byte[65536];
      while ((e = z.getNextEntry()) != null) {
        String name = e.getName();
        if (e.isDirectory()) {
          continue;
        }
        if (name.startsWith("/") || name.contains("..") || name.contains("\\")) {
          throw new EvidenceException("a file named " + name + ": not a package's path");
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int n;
        while ((n = z.read(buf)) > 0) {
          b.write(buf, 0, n);
          total += n;
          if (b.size() > MAX_FILE || total > MAX_TOTAL) {
            throw new EvidenceException(name + ": the package is larger than a package may be");
          }
        }
        if (files.put(name, b.toByteArray()) != null) {
          throw new EvidenceException(name + " is in the package twice");
        }
      }
    } catch (java.util.zip.ZipException e) {
      throw new EvidenceException("not a readable zip: " + e.getMessage());
    }
    if (files.isEmpty()) {
      throw new EvidenceException("not a zip, or an empty one");
    }
    return files;
  }

  static boolean same(byte[] a, byte[] b) {
    return Arrays.equals(a, b);
  }
}
