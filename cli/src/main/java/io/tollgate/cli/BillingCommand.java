package io.tollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.records.EventReader;
import io.tollgate.enforcement.records.FeedbackEvent;
import io.tollgate.metering.BillingException;
import io.tollgate.metering.Reconciliation;
import io.tollgate.metering.Statement;
import io.tollgate.metering.UsageRecords;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tollgate billing}: statements from {@code tollgate.usage}, and their reconciliation. */
@Command(
    name = "billing",
    mixinStandardHelpOptions = true,
    description =
        "Statements from tollgate.usage, and the reconciliation of tollgate.usage with"
            + " tollgate.feedback (docs/events.md, docs/contracts.md \"Prices\").",
    subcommands = {BillingCommand.StatementCommand.class, BillingCommand.ReconcileCommand.class})
public final class BillingCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Where the topics are. */
  static final class Broker {
    @Option(
        names = "--bootstrap-servers",
        defaultValue = "127.0.0.1:19092",
        description =
            "Kafka bootstrap servers (default: ${DEFAULT-VALUE}, `tollgate up`'s broker).")
    String bootstrap;
  }

  @Command(
      name = "statement",
      mixinStandardHelpOptions = true,
      description =
          "One consumer's statement for one month: per contract and dataset the latest revision of"
              + " the month in tollgate.usage, its lines (quantities, unit prices, tiers,"
              + " corrections), subtotal, commission, provider share and total. Exits 1 when the"
              + " consumer or month has no usage, the month has nothing billable, or an item could"
              + " not be priced.")
  static final class StatementCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @CommandLine.Mixin Broker broker = new Broker();

    @Option(names = "--consumer", required = true, description = "The consumer's id.")
    String consumer;

    @Option(
        names = "--month",
        required = true,
        description = "The billing month, YYYY-MM (in each contract's zone).")
    String month;

    @Option(
        names = "--format",
        defaultValue = "text",
        description = "text, json or csv (default: ${DEFAULT-VALUE}).")
    String format;

    @Override
    public Integer call() throws Exception {
      YearMonth m = month(spec, "--month", month);
      if (!List.of("text", "json", "csv").contains(format)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--format: expected text, json or csv, found \"" + format + "\"");
      }
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      List<JsonNode> usage = readUsage(broker.bootstrap, err);
      List<Statement.Standing> standing = standing(broker.bootstrap, err);
      Statement s;
      try {
        s = Statement.of(usage, consumer, m, standing);
      } catch (BillingException e) {
        err.println("error: " + e.getMessage());
        return 1;
      }
      out.print(
          switch (format) {
            case "json" -> s.json();
            case "csv" -> s.csv();
            default -> s.text();
          });
      out.flush();
      for (Statement.Item i : s.unpriced()) {
        err.println(
            "error: "
                + i.contract()
                + " ("
                + i.dataset()
                + ") in "
                + s.month()
                + " is not priced: "
                + i.unpriced());
      }
      return s.unpriced().isEmpty() ? 0 : 1;
    }
  }

  @Command(
      name = "reconcile",
      mixinStandardHelpOptions = true,
      description =
          "Recounts tollgate.feedback (distinct permitted calls, their records and bytes) and"
              + " compares it with tollgate.usage, per contract and month: exits 1 and lists every"
              + " difference, 0 when there is none. Months still open are compared with their"
              + " latest running total: run it once the metering job has flushed (it does within"
              + " its flush interval once traffic stops).")
  static final class ReconcileCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @CommandLine.Mixin Broker broker = new Broker();

    @Option(
        names = "--from",
        required = true,
        description = "The first month compared: YYYY-MM, a date or an RFC 3339 time (its month).")
    String from;

    @Option(
        names = "--to",
        required = true,
        description = "The last month compared (included), in the same forms.")
    String to;

    @Option(
        names = "--zone",
        defaultValue = "Asia/Shanghai",
        description =
            "The zone of --from and --to given as times, and of the months of feedback that no"
                + " usage record names (default: ${DEFAULT-VALUE}).")
    String zone;

    @Override
    public Integer call() throws Exception {
      ZoneId z;
      try {
        z = ZoneId.of(zone);
      } catch (java.time.DateTimeException e) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--zone: not a zone id: \"" + zone + "\"");
      }
      YearMonth f = when(spec, "--from", from, z);
      YearMonth t = when(spec, "--to", to, z);
      if (t.isBefore(f)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--to " + t + " is before --from " + f);
      }
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Reconciliation r = new Reconciliation(f, t, z);
      List<JsonNode> usage = readUsage(broker.bootstrap, err);
      usage.forEach(r::usage);
      long[] unreadable = {0};
      read(
          broker.bootstrap,
          Topics.FEEDBACK,
          err,
          rec -> {
            FeedbackEvent e;
            long ts;
            try {
              e = EventReader.feedback(rec.value());
              ts = Instant.parse(e.eventTime()).toEpochMilli();
            } catch (RuntimeException ex) {
              unreadable[0]++;
              return;
            }
            if (e.id() == null) {
              unreadable[0]++;
              return;
            }
            r.feedback(
                e.id(),
                e.consumer(),
                e.provider(),
                e.contract(),
                e.dataset(),
                e.decision().name().equals("PERMIT"),
                ts,
                e.records(),
                e.bytes());
          });
      List<Reconciliation.Difference> diffs = r.differences();
      out.printf(
          "reconcile %s to %s: %,d permitted calls in tollgate.feedback (%,d seen again, counted"
              + " once), %,d usage records read%n",
          f, t, r.permits(), r.duplicates(), usage.size());
      if (unreadable[0] > 0) {
        out.printf(
            "%,d feedback records are unreadable or have no id: metering skips them too%n",
            unreadable[0]);
      }
      for (Reconciliation.Difference d : diffs) {
        out.println("DIFFERENCE " + d);
      }
      out.println(diffs.isEmpty() ? "no difference" : diffs.size() + " difference(s)");
      out.flush();
      return diffs.isEmpty() ? 0 : 1;
    }
  }

  static YearMonth month(CommandLine.Model.CommandSpec spec, String option, String value) {
    try {
      return YearMonth.parse(value);
    } catch (DateTimeParseException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), option + ": expected a month as YYYY-MM, found \"" + value + "\"");
    }
  }

  static YearMonth when(
      CommandLine.Model.CommandSpec spec, String option, String value, ZoneId zone) {
    try {
      return YearMonth.parse(value);
    } catch (DateTimeParseException e) {
      // a date or a time
    }
    try {
      return YearMonth.from(LocalDate.parse(value));
    } catch (DateTimeParseException e) {
      // a time
    }
    try {
      return YearMonth.from(OffsetDateTime.parse(value).atZoneSameInstant(zone));
    } catch (DateTimeParseException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          option + ": expected YYYY-MM, YYYY-MM-DD or an RFC 3339 time, found \"" + value + "\"");
    }
  }

  /**
   * The contracts on {@code tollgate.policies}, each with its latest terms, when it was first
   * published and when it was revoked: a month it stood in owes its subscription and minimum.
   */
  static List<Statement.Standing> standing(String bootstrap, PrintWriter err) {
    Map<String, long[]> span = new java.util.TreeMap<>(); // first published, revoked
    Map<String, String> text = new java.util.HashMap<>();
    read(
        bootstrap,
        Topics.POLICIES,
        err,
        r -> {
          io.tollgate.enforcement.records.PolicyRecord p =
              io.tollgate.enforcement.records.PolicyRecord.read(
                  r.key(), r.value(), r.partition(), r.offset(), r.timestamp());
          if (p.contractId == null || p.error != null) {
            return;
          }
          long[] s =
              span.computeIfAbsent(p.contractId, k -> new long[] {r.timestamp(), Long.MAX_VALUE});
          if (p.text == null) {
            s[1] = r.timestamp(); // revoked
          } else {
            text.put(p.contractId, p.text);
            if (s[1] != Long.MAX_VALUE) {
              s[1] = Long.MAX_VALUE; // published again
            }
          }
        });
    List<Statement.Standing> out = new ArrayList<>();
    io.tollgate.policy.PolicyCompiler compiler = new io.tollgate.policy.PolicyCompiler();
    span.forEach(
        (id, s) -> {
          String t = text.get(id);
          if (t == null) {
            return;
          }
          try {
            out.add(
                new Statement.Standing(
                    io.tollgate.metering.ContractTerms.of(
                        io.tollgate.enforcement.contracts.ContractRecords.compile(
                            compiler, id, t, Topics.POLICIES, null)),
                    s[0],
                    s[1]));
          } catch (io.tollgate.policy.PolicyException | RuntimeException e) {
            err.println(
                "warning: contract "
                    + id
                    + " on "
                    + Topics.POLICIES
                    + " does not compile here: its monthly terms are left out ("
                    + e.getMessage()
                    + ")");
          }
        });
    return out;
  }

  /** Every committed usage record's {@code data}, in offset order per partition. */
  static List<JsonNode> readUsage(String bootstrap, PrintWriter err) {
    List<JsonNode> out = new ArrayList<>();
    long[] bad = {0};
    read(
        bootstrap,
        Topics.USAGE,
        err,
        r -> {
          try {
            out.add(UsageRecords.data(r.value()));
          } catch (IllegalArgumentException e) {
            bad[0]++;
          }
        });
    if (bad[0] > 0) {
      err.printf(
          "warning: %,d records of %s are not usage records: left out%n", bad[0], Topics.USAGE);
    }
    return out;
  }

  /**
   * Reads {@code topic} from its beginning to its end offsets as they are now, committed records
   * only ({@code read_committed}), with progress on {@code err} for long reads.
   */
  static void read(
      String bootstrap,
      String topic,
      PrintWriter err,
      Consumer<ConsumerRecord<byte[], byte[]>> each) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("isolation.level", "read_committed");
    p.put("enable.auto.commit", "false");
    p.put("allow.auto.create.topics", "false");
    p.put("max.poll.records", "5000");
    p.put("default.api.timeout.ms", "15000");
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      Map<String, List<PartitionInfo>> topics;
      try {
        topics = c.listTopics(Duration.ofSeconds(15));
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        throw new IllegalStateException(
            "cannot reach Kafka at " + bootstrap + " within 15 s (is `tollgate up` running?)");
      }
      if (!topics.containsKey(topic)) {
        throw new IllegalStateException(
            "the broker at " + bootstrap + " has no topic " + topic + " (is it Tollgate's?)");
      }
      List<TopicPartition> parts = new ArrayList<>();
      topics.get(topic).forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long total = end.values().stream().mapToLong(Long::longValue).sum();
      long read = 0;
      long lastPrint = System.nanoTime();
      int emptyPolls = 0;
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        var records = c.poll(Duration.ofMillis(500));
        emptyPolls = records.isEmpty() ? emptyPolls + 1 : 0;
        if (emptyPolls > 60) {
          throw new IllegalStateException(
              "no progress reading " + topic + " for 30 s: positions short of " + end);
        }
        for (ConsumerRecord<byte[], byte[]> r : records) {
          if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
            each.accept(r);
            read++;
          }
        }
        if (System.nanoTime() - lastPrint > 5_000_000_000L) {
          err.printf("reading %s: %,d of at most %,d records%n", topic, read, total);
          err.flush();
          lastPrint = System.nanoTime();
        }
      }
    }
  }
}
