package io.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The one command line: {@code --help} lists exactly the registered commands, and the README names
 * them.
 */
class CommandLineTest {
  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = TollgateCommand.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  /** The command names of a picocli usage text's "Commands:" section. */
  static Set<String> listed(String usage) {
    Set<String> names = new LinkedHashSet<>();
    boolean in = false;
    for (String line : usage.split("\n")) {
      if (line.startsWith("Commands:")) {
        in = true;
        continue;
      }
      Matcher m = Pattern.compile("^  ([a-z][a-z-]*)(\\s|,|$)").matcher(line);
      if (in && m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  @Test
  void helpListsEveryRegisteredCommand() {
    Run r = run("--help");
    assertThat(r.exit()).isZero();
    Set<String> registered = new CommandLine(new TollgateCommand()).getSubcommands().keySet();
    assertThat(listed(r.out())).containsExactlyInAnyOrderElementsOf(registered);
    assertThat(registered).contains("up", "policy", "topics", "stream-load", "help");
  }

  @Test
  void everyCommandHasHelpThatExplainsIt() {
    for (var e : new CommandLine(new TollgateCommand()).getSubcommands().entrySet()) {
      if (e.getKey().equals("help")) {
        continue;
      }
      Run r = run(e.getKey(), "--help");
      assertThat(r.exit()).as(e.getKey()).isZero();
      assertThat(r.out()).as(e.getKey()).startsWith("Usage: tollgate " + e.getKey());
      assertThat(e.getValue().getCommandSpec().usageMessage().description())
          .as(e.getKey())
          .isNotEmpty();
    }
  }

  @Test
  void theReadmeNamesEveryCommand() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    for (String name : new CommandLine(new TollgateCommand()).getSubcommands().keySet()) {
      if (!name.equals("help")) {
        assertThat(readme).as("README mentions ./tollgate " + name).contains("./tollgate " + name);
      }
    }
  }

  @Test
  void anUnknownCommandIsAClearErrorNotACrash() {
    Run r = run("no-such-command");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("Unmatched argument").contains("no-such-command");
  }

  @Test
  void optionsThatCannotWorkAreRefusedBeforeAnythingStarts() {
    for (String[] bad :
        new String[][] {
          {"--vehicles", "0"},
          {"--hz", "0"},
          {"--parallelism", "0"},
          {"--duration", "-5s"},
          {"--duration", "0s"},
          {"--web-port", "70000"}
        }) {
      Run r = run("up", bad[0], bad[1], "--state-dir", "target/refused");
      assertThat(r.exit()).as(String.join(" ", bad)).isEqualTo(2);
      assertThat(r.err()).as(String.join(" ", bad)).contains(bad[0]).doesNotContain("\tat ");
    }
  }

  @Test
  void aFailingCommandSaysWhatWentWrongInOneLine() {
    Run r = run("topics", "create", "--bootstrap-servers", "127.0.0.1:1", "--partitions", "0");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err())
        .startsWith("--partitions: expected 1 to 10000, found 0")
        .doesNotContain("\tat ");
    Run missing =
        run(
            "policy",
            "eval",
            "--contracts",
            "../examples/contracts",
            "--calls",
            "no-such-file.jsonl");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err())
        .contains("error: no-such-file.jsonl: expected a file of data calls, found none")
        .doesNotContain("\tat ");
  }

  @Test
  void aCommandThatFailsPrintsOneLineAndNoTrace() {
    Run r =
        run(
            "up",
            "--contracts",
            "no-such-contracts",
            "--participants",
            "../examples/gateway/participants.yaml",
            "--state-dir",
            "target/refused");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .startsWith("error: invalid contracts")
        .contains("no-such-contracts")
        .doesNotContain("\tat ");
  }

  @Test
  void aBadDurationIsAClearError() {
    Run r = run("up", "--duration", "soon");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("expected a duration such as 30s");
  }
}
