package io.tollgate.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.evidence.Entry;
import io.tollgate.evidence.EvidencePackage;
import io.tollgate.evidence.KeyRing;
import io.tollgate.evidence.Sealer;
import io.tollgate.evidence.SignedNote;
import io.tollgate.evidence.TileStore;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Seals a log of feedback entries of one contract (plain Java, no broker), exports the contract's
 * package and verifies it, timing each step; the baseline is a pass that reads every file of the
 * package and hashes it, the least any verifier does.
 */
@Command(
    name = "evidence-load",
    mixinStandardHelpOptions = true,
    description =
        "Seals N feedback entries of one contract into an evidence log on disk, exports the"
            + " contract's package and verifies it offline, with the time of each step and a"
            + " read-and-hash pass over the package as the baseline.")
public final class EvidenceLoad implements Callable<Integer> {
  @Option(
      names = "--entries",
      defaultValue = "1000000",
      description = "Entries in the log and the package (default: ${DEFAULT-VALUE}).")
  int entries;

  @Option(
      names = "--state-dir",
      defaultValue = ".tollgate/evidence-load",
      description = "Where the log and the package go (default: ${DEFAULT-VALUE}); cleaned first.")
  Path stateDir;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (entries < 1 || entries > 20_000_000) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--entries: expected 1 to 20,000,000, found " + entries);
    }
    PrintWriter out = spec.commandLine().getOut();
    deleteTree(stateDir);
    Files.createDirectories(stateDir);
    KeyRing keys = KeyRing.open(stateDir.resolve("keys"), "tollgate.load/evidence");
    Sealer sealer = new Sealer("tollgate.load/evidence", keys.saltKey());
    TileStore store = TileStore.open(stateDir.resolve("log"), 0);
    ObjectMapper json = new ObjectMapper();
    List<SignedNote> notes = new ArrayList<>();
    ObjectNode v = json.createObjectNode();
    v.put("version", "load");
    v.put("textSha256", sha256("contract: ct-load".getBytes(StandardCharsets.UTF_8)));
    sealer.add(Entry.CONTRACT, "ct-load", 0, "tollgate.policies", 0, 0, v);
    long t0 = System.nanoTime();
    long lastPrint = t0;
    for (int i = 1; i < entries; i++) {
      ObjectNode f = json.createObjectNode();
      f.put("v", 1);
      f.put("callId", "c-" + i);
      f.put("decision", i % 10 == 0 ? "DENY" : "PERMIT");
      f.putArray("reasons");
      f.put("contract", "ct-load");
      f.put("consumer", "bank-load");
      f.put("dataset", "credit-report");
      f.put("purpose", "credit-assessment");
      f.put("records", 1);
      f.put("bytes", 200);
      f.put("id", "s-0-" + i);
      sealer.add(Entry.DECISION, "ct-load", 1_764_633_600_000L + i, "tollgate.feedback", 0, i, f);
      if (sealer.pending() >= 10_000) {
        notes.add(sealer.seal(store, keys));
      }
      if (System.nanoTime() - lastPrint > 10e9) {
        out.printf("evidence-load: sealed %,d of %,d%n", i, entries);
        out.flush();
        lastPrint = System.nanoTime();
      }
    }
    notes.add(sealer.seal(store, keys));
    // as the evidence job publishes them, so that `tollgate evidence export` reads this log too
    Files.createDirectories(stateDir.resolve("log/checkpoints"));
    for (SignedNote n : notes) {
      long size = io.tollgate.evidence.Checkpoint.parse(n.text()).size();
      Files.writeString(stateDir.resolve("log/checkpoints/" + size + ".note"), n.encoded());
    }
    Files.writeString(stateDir.resolve("log/checkpoint"), notes.get(notes.size() - 1).encoded());
    Files.createDirectories(stateDir.resolve("log/contracts"));
    Files.writeString(
        stateDir.resolve(
            "log/contracts/"
                + sha256("contract: ct-load".getBytes(StandardCharsets.UTF_8))
                + ".yaml"),
        "contract: ct-load");
    double sealSeconds = (System.nanoTime() - t0) / 1e9;
    out.printf(
        Locale.ROOT,
        "evidence-load: sealed %,d entries in %.1f s: %,.0f entries/s (one thread, tiles on disk)%n",
        entries,
        sealSeconds,
        entries / sealSeconds);

    Path pkg = stateDir.resolve("package.zip");
    long t1 = System.nanoTime();
    try (OutputStream os = Files.newOutputStream(pkg)) {
      EvidencePackage.export(
          new EvidencePackage.Log(
              TileStore.reader(stateDir.resolve("log"), store.size()),
              notes,
              keys.verifierKeys(),
              sha -> "contract: ct-load".getBytes(StandardCharsets.UTF_8)),
          "ct-load",
          Long.MIN_VALUE,
          Long.MAX_VALUE,
          Instant.now(),
          os);
    }
    double exportSeconds = (System.nanoTime() - t1) / 1e9;
    long size = Files.size(pkg);
    out.printf(
        Locale.ROOT,
        "evidence-load: exported the package in %.1f s: %,d bytes (%,.0f bytes an entry)%n",
        exportSeconds,
        size,
        (double) size / entries);

    long t2 = System.nanoTime();
    long files = 0;
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (ZipInputStream z = new ZipInputStream(Files.newInputStream(pkg))) {
      ZipEntry e;
      while ((e = z.getNextEntry()) != null) {
        md.digest(z.readAllBytes());
        files++;
      }
    }
    double readSeconds = (System.nanoTime() - t2) / 1e9;
    long t3 = System.nanoTime();
    EvidencePackage.Verified verified;
    verified = EvidencePackage.verify(pkg, keys.all(), false);
    double verifySeconds = (System.nanoTime() - t3) / 1e9;
    String report =
        String.format(
            Locale.ROOT,
            "%n| step | seconds | per entry |%n|---|---:|---:|%n"
                + "| seal %,d entries (one thread) | %.1f | %.1f µs |%n"
                + "| export the package (%,d bytes) | %.1f | %.1f µs |%n"
                + "| baseline: read and hash its %,d files | %.1f | %.1f µs |%n"
                + "| verify it offline (%,d entries) | %.1f | %.1f µs |%n"
                + "%nverify / read-and-hash: %.1f%n",
            entries,
            sealSeconds,
            sealSeconds * 1e6 / entries,
            size,
            exportSeconds,
            exportSeconds * 1e6 / entries,
            files,
            readSeconds,
            readSeconds * 1e6 / entries,
            verified.entries(),
            verifySeconds,
            verifySeconds * 1e6 / entries,
            verifySeconds / readSeconds);
    out.print(report);
    Files.writeString(stateDir.resolve("report.md"), report);
    out.println("evidence-load: report written to " + stateDir.resolve("report.md"));
    return 0;
  }

  static String sha256(byte[] b) throws Exception {
    return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  static void deleteTree(Path dir) throws java.io.IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
