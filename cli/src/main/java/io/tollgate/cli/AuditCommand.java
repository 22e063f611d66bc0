package io.tollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.tollgate.evidence.Entry;
import io.tollgate.evidence.EvidenceException;
import io.tollgate.evidence.EvidencePackage;
import io.tollgate.evidence.NoteKey;
import io.tollgate.evidence.audit.AuditData;
import io.tollgate.evidence.audit.AuditReport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tollgate audit report}: the compliance audit report (合规审计报表), from the evidence. */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = "Audit reports from the evidence log (合规审计报表).",
    subcommands = {AuditCommand.ReportCommand.class})
public final class AuditCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "report",
      mixinStandardHelpOptions = true,
      description =
          "Writes one self-contained HTML page (inline SVG charts, no external assets): who used"
              + " the data, when (calls by outcome), which datasets and fields, which purposes,"
              + " every violation attempt and throttle, the billed usage and remaining quota, and"
              + " whether the evidence verifies, with the checkpoint it was checked against. Its"
              + " figures come from the evidence package of each contract, verified as `tollgate"
              + " evidence verify` does; the running month and the quota from tollgate.usage"
              + " when the broker is reachable. Exits 1 when the log holds nothing to report, or"
              + " when a package does not verify (the page is written then, and says where).")
  static final class ReportCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @CommandLine.Mixin EvidenceCommand.Where where = new EvidenceCommand.Where();

    @CommandLine.ArgGroup(multiplicity = "1")
    Scope scope;

    static final class Scope {
      @Option(names = "--contract", description = "One contract's report.")
      String contract;

      @Option(names = "--all", description = "Every contract in the log, per consumer.")
      boolean all;
    }

    @Option(names = "--from", description = "From (inclusive): YYYY-MM, YYYY-MM-DD or RFC 3339.")
    String from;

    @Option(names = "--to", description = "To (exclusive): YYYY-MM, YYYY-MM-DD or RFC 3339.")
    String to;

    @Option(
        names = "--zone",
        defaultValue = "Asia/Shanghai",
        description = "The zone of dates and of the page's times (default: ${DEFAULT-VALUE}).")
    String zone;

    @Option(names = "--out", required = true, description = "The page to write (.html).")
    Path out;

    @Option(
        names = "--key",
        description = "A verifier key the checkpoints must be signed by (see evidence verify).")
    List<String> keys = new ArrayList<>();

    @Option(
        names = "--bootstrap-servers",
        defaultValue = "127.0.0.1:19092",
        description =
            "Kafka, for the running month's usage and the quota (default: ${DEFAULT-VALUE});"
                + " \"none\" leaves them out.")
    String bootstrap;

    @Override
    public Integer call() throws Exception {
      PrintWriter o = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      ZoneId z = EvidenceCommand.zone(spec, zone);
      long f = EvidenceCommand.time(spec, "--from", from, z);
      long t = EvidenceCommand.time(spec, "--to", to, z);
      List<NoteKey> pinned = new ArrayList<>();
      for (String k : keys) {
        Path p = Path.of(k);
        String text = Files.isRegularFile(p) ? Files.readString(p).strip() : k;
        try {
          pinned.add(NoteKey.parseVerifierKey(text));
        } catch (EvidenceException e) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--key " + k + ": " + e.getMessage());
        }
      }
      EvidencePackage.Log log;
      try {
        log = EvidenceCommand.log(where);
      } catch (EvidenceException | java.nio.file.NoSuchFileException e) {
        err.println("tollgate audit report: " + e.getMessage());
        return 1;
      }
      List<String> contracts = new ArrayList<>();
      if (scope.all) {
        TreeSet<String> ids = new TreeSet<>();
        for (long i = 0; i < log.tree().treeSize(); i++) {
          Entry e = Entry.decode(log.tree().entry(i));
          if (e.contract() != null) {
            ids.add(e.contract());
          }
        }
        contracts.addAll(ids);
      } else {
        contracts.add(scope.contract);
      }
      Map<String, List<JsonNode>> usage = runningUsage(err);
      List<AuditData.Section> sections = new ArrayList<>();
      boolean allVerified = true;
      for (String c : contracts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        EvidencePackage.Exported x = EvidencePackage.export(log, c, f, t, Instant.now(), b);
        if (x.entries() == 0) {
          continue;
        }
        AuditData.Verification ver;
        List<Entry> entries;
        Map<String, String> texts;
        try {
          EvidencePackage.Verified v =
              EvidencePackage.verify(new ByteArrayInputStream(b.toByteArray()), pinned);
          ver =
              new AuditData.Verification(
                  true,
                  String.format(
                      "%,d entries verify against the checkpoint of tree size %,d, %d"
                          + " checkpoints consistent%s%s",
                      v.entries(),
                      v.treeSize(),
                      v.checkpoints(),
                      v.keysPinned() ? ", signed by the pinned key" : "",
                      v.openEnd()
                          ? "; the end of the range is not proven complete (no later entry of"
                              + " the contract yet)"
                          : ""),
                  v.origin(),
                  v.treeSize(),
                  v.root(),
                  v.keys(),
                  Instant.now());
          entries = v.all();
          texts = v.contractTexts();
        } catch (EvidenceException e) {
          allVerified = false;
          ver =
              new AuditData.Verification(
                  false, e.getMessage(), null, x.treeSize(), null, List.of(), Instant.now());
          entries = unverifiedEntries(b.toByteArray());
          texts = Map.of();
        }
        sections.add(section(c, entries, texts, usage.getOrDefault(c, List.of()), ver, f, t));
      }
      if (sections.isEmpty()) {
        err.println(
            "tollgate audit report: the log holds nothing"
                + (scope.all ? "" : " of contract " + scope.contract)
                + (from == null && to == null ? "" : " in that range"));
        return 1;
      }
      AuditData d =
          new AuditData(
              scope.all
                  ? "Compliance audit of the data space"
                  : "Compliance audit of " + scope.contract,
              from == null ? null : Instant.ofEpochMilli(f),
              to == null ? null : Instant.ofEpochMilli(t),
              Instant.now(),
              z,
              sections);
      Path tmp = out.toAbsolutePath().resolveSibling("." + out.getFileName() + ".tmp");
      Files.writeString(tmp, AuditReport.render(d), StandardCharsets.UTF_8);
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
      o.printf(
          "tollgate audit report: %s: %d contract%s, evidence %s%n",
          out,
          sections.size(),
          sections.size() == 1 ? "" : "s",
          allVerified ? "verified" : "NOT VERIFIED (the page says where)");
      o.flush();
      return allVerified ? 0 : 1;
    }

    /** The latest record of every month of every contract on tollgate.usage, by contract. */
    private Map<String, List<JsonNode>> runningUsage(PrintWriter err) {
      Map<String, List<JsonNode>> out = new TreeMap<>();
      if ("none".equals(bootstrap)) {
        return out;
      }
      try {
        Map<String, JsonNode> latest = new LinkedHashMap<>();
        for (JsonNode d : BillingCommand.readUsage(bootstrap, err)) {
          latest.put(
              d.path("contract").asText()
                  + "|"
                  + d.path("dataset").asText()
                  + "|"
                  + d.path("period").asText(),
              d);
        }
        latest
            .values()
            .forEach(
                d ->
                    out.computeIfAbsent(d.path("contract").asText(), k -> new ArrayList<>())
                        .add(d));
      } catch (RuntimeException e) {
        err.println("warning: the running month and the quota are left out: " + e.getMessage());
      }
      return out;
    }

    private static List<Entry> unverifiedEntries(byte[] zip) throws java.io.IOException {
      List<Entry> out = new ArrayList<>();
      try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(zip))) {
        ZipEntry e;
        while ((e = z.getNextEntry()) != null) {
          if (e.getName().startsWith("entries/")) {
            try {
              out.add(Entry.decode(z.readAllBytes()));
            } catch (EvidenceException x) {
              // shown as not verified
            }
          }
        }
      }
      out.sort(java.util.Comparator.comparingLong(Entry::index));
      return out;
    }

    static final YAMLMapper YAML = new YAMLMapper();

    static List<String> strings(JsonNode n) {
      List<String> out = new ArrayList<>();
      if (n == null || n.isMissingNode() || n.isNull()) {
        return out;
      }
      if (n.isArray()) {
        n.forEach(x -> out.add(x.asText()));
      } else {
        out.add(n.asText());
      }
      return out;
    }

    static AuditData.Section section(
        String contract,
        List<Entry> entries,
        Map<String, String> texts,
        List<JsonNode> usage,
        AuditData.Verification ver,
        long from,
        long to) {
      String consumer = null;
      String provider = null;
      List<AuditData.Version> versions = new ArrayList<>();
      List<AuditData.Decision> decisions = new ArrayList<>();
      Map<String, AuditData.Usage> months = new TreeMap<>();
      Instant[] lastPublished = {null};
      for (Entry e : entries) {
        JsonNode r = e.record();
        switch (e.kind()) {
          case Entry.CONTRACT:
            {
              if (!versions.isEmpty() && versions.get(versions.size() - 1).revoked() == null) {
                AuditData.Version p = versions.remove(versions.size() - 1);
                versions.add(
                    new AuditData.Version(
                        p.version(),
                        p.published(),
                        Instant.ofEpochMilli(e.at()),
                        p.datasets(),
                        p.fields(),
                        p.purposes()));
              }
              String v = r.path("version").asText(r.path("error").asText("?"));
              JsonNode y = null;
              try {
                String text = texts.get(v);
                y = text == null ? null : YAML.readTree(text);
              } catch (java.io.IOException x) {
                // the version's terms are then not shown
              }
              if (y != null) {
                consumer = consumer == null ? y.path("consumer").asText(null) : consumer;
                provider = provider == null ? y.path("provider").asText(null) : provider;
              }
              versions.add(
                  new AuditData.Version(
                      v,
                      Instant.ofEpochMilli(e.at()),
                      null,
                      y == null ? List.of() : strings(y.get("dataset")),
                      y == null ? List.of() : strings(y.path("fields").get("allow")),
                      y == null ? List.of() : strings(y.get("purposes"))));
              lastPublished[0] = Instant.ofEpochMilli(e.at());
              break;
            }
          case Entry.REVOCATION:
            if (!versions.isEmpty() && versions.get(versions.size() - 1).revoked() == null) {
              AuditData.Version p = versions.remove(versions.size() - 1);
              versions.add(
                  new AuditData.Version(
                      p.version(),
                      p.published(),
                      Instant.ofEpochMilli(e.at()),
                      p.datasets(),
                      p.fields(),
                      p.purposes()));
            }
            break;
          case Entry.DECISION:
            if (e.at() < from || e.at() >= to) {
              break; // in the package for its chain, not in the range
            }
            consumer = consumer == null ? r.path("consumer").asText(null) : consumer;
            provider =
                provider == null || provider.equals("null")
                    ? r.path("provider").asText(null)
                    : provider;
            decisions.add(
                new AuditData.Decision(
                    Instant.ofEpochMilli(e.at()),
                    r.path("decision").asText("?"),
                    strings(r.get("reasons")),
                    r.path("dataset").asText(null),
                    r.path("action").asText(null),
                    r.path("purpose").asText(null),
                    r.path("channel").asText(null),
                    r.path("point").asText(null),
                    r.path("records").asLong(0),
                    r.path("bytes").asLong(0)));
            break;
          case Entry.USAGE:
            {
              JsonNode d = r.path("data");
              months.put(
                  d.path("dataset").asText() + "|" + d.path("period").asText(), usage(d, true));
              break;
            }
          default:
            break;
        }
      }
      AuditData.Quota quota = null;
      String latestThrough = "";
      for (JsonNode d : usage) {
        String k = d.path("dataset").asText() + "|" + d.path("period").asText();
        if (!months.containsKey(k) || !months.get(k).closed()) {
          months.put(k, usage(d, d.path("final").asBoolean(false)));
        }
        String through = d.path("through").asText("");
        if (through.compareTo(latestThrough) >= 0 && d.has("quota")) {
          latestThrough = through;
          JsonNode q = d.path("quota");
          quota =
              new AuditData.Quota(
                  num(q.at("/day/used")),
                  num(q.at("/day/limit")),
                  num(q.at("/month/used")),
                  num(q.at("/month/limit")),
                  num(q.at("/total/used")),
                  num(q.at("/total/limit")));
        }
      }
      decisions.sort(java.util.Comparator.comparing(AuditData.Decision::at));
      return new AuditData.Section(
          consumer,
          provider,
          contract,
          versions,
          decisions,
          new ArrayList<>(months.values()),
          quota,
          ver);
    }

    static Long num(JsonNode n) {
      return n == null || n.isMissingNode() || n.isNull() ? null : n.asLong();
    }

    static AuditData.Usage usage(JsonNode d, boolean closed) {
      long calls = 0;
      long records = 0;
      long bytes = 0;
      for (JsonNode u : d.path("billable")) {
        calls += u.path("calls").asLong();
        records += u.path("records").asLong();
        bytes += u.path("bytes").asLong();
      }
      for (JsonNode u : d.path("corrections")) {
        calls += u.path("calls").asLong();
        records += u.path("records").asLong();
        bytes += u.path("bytes").asLong();
      }
      Map<String, Long> refused = new TreeMap<>();
      d.path("refused")
          .fields()
          .forEachRemaining(x -> refused.put(x.getKey(), x.getValue().asLong()));
      JsonNode amount = d.get("amount");
      return new AuditData.Usage(
          d.path("period").asText(),
          closed,
          calls,
          records,
          bytes,
          amount == null || amount.isNull() ? null : amount.asText(),
          d.path("currency").asText(null),
          refused);
    }
  }
}
