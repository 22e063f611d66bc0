package io.tollgate.cli;

import io.tollgate.dev.TopicsCommand;
import io.tollgate.enforcement.cli.PolicyCommand;
import io.tollgate.gateway.GatewayCommand;
import io.tollgate.load.GatewayLoad;
import io.tollgate.load.StreamLoad;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tollgate} command line: the composition root, where every module's commands are
 * registered.
 *
 * <ul>
 *   <li>{@code up}: this module (the whole system on one machine, with the demo);
 *   <li>{@code cluster}: this module over dev (a Flink standalone cluster of processes);
 *   <li>{@code policy}: enforcement-core (check and evaluate contracts);
 *   <li>{@code topics}: dev (create Tollgate's topics on a cluster);
 *   <li>{@code gateway}: gateway (the HTTP enforcement point);
 *   <li>{@code billing}: this module over metering (statements and reconciliation);
 *   <li>{@code stream-load}: load-tests (the end-to-end load of the enforcement job);
 *   <li>{@code gateway-load}: load-tests (the gateway beside nginx and the upstream alone).
 * </ul>
 *
 * The evidence, audit and ODRL commands join here with their modules. {@code CommandLineTest}
 * checks that {@code --help} lists every registered command.
 */
@Command(
    name = "tollgate",
    mixinStandardHelpOptions = true,
    versionProvider = TollgateCommand.Version.class,
    description = "Tollgate: streaming usage control for trusted data spaces (可信数据空间).",
    subcommands = {
      UpCommand.class,
      ClusterCommand.class,
      PolicyCommand.class,
      io.tollgate.enforcement.cli.OdrlCommand.class,
      TopicsCommand.class,
      GatewayCommand.class,
      BillingCommand.class,
      EvidenceCommand.class,
      AuditCommand.class,
      StreamLoad.class,
      io.tollgate.load.EvidenceLoad.class,
      GatewayLoad.class,
      CommandLine.HelpCommand.class
    })
public final class TollgateCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * The command line, writing UTF-8 to standard output and error. A command that fails prints
   * {@code error: <what went wrong>} and exits 1; the stack trace goes to the log (or to the
   * console with {@code -Dtollgate.trace=true}).
   */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new TollgateCommand());
    cl.setOut(new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
    cl.setErr(new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true));
    cl.setExecutionExceptionHandler(TollgateCommand::failed);
    return cl;
  }

  /** How a command's failure reaches the user: one line naming what went wrong, exit code 1. */
  static int failed(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      if (c.getMessage() != null && !message.contains(c.getMessage())) {
        message += ": " + c.getMessage();
        break;
      }
    }
    cl.getErr().println("error: " + message);
    cl.getErr().flush();
    org.slf4j.LoggerFactory.getLogger("io.tollgate.cli.failures")
        .error("{} failed", cl.getCommandName(), e);
    if (Boolean.getBoolean("tollgate.trace")) {
      e.printStackTrace(cl.getErr());
    }
    return 1;
  }

  public static void main(String[] args) {
    int exit = commandLine().execute(args);
    System.exit(exit);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = TollgateCommand.class.getPackage().getImplementationVersion();
      return new String[] {"tollgate " + (v == null ? "development build" : v)};
    }
  }
}
