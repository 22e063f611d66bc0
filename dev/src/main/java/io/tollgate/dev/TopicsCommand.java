package io.tollgate.dev;

import io.tollgate.enforcement.TopicSpec;
import io.tollgate.enforcement.Topics;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tollgate topics ...}: the topics of docs/events.md on a Kafka cluster. */
@Command(
    name = "topics",
    mixinStandardHelpOptions = true,
    description = "Create and list Tollgate's Kafka topics (docs/events.md).",
    subcommands = {TopicsCommand.Create.class, TopicsCommand.ListSpecs.class})
public final class TopicsCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Create the topics that are missing (existing ones are left as they are).")
  static final class Create implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--bootstrap-servers",
        required = true,
        description = "Kafka bootstrap servers.")
    String bootstrap;

    @Option(
        names = "--partitions",
        defaultValue = "2",
        description =
            "Partitions of every topic but tollgate.policies, which has one (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(
        names = "--replication-factor",
        defaultValue = "1",
        description =
            "Replicas of every topic: 1 on a single broker, 3 on a production cluster (default: ${DEFAULT-VALUE}).")
    short replication;

    @Override
    public Integer call() throws InterruptedException {
      if (partitions < 1 || partitions > 10_000) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--partitions: expected 1 to 10000, found " + partitions);
      }
      if (replication < 1) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--replication-factor: expected at least 1, found " + replication);
      }
      PrintWriter out = spec.commandLine().getOut();
      TopicAdmin.Result r = TopicAdmin.create(bootstrap, partitions, replication);
      for (TopicSpec t : Topics.specs()) {
        out.printf("%-8s %s%n", r.created().contains(t.name()) ? "created" : "exists", t.name());
      }
      out.flush();
      PrintWriter err = spec.commandLine().getErr();
      for (String m : r.mismatches()) {
        err.println("error: " + m + " (existing topics are never changed: fix or recreate it)");
      }
      err.flush();
      return r.mismatches().isEmpty() ? 0 : 1;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Print each topic with the settings it is created with.")
  static final class ListSpecs implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      for (TopicSpec t : Topics.specs()) {
        out.printf(
            "%-20s %-14s %s%n",
            t.name(),
            t.singlePartition() ? "1 partition" : "N partitions",
            new java.util.TreeMap<>(t.configs()));
      }
      out.flush();
      return 0;
    }
  }
}
