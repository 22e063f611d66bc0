package io.tollgate.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A package exported from a log verifies with nothing else; every change an exporter, a courier or
 * an attacker could make to it fails, with a message that names the file and what is wrong. Most
 * mutations recompute the manifest's hashes (as a forger would), so the checks behind it are what
 * catches them.
 */
class EvidencePackageTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ORIGIN = "tollgate.test/evidence";
  @TempDir Path tmp;
  KeyRing keys;
  List<SignedNote> notes = new ArrayList<>();
  Sealer sealer;
  TileStore store;
  byte[] pkg;
  long t0 = Instant.parse("2026-11-02T00:00:00Z").toEpochMilli();

  ObjectNode decision(String contract, String decision, String reason, long i) {
    ObjectNode f = JSON.createObjectNode();
    f.put("v", 1);
    f.put("callId", "c-" + i);
    f.put("decision", decision);
    f.putArray("reasons");
    if (reason != null) {
      ((com.fasterxml.jackson.databind.node.ArrayNode) f.get("reasons")).add(reason);
    }
    f.put("contract", contract);
    f.put("consumer", contract == null ? "stranger" : "bank-" + contract);
    f.put("dataset", "credit-report");
    f.put("upstreamMs", 0.412);
    return f;
  }

  @BeforeEach
  void log() throws Exception {
    keys = KeyRing.open(tmp.resolve("keys"), ORIGIN);
    sealer = new Sealer(ORIGIN, keys.saltKey());
    store = TileStore.open(tmp.resolve("log"), 0);
    Random r = new Random(10);
    String[] contracts = {"ct-a", "ct-b", null};
    long offset = 0;
    for (String c : List.of("ct-a", "ct-b")) {
      ObjectNode v = JSON.createObjectNode();
      v.put("version", "v1-" + c);
      v.put(
          "textSha256",
          EvidencePackage.sha256(("contract: " + c).getBytes(StandardCharsets.UTF_8)));
      sealer.add(Entry.CONTRACT, c, t0, "tollgate.policies", 0, offset++, v);
    }
    for (int i = 0; i < 3000; i++) {
      String c = contracts[r.nextInt(3)];
      int d = r.nextInt(10);
      String decision = d < 7 ? "PERMIT" : d < 9 ? "DENY" : "THROTTLE";
      String reason = d < 7 ? null : d < 9 ? (r.nextBoolean() ? "purpose" : "region") : "rate";
      sealer.add(
          Entry.DECISION,
          c,
          t0 + i * 60_000L,
          "tollgate.feedback",
          i % 2,
          i,
          decision(c, decision, reason, i));
      if (r.nextInt(200) == 0) {
        notes.add(sealer.seal(store, keys));
      }
      if (i == 1500) {
        notes.add(sealer.seal(store, keys));
        keys.rotate(); // the package spans a rotation
      }
    }
    notes.add(sealer.seal(store, keys));
    pkg = export("ct-a", t0 + 600 * 60_000L, t0 + 2600 * 60_000L);
  }

  byte[] export(String contract, long from, long to) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EvidencePackage.export(
        new EvidencePackage.Log(
            TileStore.reader(tmp.resolve("log"), store.size()),
            notes,
            keys.verifierKeys(),
            sha -> ("contract: " + contract).getBytes(StandardCharsets.UTF_8)),
        contract,
        from,
        to,
        Instant.parse("2026-12-02T00:00:00Z"),
        out);
    return out.toByteArray();
  }

  static EvidencePackage.Verified verify(byte[] zip, List<NoteKey> pinned) throws Exception {
    return EvidencePackage.verify(new ByteArrayInputStream(zip), pinned);
  }

  @Test
  void anExportedPackageVerifiesAcrossAKeyRotation() throws Exception {
    EvidencePackage.Verified v = verify(pkg, List.of());
    assertThat(v.contract()).isEqualTo("ct-a");
    assertThat(v.treeSize()).isEqualTo(store.size());
    assertThat(v.keys()).hasSize(2); // the old key, and the new one it introduced
    assertThat(v.kinds()).containsKey(Entry.CONTRACT);
    long decisions = v.decisions().values().stream().mapToLong(Long::longValue).sum();
    long inRange =
        v.all().stream()
            .filter(e -> e.kind().equals(Entry.DECISION))
            .filter(e -> e.at() >= t0 + 600 * 60_000L && e.at() < t0 + 2600 * 60_000L)
            .count();
    assertThat(decisions).isEqualTo(inRange).isPositive();
    // the entries just before and after the range bracket it
    assertThat(v.fromStart()).isFalse();
    assertThat(v.openEnd()).isFalse();
    assertThat(v.kinds().get(Entry.DECISION)).isEqualTo(inRange + 2);
    assertThat(v.violations()).containsKeys("purpose", "region");
    assertThat(v.summary()).contains("verified: ").contains("ct-a");
    // pinned to the first key only: the second is learned from the checkpoint both signed
    NoteKey first = keys.all().get(0).verifierOnly();
    assertThat(verify(pkg, List.of(first)).keysPinned()).isTrue();
    // the same log exports the same bytes
    assertThat(export("ct-a", t0 + 600 * 60_000L, t0 + 2600 * 60_000L)).isEqualTo(pkg);
    // entries of other contracts never travel in it
    for (Entry e : v.all()) {
      assertThat(e.contract()).isEqualTo("ct-a");
    }
  }

  /**
   * A verifier that is not ours: OpenSSL checks the Ed25519 signature of every checkpoint in the
   * package against the package's own verifier keys (the note's text is the signed message; the
   * signature is the signature line's bytes after the 4-byte key id).
   */
  @Test
  void opensslVerifiesEveryCheckpointSignatureOfAPackage() throws Exception {
    Map<String, byte[]> f = unzip(pkg);
    Map<Integer, NoteKey> byId = new java.util.HashMap<>();
    for (String k : all(f, "keys/")) {
      NoteKey key = NoteKey.parseVerifierKey(new String(f.get(k), StandardCharsets.UTF_8).strip());
      byId.put(key.keyId(), key);
    }
    int checked = 0;
    Path dir = tmp.resolve("openssl");
    java.nio.file.Files.createDirectories(dir);
    for (String c : all(f, "checkpoints/")) {
      SignedNote n = note(f, c);
      for (SignedNote.Signature sig : n.signatures()) {
        NoteKey key = byId.get(sig.keyId());
        assertThat(key).as("the package holds the key of " + c).isNotNull();
        java.nio.file.Files.writeString(dir.resolve("pub.pem"), key.publicKeyPem());
        java.nio.file.Files.write(dir.resolve("msg"), n.text().getBytes(StandardCharsets.UTF_8));
        java.nio.file.Files.write(dir.resolve("sig"), sig.signature());
        Process p =
            new ProcessBuilder(
                    "openssl",
                    "pkeyutl",
                    "-verify",
                    "-pubin",
                    "-inkey",
                    "pub.pem",
                    "-rawin",
                    "-in",
                    "msg",
                    "-sigfile",
                    "sig")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(c + ": " + out).isZero();
        assertThat(out).contains("Signature Verified Successfully");
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(2); // the checkpoints, one of them signed twice (rotation)
  }

  /**
   * A revocation in force before the range, left out of the package: the decisions after it name it
   * as their terms, so the package cannot pass for one where the earlier version still stood.
   */
  @Test
  void aVersionOrRevocationCannotBeLeftOut() throws Exception {
    Path dir = tmp.resolve("revoked");
    TileStore s = TileStore.open(dir, 0);
    Sealer x = new Sealer(ORIGIN, keys.saltKey());
    List<SignedNote> n = new ArrayList<>();
    ObjectNode v = JSON.createObjectNode();
    v.put("version", "v1");
    v.put("textSha256", EvidencePackage.sha256("contract: ct-r".getBytes(StandardCharsets.UTF_8)));
    x.add(Entry.CONTRACT, "ct-r", t0, "tollgate.policies", 0, 0, v);
    x.add(
        Entry.DECISION,
        "ct-r",
        t0 + 1,
        "tollgate.feedback",
        0,
        0,
        decision("ct-r", "PERMIT", null, 0));
    x.add(Entry.REVOCATION, "ct-r", t0 + 2, "tollgate.policies", 0, 1, JSON.createObjectNode());
    x.add(
        Entry.DECISION,
        "ct-r",
        t0 + 5,
        "tollgate.feedback",
        0,
        9,
        decision("ct-r", "DENY", "no-contract", 9));
    for (int i = 1; i < 4; i++) {
      x.add(
          Entry.DECISION,
          "ct-r",
          t0 + 10 + i,
          "tollgate.feedback",
          0,
          i,
          decision("ct-r", "DENY", "no-contract", i));
    }
    n.add(x.seal(s, keys));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EvidencePackage.export(
        new EvidencePackage.Log(
            TileStore.reader(dir, s.size()),
            n,
            keys.verifierKeys(),
            sha -> "contract: ct-r".getBytes(StandardCharsets.UTF_8)),
        "ct-r",
        t0 + 10,
        Long.MAX_VALUE,
        Instant.now(),
        out);
    byte[] p = out.toByteArray();
    // v1 and the revocation (in force), the denial just before the range, the three in it
    assertThat(verify(p, List.of()).entries()).isEqualTo(6);
    Map<String, byte[]> f = unzip(p);
    f.remove("entries/2.json");
    f.remove("proofs/2.tlog-proof");
    relist(f);
    rehash(f);
    assertThatThrownBy(() -> verify(zip(f), List.of()))
        .isInstanceOf(EvidenceException.class)
        .hasMessageContaining("a version or a revocation is left out");
  }

  /** A contract without entries after a key rotation still exports, across the rotation. */
  @Test
  void aContractIdleSinceARotationExportsAndVerifies() throws Exception {
    // ct-b has entries on both sides of the rotation in the log of setup; a contract with entries
    // only before it: the checkpoint both keys signed must be in its package
    Path dir = tmp.resolve("idle");
    KeyRing ring = KeyRing.open(tmp.resolve("idle-keys"), ORIGIN);
    TileStore s = TileStore.open(dir, 0);
    Sealer x = new Sealer(ORIGIN, ring.saltKey());
    List<SignedNote> n = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      x.add(
          Entry.DECISION,
          "ct-old",
          t0 + i,
          "tollgate.feedback",
          0,
          i,
          decision("ct-old", "PERMIT", null, i));
    }
    n.add(x.seal(s, ring));
    ring.rotate();
    for (int i = 4; i < 8; i++) {
      x.add(
          Entry.DECISION,
          "ct-new",
          t0 + i,
          "tollgate.feedback",
          0,
          i,
          decision("ct-new", "PERMIT", null, i));
      if (i == 5) {
        n.add(x.seal(s, ring)); // signed by both keys
      }
    }
    n.add(x.seal(s, ring)); // by the new key only
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EvidencePackage.export(
        new EvidencePackage.Log(
            TileStore.reader(dir, s.size()), n, ring.verifierKeys(), sha -> null),
        "ct-old",
        Long.MIN_VALUE,
        Long.MAX_VALUE,
        Instant.now(),
        out);
    EvidencePackage.Verified v =
        verify(out.toByteArray(), List.of(ring.all().get(0).verifierOnly()));
    assertThat(v.entries()).isEqualTo(4);
    assertThat(v.keys()).hasSize(2);
  }

  /** A zip that inflates to far more than a package holds is refused, not read into memory. */
  @Test
  void timeNeverGoesBackAlongAChainSoALateRecordIsInItsRange() throws Exception {
    Path dir = tmp.resolve("late");
    KeyRing ring = KeyRing.open(dir.resolve("keys"), ORIGIN);
    Sealer s = new Sealer(ORIGIN, ring.saltKey());
    TileStore log = TileStore.open(dir.resolve("log"), 0);
    long h = 3_600_000L;
    Entry a =
        s.add(
            Entry.DECISION,
            "ct-late",
            t0 + 10 * h,
            "t",
            0,
            0,
            decision("ct-late", "PERMIT", null, 0));
    // a record of an hour before, read after: sealed at the time of the one before it
    Entry b =
        s.add(
            Entry.DECISION,
            "ct-late",
            t0 + 9 * h,
            "t",
            0,
            1,
            decision("ct-late", "DENY", "purpose", 1));
    Entry c =
        s.add(
            Entry.DECISION,
            "ct-late",
            t0 + 12 * h,
            "t",
            0,
            2,
            decision("ct-late", "PERMIT", null, 2));
    Entry far =
        s.add(
            Entry.DECISION,
            null,
            Long.MAX_VALUE,
            "t",
            0,
            3,
            decision(null, "DENY", "no-contract", 3));
    assertThat(b.at()).isEqualTo(a.at());
    assertThat(far.at()).isEqualTo(Sealer.MAX_AT);
    List<SignedNote> ns = new ArrayList<>(List.of(s.seal(log, ring)));
    // the hour of 09:00, by the record's time, holds nothing: by the chain's time, the late
    // record is at 10:00, and the range of 10:00 to 11:00 shows it, bracketed by the entry after
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EvidencePackage.export(
        new EvidencePackage.Log(
            TileStore.reader(dir.resolve("log"), log.size()), ns, ring.verifierKeys(), sha -> null),
        "ct-late",
        t0 + 10 * h,
        t0 + 11 * h,
        Instant.parse("2026-12-02T00:00:00Z"),
        out);
    EvidencePackage.Verified v = verify(out.toByteArray(), List.of());
    assertThat(v.decisions()).containsEntry("PERMIT", 1L).containsEntry("DENY", 1L);
    assertThat(v.fromStart()).isTrue();
    assertThat(v.openEnd()).isFalse();
    assertThat(c.prev()).isEqualTo(b.index());
    // the state carries the chain's time across a restore
    Sealer r = Sealer.restore(ORIGIN, ring.saltKey(), s.state());
    assertThat(
            r.add(Entry.DECISION, "ct-late", t0, "t", 0, 4, decision("ct-late", "PERMIT", null, 4))
                .at())
        .isEqualTo(c.at());
  }

  @Test
  void aZipBombIsRefused() throws Exception {
    Map<String, byte[]> f = unzip(pkg);
    String c = firstOf(f, "contracts/");
    f.put(c, new byte[(int) EvidencePackage.MAX_FILE + 1024]); // zeros: deflate to almost nothing
    rehash(f);
    byte[] bomb = zip(f);
    assertThat(bomb.length).isLessThan(pkg.length + 100_000);
    assertThatThrownBy(() -> verify(bomb, List.of()))
        .isInstanceOf(EvidenceException.class)
        .hasMessageContaining("larger than such a file may be");
  }

  @Test
  void aForeignKeyIsRefused() throws Exception {
    NoteKey foreign = NoteKey.generate(ORIGIN);
    assertThatThrownBy(() -> verify(pkg, List.of(foreign.verifierOnly())))
        .isInstanceOf(EvidenceException.class)
        .hasMessageContaining("checkpoints/")
        .hasMessageContaining("no signature by a known key");
    // a checkpoint re-signed by a key of the forger's, its key put in the package
    assertFails(
        f -> {
          String name = firstOf(f, "checkpoints/");
          String text = note(f, name).text();
          f.put(name, SignedNote.sign(text, List.of(foreign)).getBytes(StandardCharsets.UTF_8));
          f.put(EvidencePackage.keyFile(foreign), (foreign.verifierKey() + "\n").getBytes());
        },
        "checkpoints/");
  }

  @Test
  void theMutationCorpusFails() throws Exception {
    // a flipped byte, with and without the manifest recomputed
    assertFails(f -> flip(f, firstOf(f, "checkpoints/")), false, "does not match its SHA-256");
    assertFails(f -> flip(f, firstOf(f, "entries/")), "entries/");
    assertFails(f -> flip(f, firstOf(f, "proofs/")), "proofs/");
    assertFails(f -> flip(f, firstOf(f, "consistency/")), "consistency/");
    assertFails(f -> flip(f, firstOf(f, "checkpoints/")), "checkpoints/");
    assertFails(f -> flip(f, firstOf(f, "keys/")), "keys/");
    // a decision changed into a permit, everything else left as it was
    assertFails(
        f -> {
          for (String n : f.keySet()) {
            String s = new String(f.get(n), StandardCharsets.UTF_8);
            if (n.startsWith("entries/") && s.contains("\"DENY\"")) {
              f.put(n, s.replace("\"DENY\"", "\"PERMIT\"").getBytes(StandardCharsets.UTF_8));
              return;
            }
          }
        },
        "proofs/");
    // an entry removed, with its proof and from the manifest's list
    assertFails(
        f -> {
          String e = middleOf(f, "entries/");
          f.remove(e);
          f.remove(e.replace("entries/", "proofs/").replace(".json", ".tlog-proof"));
          relist(f);
        },
        "missing or out of place");
    // two entries swapped
    assertFails(
        f -> {
          List<String> es = all(f, "entries/");
          byte[] a = f.get(es.get(3));
          f.put(es.get(3), f.get(es.get(4)));
          f.put(es.get(4), a);
        },
        "holds entry");
    // an entry inserted: another contract's, renamed into this one
    assertFails(
        f -> {
          String e = middleOf(f, "entries/");
          String s = new String(f.get(e), StandardCharsets.UTF_8);
          f.put(e, s.replace("\"ct-a\"", "\"ct-b\"").getBytes(StandardCharsets.UTF_8));
        },
        "is of contract ct-b");
    // a checkpoint swapped for another, and one cut short
    assertFails(
        f -> {
          List<String> cs = all(f, "checkpoints/");
          f.put(cs.get(0), f.get(cs.get(1)));
        },
        "holds the checkpoint of tree size");
    assertFails(
        f -> {
          String c = firstOf(f, "checkpoints/");
          byte[] b = f.get(c);
          f.put(c, java.util.Arrays.copyOf(b, b.length - 20));
        },
        "checkpoints/");
    // a consistency proof left out
    assertFails(f -> f.remove(firstOf(f, "consistency/")), "is missing");
    // an inclusion proof for another tree size
    assertFails(
        f -> {
          String e = firstOf(f, "proofs/");
          String s = new String(f.get(e), StandardCharsets.UTF_8);
          String other = new String(f.get(all(f, "checkpoints/").get(0)), StandardCharsets.UTF_8);
          f.put(e, (s.substring(0, s.indexOf("\n\n") + 2) + other).getBytes());
        },
        "other than");
    // a file of no known kind
    assertFails(f -> f.put("readme.txt", "trust me".getBytes()), "readme.txt");
    // the first entries of the segment left out, the manifest's segment moved on: the entry
    // before the new first one is in the range, so the package cannot hide them
    assertFails(
        f -> {
          List<String> es = segment(f);
          for (int k = 0; k < 5; k++) {
            f.remove(es.get(k));
            f.remove(es.get(k).replace("entries/", "proofs/").replace(".json", ".tlog-proof"));
          }
          moveSegment(f, es.get(5), null);
          relist(f);
        },
        "left out");
    // the last entries left out, the segment ending earlier: the entry after it no longer follows
    assertFails(
        f -> {
          List<String> es = segment(f);
          for (int k = es.size() - 5; k < es.size(); k++) {
            f.remove(es.get(k));
            f.remove(es.get(k).replace("entries/", "proofs/").replace(".json", ".tlog-proof"));
          }
          moveSegment(f, null, es.get(es.size() - 6));
          relist(f);
        },
        "does not follow the segment's last entry");
    // the whole range left out, the entry after it too: the package verifies, but it says it
    // cannot prove the end of its range, and --complete refuses it
    Map<String, byte[]> cut = unzip(pkg);
    for (String e : segment(cut)) {
      cut.remove(e);
      cut.remove(e.replace("entries/", "proofs/").replace(".json", ".tlog-proof"));
    }
    ObjectNode cm = (ObjectNode) JSON.readTree(cut.get("manifest.json"));
    String afterName = "entries/" + cm.path("segment").path("after").asLong() + ".json";
    cut.remove(afterName);
    cut.remove(afterName.replace("entries/", "proofs/").replace(".json", ".tlog-proof"));
    ((ObjectNode) cm.get("segment")).putNull("first").putNull("last").putNull("after");
    cut.put("manifest.json", JSON.writeValueAsBytes(cm));
    relist(cut);
    rehash(cut);
    EvidencePackage.Verified open = verify(zip(cut), List.of());
    assertThat(open.openEnd()).isTrue();
    assertThat(open.decisions()).isEmpty();
    assertThat(open.summary()).contains("NOT PROVEN COMPLETE AT THE END");
    // the whole range left out, the entry after it kept: it does not follow the one before
    assertFails(
        f -> {
          for (String e : segment(f)) {
            f.remove(e);
            f.remove(e.replace("entries/", "proofs/").replace(".json", ".tlog-proof"));
          }
          try {
            ObjectNode m = (ObjectNode) JSON.readTree(f.get("manifest.json"));
            ((ObjectNode) m.get("segment")).putNull("first").putNull("last");
            f.put("manifest.json", JSON.writeValueAsBytes(m));
          } catch (java.io.IOException x) {
            throw new IllegalStateException(x);
          }
          relist(f);
        },
        "entries of the range may be left out");
    // a segment that claims the range is empty while an entry of the range is shown
    assertFails(
        f -> {
          try {
            ObjectNode m = (ObjectNode) JSON.readTree(f.get("manifest.json"));
            ((ObjectNode) m.get("segment")).putNull("first").putNull("last");
            f.put("manifest.json", JSON.writeValueAsBytes(m));
          } catch (java.io.IOException x) {
            throw new IllegalStateException(x);
          }
        },
        "is in the range but outside the segment");
    // a manifest loosely typed, a name no package has, a text of no version
    assertFails(
        f -> {
          try {
            ObjectNode m = (ObjectNode) JSON.readTree(f.get("manifest.json"));
            m.put("from", "0");
            f.put("manifest.json", JSON.writeValueAsBytes(m));
          } catch (java.io.IOException x) {
            throw new IllegalStateException(x);
          }
        },
        "from must be an integer");
    assertFails(f -> f.put("entries/99999999999999999999.json", new byte[1]), "is not a file");
    assertFails(
        f -> f.put("contracts/" + EvidencePackage.sha256("x".getBytes()) + ".yaml", "x".getBytes()),
        "the text of no version");
    // not a package at all
    assertThatThrownBy(() -> verify("PK not really".getBytes(), List.of()))
        .isInstanceOf(EvidenceException.class);
    assertThatThrownBy(() -> verify(zip(Map.of("../../etc/passwd", new byte[1])), List.of()))
        .hasMessageContaining("../../etc/passwd is not a file an evidence package holds");
  }

  // helpers

  void assertFails(Consumer<Map<String, byte[]>> mutation, String message) throws Exception {
    assertFails(mutation, true, message);
  }

  void assertFails(Consumer<Map<String, byte[]>> mutation, boolean rehash, String message)
      throws Exception {
    Map<String, byte[]> f = unzip(pkg);
    mutation.accept(f);
    if (rehash) {
      rehash(f);
    }
    byte[] bad = zip(f);
    assertThatThrownBy(() -> verify(bad, List.of()))
        .isInstanceOf(EvidenceException.class)
        .hasMessageContaining(message);
  }

  static void flip(Map<String, byte[]> f, String name) {
    byte[] b = f.get(name).clone();
    b[b.length / 2] ^= 0x04;
    f.put(name, b);
  }

  static String firstOf(Map<String, byte[]> f, String prefix) {
    return all(f, prefix).get(0);
  }

  static String middleOf(Map<String, byte[]> f, String prefix) {
    List<String> l = all(f, prefix);
    return l.get(l.size() / 2);
  }

  static List<String> all(Map<String, byte[]> f, String prefix) {
    List<String> out = new ArrayList<>();
    for (String n : f.keySet()) {
      if (n.startsWith(prefix)) {
        out.add(n);
      }
    }
    out.sort(
        (a, b) -> {
          String x = a.replaceAll("[^0-9]", "");
          String y = b.replaceAll("[^0-9]", "");
          return x.isEmpty() || y.isEmpty()
              ? a.compareTo(b)
              : Long.compare(
                  Long.parseLong(x.substring(0, Math.min(x.length(), 18))),
                  Long.parseLong(y.substring(0, Math.min(y.length(), 18))));
        });
    return out;
  }

  /** The segment's entries, by index. */
  static List<String> segment(Map<String, byte[]> f) {
    try {
      JsonNode seg = JSON.readTree(f.get("manifest.json")).path("segment");
      long first = seg.path("first").asLong();
      long last = seg.path("last").asLong();
      List<String> out = new ArrayList<>();
      for (String n : all(f, "entries/")) {
        long i = Long.parseLong(n.replaceAll("[^0-9]", ""));
        if (i >= first && i <= last) {
          out.add(n);
        }
      }
      return out;
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static void moveSegment(Map<String, byte[]> f, String first, String last) {
    try {
      ObjectNode m = (ObjectNode) JSON.readTree(f.get("manifest.json"));
      ObjectNode seg = (ObjectNode) m.get("segment");
      if (first != null) {
        seg.put("first", Long.parseLong(first.replaceAll("[^0-9]", "")));
      }
      if (last != null) {
        seg.put("last", Long.parseLong(last.replaceAll("[^0-9]", "")));
      }
      f.put("manifest.json", JSON.writeValueAsBytes(m));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static SignedNote note(Map<String, byte[]> f, String name) {
    try {
      return SignedNote.parse(new String(f.get(name), StandardCharsets.UTF_8));
    } catch (EvidenceException e) {
      throw new IllegalStateException(e);
    }
  }

  static void relist(Map<String, byte[]> f) {
    try {
      ObjectNode m = (ObjectNode) JSON.readTree(f.get("manifest.json"));
      com.fasterxml.jackson.databind.node.ArrayNode es = m.putArray("entries");
      for (String n : all(f, "entries/")) {
        es.add(Long.parseLong(n.replaceAll("[^0-9]", "")));
      }
      f.put("manifest.json", JSON.writeValueAsBytes(m));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static void rehash(Map<String, byte[]> f) {
    try {
      ObjectNode m = (ObjectNode) JSON.readTree(f.get("manifest.json"));
      ObjectNode files = m.putObject("files");
      for (Map.Entry<String, byte[]> e : f.entrySet()) {
        String n = e.getKey();
        if (!n.equals("manifest.json") && !n.startsWith("entries/") && !n.startsWith("proofs/")) {
          files.put(n, EvidencePackage.sha256(e.getValue()));
        }
      }
      f.put("manifest.json", JSON.writeValueAsBytes(m));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, byte[]> unzip(byte[] zip) throws Exception {
    Map<String, byte[]> f = new LinkedHashMap<>();
    try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(zip))) {
      ZipEntry e;
      while ((e = z.getNextEntry()) != null) {
        f.put(e.getName(), z.readAllBytes());
      }
    }
    return f;
  }

  static byte[] zip(Map<String, byte[]> f) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(b)) {
      for (Map.Entry<String, byte[]> e : f.entrySet()) {
        z.putNextEntry(new ZipEntry(e.getKey()));
        z.write(e.getValue());
        z.closeEntry();
      }
    }
    return b.toByteArray();
  }
}
