package io.tollgate.flink;

import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * How a job's {@code main} runs its command. A Flink cluster runs {@code main} inside the
 * JobManager (a jar submitted through the REST API or the web UI): the method must return, or
 * throw, and never call {@code System.exit}, which would end the JobManager. So bad arguments are
 * thrown, with picocli's message, and reach the submitter as the submission's error; {@code --help}
 * and {@code --version} print and return.
 */
public final class JobMain {
  private JobMain() {}

  public static void run(Callable<Integer> command, String[] args) throws Exception {
    CommandLine cl = new CommandLine(command);
    try {
      cl.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException(
          e.getMessage() + " (" + cl.getCommandName() + " --help lists the options)", e);
    }
    if (cl.isUsageHelpRequested()) {
      cl.usage(System.out);
      return;
    }
    if (cl.isVersionHelpRequested()) {
      cl.printVersionHelp(System.out);
      return;
    }
    Integer code = command.call();
    if (code != null && code != 0) {
      throw new IllegalStateException(cl.getCommandName() + " ended with code " + code);
    }
  }
}
