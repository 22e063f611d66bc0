package io.tollgate.gateway;

import io.tollgate.gateway.config.ConfigException;
import io.tollgate.gateway.config.GatewayConfig;
import io.tollgate.policy.Diagnostic;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tollgate gateway --config FILE}: runs one gateway replica until interrupted. With {@code
 * --check} it only reads the configuration and the participants file and reports every problem,
 * located.
 */
@Command(
    name = "gateway",
    mixinStandardHelpOptions = true,
    description = {
      "Run the HTTP gateway that finance APIs sit behind: every request authenticated to a",
      "registered participant, decided with the contracts on tollgate.policies, throttled,",
      "forwarded, its response trimmed to what the contract allows, and fed back to",
      "tollgate.feedback. The configuration keys are in gateway/README.md.",
    },
    footer = {
      "",
      "Example:",
      "  tollgate gateway --config examples/gateway/gateway.yaml --check",
    })
public final class GatewayCommand implements Callable<Integer> {
  @Option(
      names = "--config",
      required = true,
      paramLabel = "FILE",
      description =
          "The gateway's YAML configuration (listeners, TLS, catalog, participants, Kafka, Redis, limits, spool).")
  Path config;

  @Option(
      names = "--check",
      description =
          "Only check the configuration: print every problem with file, line and key; exit 1 on any.")
  boolean check;

  @Option(
      names = "--ready-timeout",
      defaultValue = "60s",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "How long to wait for the contracts on tollgate.policies before serving anyway (default: ${DEFAULT-VALUE}); /ready says when they are read.")
  Duration readyTimeout;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    GatewayConfig c;
    try {
      c = GatewayConfig.read(config);
    } catch (ConfigException e) {
      for (Diagnostic d : e.problems()) {
        err.println(d);
      }
      err.println(e.problems().size() + " problem(s) in " + config);
      return 1;
    }
    if (check) {
      out.println(
          "ok: "
              + c.routes().size()
              + " dataset(s), "
              + c.participants().all().size()
              + " participant(s)");
      return 0;
    }
    if (c.maskKey().equals(GatewayConfig.DEMO_MASK_KEY)) {
      err.println(
          "warning: masks use the demo key; set TOLLGATE_MASK_KEY (or maskKey) to a secret.");
    }
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    // the hook waits for the close below (feedback spooled, leases given back): the JVM halts as
    // soon as its hooks return
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stop.countDown();
                  try {
                    closed.await(30, java.util.concurrent.TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "tollgate-gateway-stop"));
    try (Gateway g = new Gateway(c).start(readyTimeout)) {
      out.println(
          "gateway "
              + c.id()
              + " on :"
              + g.port()
              + ", admin on :"
              + g.adminPort()
              + " (Ctrl-C stops)");
      out.flush();
      stop.await();
    } finally {
      closed.countDown();
    }
    return 0;
  }

  /** Runs the command alone (tests start gateway processes with it). */
  public static void main(String[] args) {
    System.exit(new CommandLine(new GatewayCommand()).execute(args));
  }

  /** {@code 250ms}, {@code 10s}, {@code 5m}. */
  public static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String v) {
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m|h)").matcher(v);
      if (!m.matches()) {
        throw new CommandLine.TypeConversionException(
            "expected a duration such as 500ms, 30s or 5m, found " + v);
      }
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      };
    }
  }
}
