package io.tollgate.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.flink.dev.LiveStats;
import io.tollgate.flink.dev.Up;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What `./tollgate up` runs, for 20 seconds: broker, contracts, job, demo stream, live figures. */
class UpIT {
  @Test
  void upStreamsEveryOutcomeAndStopsCleanly() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    Up up = new Up(new PrintStream(buf, true, StandardCharsets.UTF_8));
    int exit = new CommandLine(up).execute("--duration", "20s", "--state-dir", "target/up-it", "--kafka-port", "0",
        "--web-port", "0", "--contracts", "../examples/contracts", "--vehicles", "500");
    String out = buf.toString(StandardCharsets.UTF_8);
    System.out.println(out);
    assertThat(exit).as(out).isZero();
    LiveStats.Totals t = up.totals();
    assertThat(t.calls).as("every call sent was decided, exactly once").isEqualTo(up.sent());
    assertThat(t.permitted).isPositive();
    assertThat(t.denied).isPositive();
    assertThat(t.throttled).isPositive();
    assertThat(t.permitted + t.denied + t.throttled).isEqualTo(t.calls);
    assertThat(t.delivered).isEqualTo(t.permitted);
    assertThat(t.deadLetters).isZero();
    assertThat(out).contains("calls/s").contains("decision p50/p99").contains("tollgate: stopped.");
  }
}
