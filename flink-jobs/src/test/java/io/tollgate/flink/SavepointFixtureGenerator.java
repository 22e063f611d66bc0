package io.tollgate.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.flink.SavepointFixture.Call;
import io.tollgate.policy.model.Rate;
import io.tollgate.policy.spi.CounterState;
import io.tollgate.policy.spi.LimitSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the savepoint fixture that {@link EnforcementSavepointIT} restores, {@code
 * src/test/resources/savepoints/enforcement-v1/} ({@code _metadata} and {@code
 * fixture.properties}), from a real run: a broker, the contracts and the calls before the savepoint
 * of {@link SavepointFixture}, the enforcement job at parallelism 2 on a MiniCluster until it has
 * drained them, then a stop with a canonical savepoint.
 *
 * <p>This is a generator, not a test: its one method runs only when {@code
 * -Dtollgate.savepoint.regenerate=true} is given (and the class name matches neither the unit nor
 * the integration test pattern, so builds do not even list it). Regenerate, from the repository
 * root:
 *
 * <pre>
 * mvn -o -pl flink-jobs verify -Dit.test=SavepointFixtureGenerator -Dtest=none \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dtollgate.savepoint.regenerate=true
 * </pre>
 *
 * then run {@code EnforcementSavepointIT} and commit the directory. Regenerate only on purpose: the
 * point of the fixture is that it was written by an older version of the job. A change of the job
 * that breaks its restore is a change of the state's compatibility; making the new job read the old
 * state (or deciding, in review, that old state may be dropped, and putting the fixture under a new
 * name) is the fix, not a new fixture.
 */
class SavepointFixtureGenerator {

  @Test
  @EnabledIfSystemProperty(named = "tollgate.savepoint.regenerate", matches = "true")
  void regenerate() throws Exception {
    SavepointFixture.assertKeysOnBothSubtasks();
    long started = System.nanoTime();
    Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "savepoint-gen-");
    try (KafkaFixture kafka = new KafkaFixture()) {
      try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
        SavepointFixture.publishContracts(p);
        SavepointFixture.write(p, SavepointFixture.before());
      }
      EnforcementJob.Settings s = SavepointFixture.settings(kafka.bootstrap());
      String savepoint;
      try (JobFixture job = new JobFixture(s, null, UnaryOperator.identity())) {
        job.awaitDrained(kafka.facts, Duration.ofMinutes(2));
        Map<String, String> decided = SavepointFixture.decided(kafka);
        Map<String, String> expected = SavepointFixture.reference(SavepointFixture.before());
        assertThat(expected.values()).containsOnly("PERMIT[]");
        assertThat(decided).isEqualTo(expected);
        savepoint = job.flink.stopWithSavepoint(job.job, work);
      }
      Path written = Path.of(new org.apache.flink.core.fs.Path(savepoint).toUri().getPath());
      List<Path> files;
      try (Stream<Path> l = Files.list(written)) {
        files = l.sorted().toList();
      }
      assertThat(files)
          .as("a savepoint with all state in its metadata")
          .extracting(f -> f.getFileName().toString())
          .containsExactly("_metadata");

      Path target = SavepointFixture.SOURCE_DIR.toAbsolutePath();
      Files.createDirectories(target);
      try (Stream<Path> old = Files.list(target)) {
        for (Path f : old.toList()) {
          Files.delete(f);
        }
      }
      for (Path f : files) {
        Files.copy(f, target.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
      Files.writeString(target.resolve(SavepointFixture.PROPERTIES), properties());
      System.out.printf(
          "savepoint fixture written to %s (%d bytes of _metadata) in %d s%n",
          target,
          Files.size(target.resolve("_metadata")),
          Duration.ofNanos(System.nanoTime() - started).toSeconds());
    }
  }

  /**
   * What the fixture holds, for people (EnforcementSavepointIT checks the counts against the code).
   */
  private static String properties() {
    List<String> l = new ArrayList<>();
    l.add(
        "# A canonical savepoint of the enforcement job (EnforcementJob, uids calls-source, triage,");
    l.add("# policies-source, enforce, feedback-sink, delivered-sink, dlq-sink), restored by");
    l.add("# EnforcementSavepointIT; what it holds is defined in SavepointFixture. Written by");
    l.add(
        "# SavepointFixtureGenerator, not by hand. Regenerate (on purpose only), from the repository root:");
    l.add("#   mvn -o -pl flink-jobs verify -Dit.test=SavepointFixtureGenerator -Dtest=none \\");
    l.add("#       -Dsurefire.failIfNoSpecifiedTests=false -Dtollgate.savepoint.regenerate=true");
    l.add("flink.version=" + EnvironmentInformation.getVersion());
    l.add("generated=" + Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    l.add("savepoint.format=canonical");
    l.add("state.backend=hashmap");
    l.add("parallelism=" + SavepointFixture.PARALLELISM);
    l.add("max.parallelism=" + SavepointFixture.MAX_PARALLELISM);
    l.add("contracts=" + String.join(",", SavepointFixture.contracts().keySet()));
    l.add(
        "contract.sp-total=consumer "
            + SavepointFixture.TOTAL_CONSUMER
            + ", dataset "
            + SavepointFixture.DATASET
            + ", limits: {total: 10}");
    l.add(
        "contract.sp-rate=consumer "
            + SavepointFixture.RATE_CONSUMER
            + ", dataset "
            + SavepointFixture.DATASET
            + ", limits: {rate: \"3/h\"}");
    l.add(
        "# tollgate.policies: the two contracts at offsets 0 and 1; the policies source resumes at 2");
    l.add("policies.partition.0=" + SavepointFixture.contracts().size());
    l.add(
        "# tollgate.calls: calls decided before the savepoint, by partition; the calls source resumes at these offsets");
    SavepointFixture.beforePerPartition()
        .forEach((p, n) -> l.add("calls.partition." + p + "=" + n));
    List<String> ids = new ArrayList<>();
    for (Call c : SavepointFixture.before()) {
      ids.add(c.id() + "@" + c.partition());
    }
    l.add("calls.ids=" + String.join(",", ids));
    l.add("# keyed counters (state \"counters\" of enforce), by (consumer|dataset) and contract");
    CounterState total = new CounterState();
    LimitSpec totalSpec = new LimitSpec(10, null, null, ZoneOffset.UTC);
    CounterState rate = new CounterState();
    LimitSpec rateSpec = new LimitSpec(-1, null, new Rate(3, 3_600_000), ZoneOffset.UTC);
    for (Call c : SavepointFixture.before()) {
      if (c.consumer().equals(SavepointFixture.TOTAL_CONSUMER)) {
        totalSpec.tryAcquire(total, c.ts());
      } else {
        rateSpec.tryAcquire(rate, c.ts());
      }
    }
    l.add(
        "counters."
            + SavepointFixture.TOTAL_CONSUMER
            + "|"
            + SavepointFixture.DATASET
            + ".sp-total=total "
            + total.getTotal()
            + " of 10");
    l.add(
        "counters."
            + SavepointFixture.RATE_CONSUMER
            + "|"
            + SavepointFixture.DATASET
            + ".sp-rate=bucket "
            + rate.getTokens()
            + " of "
            + 3 * 3_600_000L
            + " (tokens x unit ms; a call costs 3600000), refilled at "
            + Instant.ofEpochMilli(rate.getRefilledAt()));
    l.add(
        "# the two keys fall to different subtasks of enforce; no call is parked (state \"waiting\" is empty)");
    l.add("");
    return String.join("\n", l);
  }
}
