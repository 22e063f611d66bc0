package io.tollgate.gateway.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tollgate} command line. */
@Command(
    name = "tollgate",
    mixinStandardHelpOptions = true,
    versionProvider = TollgateCommand.Version.class,
    description = "Tollgate: streaming usage control for trusted data spaces (可信数据空间).",
    subcommands = {PolicyCommand.class, CommandLine.HelpCommand.class})
public final class TollgateCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Runs a command line and returns its exit code. */
  public static int execute(String... args) {
    return new CommandLine(new TollgateCommand()).execute(args);
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = TollgateCommand.class.getPackage().getImplementationVersion();
      return new String[] {"tollgate " + (v == null ? "development build" : v)};
    }
  }
}
