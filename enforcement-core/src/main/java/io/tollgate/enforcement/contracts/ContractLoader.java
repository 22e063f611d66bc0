package io.tollgate.enforcement.contracts;

import io.tollgate.policy.CompiledPolicy;
import io.tollgate.policy.Diagnostic;
import io.tollgate.policy.PolicyCompiler;
import io.tollgate.policy.PolicyException;
import io.tollgate.policy.model.Policy;
import io.tollgate.policy.source.PolicySource;
import io.tollgate.policy.source.SourceResult;
import io.tollgate.policy.source.YamlContractSource;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The one contract loader: what {@code tollgate policy check}, {@code policy eval}, {@code up} and
 * every publisher of {@code tollgate.policies} read contracts with, so that they never disagree.
 *
 * <ul>
 *   <li>A directory contributes its {@code *.yaml} and {@code *.yml} files (YAML contracts) and its
 *       {@code *.jsonld} and {@code *.ttl} files (ODRL 2.2 policies, docs/odrl.md), recursively, in
 *       path order; a file is read as given, by its extension ({@code .json} is JSON-LD too).
 *   <li>Files are strict UTF-8 and at most {@link #MAX_FILE_BYTES}; a file may hold several
 *       contracts as YAML documents.
 *   <li>Every problem in every file is reported, with file, line and JSON pointer, and so is a
 *       contract id used twice.
 *   <li>Each loaded policy keeps its own document's text ({@code origin().text()}): that text is
 *       what a publisher sends as the contract's record.
 * </ul>
 */
public final class ContractLoader {
  /** Larger contract files are refused rather than read. */
  public static final long MAX_FILE_BYTES = 4L * 1024 * 1024;

  /** The source a file is read with: ODRL by its extension, else YAML. */
  public static PolicySource sourceFor(String file) {
    io.tollgate.policy.odrl.OdrlRdf.Format f = io.tollgate.policy.odrl.OdrlRdf.Format.of(file);
    return f == null ? new YamlContractSource() : new io.tollgate.policy.odrl.OdrlPolicySource(f);
  }

  /**
   * The source a record's text is read with: ODRL JSON-LD when it is a JSON object or array, Turtle
   * when it starts with a prefix or base directive, else YAML (docs/events.md).
   */
  public static PolicySource sourceForText(String text) {
    String t = text.stripLeading();
    while (t.startsWith("#")) { // comments, in YAML and in Turtle alike
      int nl = t.indexOf('\n');
      t = nl < 0 ? "" : t.substring(nl + 1).stripLeading();
    }
    if (t.startsWith("{") || t.startsWith("[")) {
      return new io.tollgate.policy.odrl.OdrlPolicySource(
          io.tollgate.policy.odrl.OdrlRdf.Format.JSONLD);
    }
    String lower = t.toLowerCase(Locale.ROOT);
    if (lower.startsWith("@prefix")
        || lower.startsWith("prefix")
        || lower.startsWith("@base")
        || lower.startsWith("base ")) {
      return new io.tollgate.policy.odrl.OdrlPolicySource(
          io.tollgate.policy.odrl.OdrlRdf.Format.TURTLE);
    }
    return new YamlContractSource();
  }

  /** Reads every contract under {@code paths}. */
  public SourceResult load(List<Path> paths) {
    List<Policy> policies = new ArrayList<>();
    List<Diagnostic> diagnostics = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    for (Path root : paths) {
      List<Path> files;
      try {
        files = expand(root);
      } catch (IOException e) {
        diagnostics.add(
            new Diagnostic(
                root.toString(), 0, 0, "", "expected a readable file or directory, found " + e));
        continue;
      }
      if (files.isEmpty() && Files.isDirectory(root)) {
        diagnostics.add(
            new Diagnostic(
                root.toString(),
                0,
                0,
                "",
                "expected contract files (*.yaml, *.yml, *.jsonld, *.ttl), found none"));
      }
      for (Path f : files) {
        SourceResult r = loadFile(f);
        diagnostics.addAll(r.diagnostics());
        for (Policy p : r.policies()) {
          String previous = seen.putIfAbsent(p.uid(), p.origin().file());
          if (previous != null) {
            int[] pos = p.origin().position("/contract");
            diagnostics.add(
                new Diagnostic(
                    p.origin().file(),
                    pos == null ? 0 : pos[0],
                    pos == null ? 0 : pos[1],
                    "/contract",
                    "expected a unique contract id, found \""
                        + p.uid()
                        + "\" already defined in "
                        + previous));
          } else {
            policies.add(p);
          }
        }
      }
    }
    return new SourceResult(policies, diagnostics);
  }

  /** Contracts loaded and compiled, or every problem found on the way. */
  public record Compiled(List<CompiledPolicy> contracts, List<Diagnostic> diagnostics) {
    public Compiled {
      contracts = List.copyOf(contracts);
      diagnostics = List.copyOf(diagnostics);
    }

    public boolean ok() {
      return diagnostics.isEmpty();
    }
  }

  /**
   * Reads and compiles every contract under {@code paths}: the contracts when every one of them
   * reads and compiles, else every diagnostic (then nothing is returned to enforce or publish).
   */
  public Compiled compile(List<Path> paths, PolicyCompiler compiler) {
    SourceResult read = load(paths);
    List<Diagnostic> diagnostics = new ArrayList<>(read.diagnostics());
    List<CompiledPolicy> compiled = new ArrayList<>();
    for (Policy p : read.policies()) {
      try {
        CompiledPolicy c = compiler.compile(p);
        Diagnostic own = ownTextProblem(c, compiler);
        if (own != null) {
          diagnostics.add(own);
        } else {
          compiled.add(c);
        }
      } catch (PolicyException e) {
        diagnostics.addAll(e.diagnostics());
      }
    }
    return diagnostics.isEmpty()
        ? new Compiled(compiled, List.of())
        : new Compiled(List.of(), diagnostics);
  }

  /**
   * What a publisher would send for {@code c} is its own document's text: read on its own, it must
   * give exactly this contract (same id, same version), or the stream would enforce something other
   * than what was checked. Null when it does.
   */
  private Diagnostic ownTextProblem(CompiledPolicy c, PolicyCompiler compiler) {
    String text = c.source().origin().text();
    int[] pos = c.source().origin().position("/contract");
    String file = c.source().origin().file();
    String problem;
    if (text == null) {
      problem = "its text could not be isolated from the file";
    } else {
      SourceResult alone = sourceForText(text).read(file, c.source().origin().baseDir(), text);
      if (!alone.ok() || alone.policies().size() != 1) {
        problem =
            "its document does not read on its own: "
                + (alone.ok()
                    ? alone.policies().size() + " contracts"
                    : inFile(alone.diagnostics().get(0), c));
      } else {
        try {
          CompiledPolicy again = compiler.compile(alone.policies().get(0));
          problem =
              again.id().equals(c.id()) && again.version().equals(c.version())
                  ? null
                  : "its document, read on its own, is version "
                      + again.version()
                      + " of "
                      + again.id();
        } catch (PolicyException e) {
          problem =
              "its document does not compile on its own: " + inFile(e.diagnostics().get(0), c);
        }
      }
    }
    return problem == null
        ? null
        : new Diagnostic(
            file,
            pos == null ? 0 : pos[0],
            pos == null ? 0 : pos[1],
            "/contract",
            "expected a contract that can be published as its own record, found that " + problem);
  }

  /**
   * A diagnostic of a contract's own text, placed in its file: the text starts at the line of the
   * document's first value, so its line 1 is that line.
   */
  private static String inFile(Diagnostic d, CompiledPolicy c) {
    int[] root = c.source().origin().position("");
    if (d.line() <= 0 || root == null) {
      return d.pointer() + ": " + d.message();
    }
    return "line " + (root[0] + d.line() - 1) + " " + d.pointer() + ": " + d.message();
  }

  /** Reads one file. */
  public SourceResult loadFile(Path file) {
    String name = file.toString();
    try {
      if (!Files.isRegularFile(file)) {
        return failure(
            name,
            "expected a contract file, found "
                + (Files.exists(file) ? "something else" : "no such file"));
      }
      long size = Files.size(file);
      if (size > MAX_FILE_BYTES) {
        return failure(
            name,
            "expected a contract file of at most " + MAX_FILE_BYTES + " bytes, found " + size);
      }
      String text;
      try {
        text =
            StandardCharsets.UTF_8
                .newDecoder()
                .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
                .toString();
      } catch (CharacterCodingException e) {
        return failure(name, "expected UTF-8 text, found bytes that are not UTF-8");
      }
      Path base = file.toAbsolutePath().getParent();
      return sourceFor(name).read(name, base, text);
    } catch (IOException e) {
      return failure(name, "expected a readable file, found " + e);
    }
  }

  private static SourceResult failure(String file, String message) {
    return new SourceResult(List.of(), List.of(new Diagnostic(file, 0, 0, "", message)));
  }

  private static List<Path> expand(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      return List.of(root);
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile)
          .filter(
              p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return n.endsWith(".yaml")
                    || n.endsWith(".yml")
                    || n.endsWith(".jsonld")
                    || n.endsWith(".ttl");
              })
          .sorted()
          .toList();
    }
  }
}
