package io.tollgate.load;

import io.tollgate.gateway.GatewayCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A gateway in its own JVM, started as an operator starts one ({@code tollgate gateway --config}):
 * measured as a process of its own, as nginx is, with a JIT that compiles the gateway's code alone
 * rather than the upstream's, the broker's and the load generator's beside it.
 */
record GatewayProcess(Process process, int port, int adminPort) implements AutoCloseable {
  private static final Pattern ON = Pattern.compile("gateway \\S+ on :(\\d+), admin on :(\\d+)");

  /**
   * Starts one with {@code config}, its output in {@code log}; extra JVM options from the
   * environment's {@code TOLLGATE_GATEWAY_JAVA_OPTS} (a profiler agent, say).
   */
  static GatewayProcess start(Path config, Path log) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
    String extra = System.getenv("TOLLGATE_GATEWAY_JAVA_OPTS");
    if (extra != null && !extra.isBlank()) {
      cmd.addAll(List.of(extra.trim().split("\\s+")));
    }
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            GatewayCommand.class.getName(),
            "--config",
            config.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    CompletableFuture<int[]> ports = new CompletableFuture<>();
    Thread copy =
        new Thread(
            () -> {
              try (BufferedReader r =
                      new BufferedReader(
                          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                  PrintWriter w =
                      new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
                String line;
                while ((line = r.readLine()) != null) {
                  w.println(line);
                  Matcher m = ON.matcher(line);
                  if (m.find()) {
                    ports.complete(
                        new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
                  }
                }
              } catch (IOException e) {
                ports.completeExceptionally(e);
              }
              ports.completeExceptionally(
                  new IllegalStateException("the gateway exited; its output is in " + log));
            },
            "gateway-output-" + p.pid());
    copy.setDaemon(true);
    copy.start();
    try {
      int[] pp = ports.get(90, TimeUnit.SECONDS);
      return new GatewayProcess(p, pp[0], pp[1]);
    } catch (TimeoutException e) {
      p.destroyForcibly();
      throw new IllegalStateException("the gateway did not start within 90 s; see " + log);
    } catch (java.util.concurrent.ExecutionException e) {
      p.destroyForcibly();
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    }
  }

  /** Stops it as Ctrl-C does (what it buffered is fed back), forcibly after 20 s. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
