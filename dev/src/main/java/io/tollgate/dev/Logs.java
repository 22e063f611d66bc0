package io.tollgate.dev;

import java.nio.file.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;

/**
 * Points the command line's log file (property {@code tollgate.log.file} of its log4j2
 * configuration) somewhere else.
 */
public final class Logs {
  private Logs() {}

  /** From now on, logs go to {@code file}. */
  public static void toFile(Path file) {
    System.setProperty("tollgate.log.file", file.toAbsolutePath().toString());
    if (LogManager.getContext(false) instanceof LoggerContext ctx) {
      ctx.reconfigure();
    }
  }
}
