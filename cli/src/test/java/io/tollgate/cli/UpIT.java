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
