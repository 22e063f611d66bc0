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
  @Test
  void upStreamsEveryOutcomeAndStopsCleanly() {
    StringWriter buf = new StringWriter();
    UpCommand up = new UpCommand();
    CommandLine cl = new CommandLine(up);
    cl.setOut(new PrintWriter(buf, true));
    int exit =
        cl.execute(
            "--duration",
            "20s",
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
            "../examples/gateway/participants.yaml");
    String out = buf.toString();
    assertThat(exit).as(out).isZero();
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
  }
}
