package io.tollgate.cli;

import io.tollgate.evidence.Checkpoint;
import io.tollgate.evidence.EvidenceException;
import io.tollgate.evidence.EvidencePackage;
import io.tollgate.evidence.KeyRing;
import io.tollgate.evidence.NoteKey;
import io.tollgate.evidence.SignedNote;
import io.tollgate.evidence.TileStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tollgate evidence}: packages of the evidence log, exported and verified offline. */
@Command(
    name = "evidence",
    mixinStandardHelpOptions = true,
    description =
        "The evidence log (履约存证, docs/evidence.md): export one contract's entries with their"
            + " proofs as a package, verify a package offline, show or rotate the signing keys.",
    subcommands = {
      EvidenceCommand.ExportCommand.class,
      EvidenceCommand.VerifyCommand.class,
      EvidenceCommand.KeysCommand.class
    })
public final class EvidenceCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Where the log and the keys are: {@code tollgate up}'s by default. */
  static final class Where {
    @Option(
        names = "--log-dir",
        defaultValue = ".tollgate/up/evidence/log",
        description =
            "The evidence job's log directory (default: ${DEFAULT-VALUE}, `tollgate up`'s).")
    Path logDir;

    @Option(
        names = "--keys",
        defaultValue = ".tollgate/up/evidence/keys",
        description = "The operator's keys directory (default: ${DEFAULT-VALUE}, `tollgate up`'s).")
    Path keysDir;
  }

  /** The log as its published checkpoints say: the latest one's tree, and every one before. */
  static EvidencePackage.Log log(Where w) throws IOException, EvidenceException {
    Path cps = w.logDir.resolve("checkpoints");
    if (!Files.isDirectory(cps)) {
      throw new EvidenceException(
          "no evidence log in "
              + w.logDir
              + " (no checkpoints/): run `tollgate up`, or give the evidence job's --log-dir");
    }
    TreeMap<Long, SignedNote> notes = new TreeMap<>();
    try (var files = Files.list(cps)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (p.getFileName().toString().endsWith(".note")) {
          SignedNote n = SignedNote.parse(Files.readString(p, StandardCharsets.UTF_8));
          notes.put(Checkpoint.parse(n.text()).size(), n);
        }
      }
    }
    if (notes.isEmpty()) {
      throw new EvidenceException("the log in " + w.logDir + " has no checkpoint yet");
    }
    List<String> vkeys = new ArrayList<>();
    if (Files.isDirectory(w.keysDir)) {
      try (var files = Files.list(w.keysDir)) {
        for (Path p : (Iterable<Path>) files::iterator) {
          if (p.getFileName().toString().endsWith(".vkey")) {
            vkeys.add(Files.readString(p, StandardCharsets.UTF_8).strip());
          }
        }
      }
    }
    if (vkeys.isEmpty()) {
      throw new EvidenceException("no public keys (*.vkey) in " + w.keysDir);
    }
    java.util.Collections.sort(vkeys);
    return new EvidencePackage.Log(
        TileStore.reader(w.logDir, notes.lastKey()),
        new ArrayList<>(notes.values()),
        vkeys,
        sha -> {
          try {
            return Files.readAllBytes(w.logDir.resolve("contracts").resolve(sha + ".yaml"));
          } catch (IOException e) {
            return null;
          }
        });
  }

  /** A month, a date (the start of it in {@code zone}) or an RFC 3339 time, as epoch ms. */
  static long time(CommandLine.Model.CommandSpec spec, String option, String v, ZoneId zone) {
    if (v == null) {
      return option.equals("--from") ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    try {
      return YearMonth.parse(v).atDay(1).atStartOfDay(zone).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      // a date or a time
    }
    try {
      return LocalDate.parse(v).atStartOfDay(zone).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      // a time
    }
    try {
      return OffsetDateTime.parse(v).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          option + ": expected YYYY-MM, YYYY-MM-DD or an RFC 3339 time, found \"" + v + "\"");
    }
  }

  static ZoneId zone(CommandLine.Model.CommandSpec spec, String z) {
    try {
      return ZoneId.of(z);
    } catch (java.time.DateTimeException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--zone: no zone " + z);
    }
  }

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description =
          "Writes the evidence package of one contract (数据使用证据包): its versions, every entry of"
              + " the contract whose time is in [--from, --to) with its salt and inclusion proof,"
              + " the checkpoints that sealed them and the latest, the consistency proofs between"
              + " those, the public keys and a manifest. The package is verified before it is"
              + " kept. Exits 1 when the log has nothing to export.")
  static final class ExportCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @CommandLine.Mixin Where where = new Where();

    @Option(names = "--contract", required = true, description = "The contract's id.")
    String contract;

    @Option(names = "--from", description = "From (inclusive): YYYY-MM, YYYY-MM-DD or RFC 3339.")
    String from;

    @Option(names = "--to", description = "To (exclusive): YYYY-MM, YYYY-MM-DD or RFC 3339.")
    String to;

    @Option(
        names = "--zone",
        defaultValue = "Asia/Shanghai",
        description =
            "The zone of months and dates in --from and --to (default: ${DEFAULT-VALUE}).")
    String zone;

    @Option(names = "--out", required = true, description = "The package to write (.zip).")
    Path out;

    @Override
    public Integer call() throws Exception {
      PrintWriter o = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      ZoneId z = zone(spec, zone);
      long f = time(spec, "--from", from, z);
      long t = time(spec, "--to", to, z);
      if (t <= f) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--to is not after --from");
      }
      EvidencePackage.Log log;
      try {
        log = log(where);
      } catch (EvidenceException | NoSuchFileException e) {
        err.println("tollgate evidence export: " + e.getMessage());
        return 1;
      }
      Path tmp =
          Files.createTempFile(
              out.toAbsolutePath().getParent(), "." + out.getFileName() + ".", ".tmp");
      EvidencePackage.Exported x;
      EvidencePackage.Verified v;
      try {
        try (OutputStream os = Files.newOutputStream(tmp)) {
          x = EvidencePackage.export(log, contract, f, t, Instant.now(), os);
        }
        if (x.entries() == 0) {
          err.printf(
              "tollgate evidence export: the log (%,d entries) holds nothing of contract %s%s%n",
              log.tree().treeSize(), contract, from == null && to == null ? "" : " in that range");
          return 1;
        }
        try {
          v = EvidencePackage.verify(tmp, List.of(), false);
        } catch (EvidenceException e) {
          err.println(
              "tollgate evidence export: the package does not verify, and is not kept: "
                  + e.getMessage());
          return 1;
        }
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
      } catch (EvidenceException e) {
        err.println("tollgate evidence export: " + e.getMessage());
        return 1;
      } finally {
        Files.deleteIfExists(tmp);
      }
      o.printf(
          "tollgate evidence export: %s: %,d entries of %s (%s), %d checkpoints, tree size %,d%n",
          out,
          x.entries(),
          contract,
          x.first() < 0
              ? "none in the range: the entries around it show so"
              : String.format("the range is log entries %,d to %,d", x.first(), x.last()),
          x.checkpoints(),
          x.treeSize());
      o.print(v.summary());
      o.printf("verify it anywhere: tollgate evidence verify %s%n", out);
      o.flush();
      return 0;
    }
  }

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description =
          "Verifies an evidence package offline (no network, no broker, no log): every file"
              + " against the manifest, every checkpoint's signature, the consistency proofs"
              + " between the checkpoints, every entry's form and inclusion proof, and the"
              + " contract's chain of entries (none missing, inserted or reordered). Prints what"
              + " it proves, or exits 1 naming the first file and check that fails.")
  static final class VerifyCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PACKAGE", description = "The package (.zip).")
    Path pkg;

    @Option(
        names = "--key",
        description =
            "A verifier key the checkpoints must be signed by (name+id+key, or a file holding"
                + " one): the log operator's, obtained apart from the package. Without it the"
                + " package's own keys are used, and the summary says so.")
    List<String> keys = new ArrayList<>();

    @Option(
        names = "--complete",
        description =
            "Refuse a package that does not prove the end of its range complete (it shows no"
                + " entry of the contract after the range, so a later entry of the range could be"
                + " left out unseen): exit 1 rather than warn.")
    boolean complete;

    @Option(
        names = "--contract",
        description = "The contract the package must be of (the manifest is not signed: pin it).")
    String contract;

    @Option(
        names = "--from",
        description =
            "The range's start the package must cover (YYYY-MM, YYYY-MM-DD or RFC 3339): a"
                + " package whose range starts later, or ends earlier than --to, is refused.")
    String from;

    @Option(names = "--to", description = "The range's end the package must cover (exclusive).")
    String to;

    @Option(
        names = "--zone",
        defaultValue = "Asia/Shanghai",
        description =
            "The zone of months and dates in --from and --to (default: ${DEFAULT-VALUE}).")
    String zone;

    @Override
    public Integer call() throws Exception {
      PrintWriter o = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      ZoneId z;
      try {
        z = ZoneId.of(zone);
      } catch (RuntimeException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--zone: no zone " + zone);
      }
      Long wantFrom = from == null ? null : time(spec, "--from", from, z);
      Long wantTo = to == null ? null : time(spec, "--to", to, z);
      List<NoteKey> pinned = new ArrayList<>();
      for (String k : keys) {
        String text = k;
        Path p = Path.of(k);
        if (!k.contains("+") && Files.isReadable(p)) {
          text = Files.readString(p, StandardCharsets.UTF_8).strip();
        } else if (Files.isRegularFile(p)) {
          text = Files.readString(p, StandardCharsets.UTF_8).strip();
        }
        try {
          pinned.add(NoteKey.parseVerifierKey(text));
        } catch (EvidenceException e) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--key " + k + ": " + e.getMessage());
        }
      }
      if (!Files.isRegularFile(pkg)) {
        err.println("tollgate evidence verify: no file " + pkg);
        return 1;
      }
      try {
        EvidencePackage.Verified v = EvidencePackage.verify(pkg, pinned, false);
        String mismatch = null;
        if (contract != null && !contract.equals(v.contract())) {
          mismatch = "it is a package of contract " + v.contract() + ", not " + contract;
        } else if (wantFrom != null && v.from() > wantFrom) {
          mismatch =
              "its range starts at "
                  + java.time.Instant.ofEpochMilli(v.from())
                  + ", after --from "
                  + from;
        } else if (wantTo != null && v.to() < wantTo) {
          mismatch =
              "its range ends at " + java.time.Instant.ofEpochMilli(v.to()) + ", before --to " + to;
        }
        if (mismatch != null) {
          err.println("NOT VERIFIED: " + pkg + ": " + mismatch);
          err.flush();
          return 1;
        }
        o.print(v.summary());
        o.flush();
        if (complete && v.openEnd()) {
          err.println(
              "NOT VERIFIED: " + pkg + ": --complete, and the end of the range is not proven");
          err.flush();
          return 1;
        }
        return 0;
      } catch (EvidenceException e) {
        err.println("NOT VERIFIED: " + pkg + ": " + e.getMessage());
        err.flush();
        return 1;
      }
    }
  }

  @Command(
      name = "keys",
      mixinStandardHelpOptions = true,
      description =
          "Prints the operator's verifier keys (C2SP signed-note form), the current one first;"
              + " with --rotate, first makes a new signing key current (the old ones stay, to"
              + " verify old checkpoints; the next checkpoint is signed by both).")
  static final class KeysCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @CommandLine.Mixin Where where = new Where();

    @Option(
        names = "--origin",
        defaultValue = "tollgate.local/evidence",
        description =
            "The key name (the log's origin) when the directory holds no keys yet (default:"
                + " ${DEFAULT-VALUE}).")
    String origin;

    @Option(names = "--rotate", description = "Make a new signing key current first.")
    boolean rotate;

    @Option(names = "--create", description = "Make the keys when the directory holds none.")
    boolean create;

    @Override
    public Integer call() throws Exception {
      PrintWriter o = spec.commandLine().getOut();
      // a ring that exists keeps its own name (its keys sign as the log's origin)
      String name = origin;
      Path current = where.keysDir.resolve("current");
      if (Files.isRegularFile(current)) {
        String id = Files.readString(current, StandardCharsets.UTF_8).strip();
        if (id.lastIndexOf('+') > 0) {
          name = id.substring(0, id.lastIndexOf('+'));
        }
      } else if (!create) {
        spec.commandLine()
            .getErr()
            .println(
                "tollgate evidence keys: no keys in "
                    + where.keysDir
                    + " (the evidence job makes them at its first start; --create makes them"
                    + " now)");
        return 1;
      }
      KeyRing ring = KeyRing.open(where.keysDir, name);
      if (rotate) {
        NoteKey k = ring.rotate();
        o.println("tollgate evidence keys: " + k.id() + " is current now");
      }
      o.println(ring.current().verifierKey());
      for (NoteKey k : ring.all()) {
        if (!k.id().equals(ring.current().id())) {
          o.println(k.verifierKey());
        }
      }
      o.flush();
      return 0;
    }
  }
}
