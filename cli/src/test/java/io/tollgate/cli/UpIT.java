package io.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.dev.LiveStats;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * What {@code ./tollgate up} runs, for 20 seconds: broker, contracts, job, demo stream, live
 * figures. It ends on facts: the job drained everything sent, and the figures counted exactly what
 * was committed.
 */
class UpIT {
  /** {@code tollgate <args>} in this JVM: exit code, standard output, standard error. */
  static String[] tollgate(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new TollgateCommand());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.setExecutionExceptionHandler(TollgateCommand::failed);
    int code = cl.execute(args);
    return new String[] {Integer.toString(code), out.toString(), err.toString()};
  }

  /**
   * After up has said the evidence caught up: a contract's package exports and verifies offline
   * (against the operator's key, pinned) with every feedback event of the contract; a tampered copy
   * fails naming the entry; the audit page is written, verified, and renders in Chromium.
   */
  void evidence(String bootstrap) throws Exception {
    java.nio.file.Path dir = java.nio.file.Path.of("target/up-it");
    String[] where = {
      "--log-dir",
      dir.resolve("evidence/log").toString(),
      "--keys",
      dir.resolve("evidence/keys").toString()
    };
    // the gateway's busiest contract: which of the bank's contracts applies depends on the hour
    java.util.List<byte[]> feedback = new java.util.ArrayList<>();
    BillingCommand.read(
        bootstrap,
        io.tollgate.enforcement.Topics.FEEDBACK,
        new PrintWriter(new StringWriter()),
        r -> feedback.add(r.value()));
    java.util.Map<String, Long> byContract = new java.util.TreeMap<>();
    java.util.regex.Pattern cp = java.util.regex.Pattern.compile("\"contract\":\"([^\"]+)\"");
    for (byte[] f : feedback) {
      String text = new String(f, java.nio.charset.StandardCharsets.UTF_8);
      java.util.regex.Matcher mt = cp.matcher(text);
      if (text.contains("\"status\":") && mt.find()) {
        byContract.merge(mt.group(1), 1L, Long::sum);
      }
    }
    assertThat(byContract).as("the gateway's feedback by contract").isNotEmpty();
    String contract =
        byContract.entrySet().stream()
            .max(java.util.Map.Entry.comparingByValue())
            .orElseThrow()
            .getKey();
    long decisions = byContract.get(contract);
    java.nio.file.Path pkg = dir.resolve("evidence.zip");
    String[] export =
        tollgate(
            concat(
                new String[] {
                  "evidence", "export", "--contract", contract, "--out", pkg.toString()
                },
                where));
    assertThat(export[0]).as(export[1] + export[2]).isEqualTo("0");
    assertThat(export[1]).contains("verified: ");
    String[] keys = tollgate(concat(new String[] {"evidence", "keys"}, where));
    assertThat(keys[0]).as(keys[2]).isEqualTo("0");
    String vkey = keys[1].lines().filter(l -> l.contains("+")).findFirst().orElseThrow();
    String[] otherContract =
        tollgate(
            "evidence", "verify", pkg.toString(), "--key", vkey, "--contract", "not-" + contract);
    assertThat(otherContract[0]).isEqualTo("1");
    assertThat(otherContract[2]).contains("it is a package of contract " + contract);
    String[] verify =
        tollgate("evidence", "verify", pkg.toString(), "--key", vkey, "--contract", contract);
    assertThat(verify[0]).as(verify[2]).isEqualTo("0");
    assertThat(verify[1])
        .contains("decision=" + decisions)
        .contains("(pinned)")
        .contains("tree size");
    // a permit turned into a denial, the manifest's hash of it recomputed: the proof fails
    java.nio.file.Path bad = dir.resolve("tampered.zip");
    rewrite(pkg, bad);
    String[] tampered = tollgate("evidence", "verify", bad.toString(), "--key", vkey);
    assertThat(tampered[0]).isEqualTo("1");
    assertThat(tampered[2]).contains("NOT VERIFIED").contains("entries/").contains(".json");
    // the audit page, from the same log, and Chromium renders it
    java.nio.file.Path page = dir.resolve("audit.html");
    String[] report =
        tollgate(
            concat(
                new String[] {
                  "audit",
                  "report",
                  "--all",
                  "--out",
                  page.toString(),
                  "--bootstrap-servers",
                  bootstrap
                },
                where));
    assertThat(report[0]).as(report[1] + report[2]).isEqualTo("0");
    assertThat(report[1]).contains("evidence verified");
    String html = java.nio.file.Files.readString(page);
    assertThat(html).contains(contract).contains("VERIFIED").doesNotContain("<script");
    Process p =
        new ProcessBuilder(
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--user-data-dir=" + dir.resolve("chromium").toAbsolutePath(),
                "--dump-dom",
                page.toAbsolutePath().toUri().toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    String dom =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(dom).contains(contract).contains("bank-of-pudong").contains("VERIFIED");
  }

  static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** The package with its first permit turned into a denial and the manifest's hash updated. */
  static void rewrite(java.nio.file.Path from, java.nio.file.Path to) throws Exception {
    java.util.Map<String, byte[]> files = new java.util.LinkedHashMap<>();
    try (var z = new java.util.zip.ZipInputStream(java.nio.file.Files.newInputStream(from))) {
      java.util.zip.ZipEntry e;
      while ((e = z.getNextEntry()) != null) {
        files.put(e.getName(), z.readAllBytes());
      }
    }
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    var manifest =
        (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(files.get("manifest.json"));
    for (var f : files.entrySet()) {
      String s = new String(f.getValue(), java.nio.charset.StandardCharsets.UTF_8);
      if (f.getKey().startsWith("entries/") && s.contains("\"decision\":\"PERMIT\"")) {
        byte[] b =
            s.replace("\"decision\":\"PERMIT\"", "\"decision\":\"DENY\"")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        f.setValue(b);
        ((com.fasterxml.jackson.databind.node.ObjectNode) manifest.get("files"))
            .put(
                f.getKey(),
                java.util.HexFormat.of()
                    .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b)));
        break;
      }
    }
    files.put("manifest.json", json.writeValueAsBytes(manifest));
    try (var z = new java.util.zip.ZipOutputStream(java.nio.file.Files.newOutputStream(to))) {
      for (var f : files.entrySet()) {
        z.putNextEntry(new java.util.zip.ZipEntry(f.getKey()));
        z.write(f.getValue());
        z.closeEntry();
      }
    }
  }

  @Test
  void upStreamsEveryOutcomeMetersItAndStopsCleanly() throws Exception {
    StringWriter buf = new StringWriter();
    UpCommand up = new UpCommand();
    CommandLine cl = new CommandLine(up);
    cl.setOut(new PrintWriter(buf, true));
    int[] exitCode = {-1};
    Thread run =
        new Thread(
            () ->
                exitCode[0] =
                    cl.execute(
                        "--duration",
                        "240s",
                        "--demo-for",
                        "15s",
                        "--state-dir",
                        "target/up-it",
                        "--kafka-port",
                        "0",
                        "--web-port",
                        "0",
                        "--contracts",
                        "../examples/contracts",
                        "--vehicles",
                        "500",
                        "--gateway-port",
                        "0",
                        "--gateway-admin-port",
                        "0",
                        "--upstream-port",
                        "0",
                        "--participants",
                        "../examples/gateway/participants.yaml"),
            "up-it");
    run.start();
    // the demo traffic stops after 15 s; up then says when the usage bills every permitted call
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(3);
    while (!buf.toString().contains("tollgate: usage has caught up")) {
      assertThat(run.isAlive()).as(buf.toString()).isTrue();
      assertThat(System.nanoTime()).as(buf.toString()).isLessThan(deadline);
      Thread.sleep(200); // polls up's output: there is no event to wait on
    }
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("tollgate: broker (127\\.0\\.0\\.1:\\d+)")
            .matcher(buf.toString());
    assertThat(m.find()).as(buf.toString()).isTrue();
    String bootstrap = m.group(1);
    String month = java.time.YearMonth.now(java.time.ZoneId.of("Asia/Shanghai")).toString();
    long permits = up.stats().permitsSeen();
    try {
      // reconcile: every permitted call of both enforcement points is in the usage, to the call
      String[] rec =
          tollgate(
              "billing",
              "reconcile",
              "--from",
              month,
              "--to",
              month,
              "--bootstrap-servers",
              bootstrap);
      assertThat(rec[0]).as(rec[1] + rec[2]).isEqualTo("0");
      assertThat(rec[1]).contains("no difference");
      java.util.regex.Matcher permitted =
          java.util.regex.Pattern.compile("([\\d,]+) permitted calls in tollgate.feedback")
              .matcher(rec[1]);
      assertThat(permitted.find()).as(rec[1]).isTrue();
      assertThat(Long.parseLong(permitted.group(1).replace(",", ""))).isEqualTo(permits);

      // the stream's consumer: records at 0.0001 CNY, rounded once to the fen
      String[] st =
          tollgate(
              "billing",
              "statement",
              "--consumer",
              "city-traffic-lab",
              "--month",
              month,
              "--format",
              "json",
              "--bootstrap-servers",
              bootstrap);
      assertThat(st[0]).as(st[1] + st[2]).isEqualTo("0");
      com.fasterxml.jackson.databind.JsonNode s =
          new com.fasterxml.jackson.databind.ObjectMapper().readTree(st[1]);
      com.fasterxml.jackson.databind.JsonNode item = s.get("items").get(0);
      java.math.BigDecimal records =
          new java.math.BigDecimal(item.get("lines").get(0).get("quantity").asText());
      assertThat(item.get("lines").get(0).get("unitPrice").asText()).isEqualTo("0.0001");
      assertThat(new java.math.BigDecimal(item.get("subtotal").asText()))
          .isEqualByComparingTo(
              records
                  .multiply(new java.math.BigDecimal("0.0001"))
                  .setScale(2, java.math.RoundingMode.HALF_UP));
      assertThat(item.get("billableCalls").asLong()).isPositive();

      // the gateway's callers are billed too
      String[] http =
          tollgate(
              "billing",
              "statement",
              "--consumer",
              "bank-of-pudong",
              "--month",
              month,
              "--format",
              "csv",
              "--bootstrap-servers",
              bootstrap);
      assertThat(http[0]).as(http[1] + http[2]).isEqualTo("0");
      assertThat(http[1]).contains("bank-of-pudong," + month + ",cr-bank-of-pudong");

      // bad input: a clear message and exit 1 (2 for a malformed option), never a silent zero
      String[] nobody =
          tollgate(
              "billing",
              "statement",
              "--consumer",
              "nobody",
              "--month",
              month,
              "--bootstrap-servers",
              bootstrap);
      assertThat(nobody[0]).isEqualTo("1");
      assertThat(nobody[2])
          .contains("no usage of consumer \"nobody\"")
          .contains("city-traffic-lab");
      String[] otherMonth =
          tollgate(
              "billing",
              "statement",
              "--consumer",
              "city-traffic-lab",
              "--month",
              "2020-01",
              "--bootstrap-servers",
              bootstrap);
      assertThat(otherMonth[0]).isEqualTo("1");
      assertThat(otherMonth[2]).contains("has no usage in 2020-01; months with usage: " + month);
      String[] badMonth = tollgate("billing", "statement", "--consumer", "x", "--month", "2026-13");
      assertThat(badMonth[0]).isEqualTo("2");
      assertThat(badMonth[2]).contains("--month: expected a month as YYYY-MM, found \"2026-13\"");
      String[] badFormat =
          tollgate("billing", "statement", "--consumer", "x", "--month", month, "--format", "xml");
      assertThat(badFormat[0]).isEqualTo("2");
      String[] backwards = tollgate("billing", "reconcile", "--from", "2026-12", "--to", "2026-11");
      assertThat(backwards[0]).isEqualTo("2");
      assertThat(backwards[2]).contains("--to 2026-11 is before --from 2026-12");
      evidence(bootstrap);
      // what narrowing the city lab's contract would change, decided over the recorded stream
      java.nio.file.Path proposed = java.nio.file.Path.of("target/up-it/proposed");
      java.nio.file.Files.createDirectories(proposed);
      try (var files = java.nio.file.Files.list(java.nio.file.Path.of("../examples/contracts"))) {
        for (java.nio.file.Path f : files.toList()) {
          java.nio.file.Files.copy(
              f,
              proposed.resolve(f.getFileName()),
              java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
      String[] sim =
          tollgate(
              "policy",
              "simulate",
              "--current",
              "../examples/contracts",
              "--proposed",
              proposed.toString(),
              "--calls",
              io.tollgate.enforcement.Topics.CALLS,
              "--bootstrap-servers",
              bootstrap,
              "--format",
              "json");
      assertThat(sim[0]).as(sim[2]).isEqualTo("0");
      com.fasterxml.jackson.databind.JsonNode simulated =
          new com.fasterxml.jackson.databind.ObjectMapper().readTree(sim[1]);
      assertThat(simulated.path("decided").asLong()).isPositive();
      assertThat(simulated.path("changed").asLong())
          .as("the same contracts change nothing")
          .isZero();
    } finally {
      up.shutdown();
      run.join(120_000);
    }
    String out = buf.toString();
    assertThat(exitCode[0]).as(out).isZero();
    LiveStats.Totals t = up.totals();
    assertThat(up.sent()).as(out).isPositive();
    assertThat(t.calls).as("every call sent was decided, exactly once").isEqualTo(up.sent());
    assertThat(t.permitted).isPositive();
    assertThat(t.denied).isPositive();
    assertThat(t.throttled).isPositive();
    assertThat(t.permitted + t.denied + t.throttled).isEqualTo(t.calls);
    assertThat(t.delivered).isEqualTo(t.permitted);
    assertThat(t.gatewayRequests)
        .as("the demo's requests through the gateway, fed back")
        .isPositive();
    assertThat(out).contains("curl -s -H 'X-Api-Key: demo-key-demo-lender'");
    assertThat(t.deadLetters).isZero();
    assertThat(out).contains("calls/s").contains("decision p50/p99").contains("tollgate: stopped.");
    assertThat(t.billedCalls).as("billed: every permitted call of both points").isEqualTo(permits);
    assertThat(out).contains("billed (metering)");
  }
}
