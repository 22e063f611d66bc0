package io.tollgate.flink;

import io.tollgate.dev.KafkaFacts;
import io.tollgate.dev.LocalFlink;
import io.tollgate.enforcement.Topics;
import io.tollgate.flink.kafka.PolicyOffsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Runs the enforcement job on a local MiniCluster, with every task running, until closed. */
final class JobFixture implements AutoCloseable {
  final EnforcementJob.Settings settings;
  final LocalFlink flink;
  final JobID job;

  JobFixture(EnforcementJob.Settings s) throws Exception {
    this(s, null, UnaryOperator.identity());
  }

  /**
   * @param savepoint a savepoint to start from, or null
   * @param wrap what to do to the job's streams before their sinks (a failure drill, say)
   */
  JobFixture(
      EnforcementJob.Settings s, String savepoint, UnaryOperator<EnforcementJob.Streams> wrap)
      throws Exception {
    settings = s;
    Configuration conf = EnforcementJob.configuration(s);
    conf.setString("restart-strategy.type", "fixed-delay");
    conf.setString("restart-strategy.fixed-delay.attempts", "5");
    conf.setString("restart-strategy.fixed-delay.delay", "1 s");
    flink = LocalFlink.start(conf, s.parallelism);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    EnforcementJob.sinks(
        wrap.apply(
            EnforcementJob.streams(
                env,
                s,
                EnforcementJob.enforcement(s, PolicyOffsets.end(s.bootstrapServers)),
                "enforce")),
        s);
    job = flink.submit(env, "tollgate-it", savepoint);
    flink.awaitRunning(job, Duration.ofMinutes(2));
  }

  static EnforcementJob.Settings settings(String bootstrap) {
    EnforcementJob.Settings s = new EnforcementJob.Settings().bootstrapServers(bootstrap);
    String run = UUID.randomUUID().toString().substring(0, 8);
    s.groupId = "it-" + run;
    s.transactionalIdPrefix = "it-" + run;
    s.checkpointIntervalMs = 500;
    s.parallelism = 2;
    return s;
  }

  /**
   * Waits until the job has decided every call on tollgate.calls and committed every output
   * transaction: its committed offsets reach the calls' end, and no output partition has an open
   * transaction.
   */
  void awaitDrained(KafkaFacts facts, Duration timeout) throws Exception {
    facts.awaitDrained(
        settings.groupId,
        Topics.CALLS,
        List.of(Topics.FEEDBACK, Topics.DELIVERED, Topics.DLQ),
        timeout,
        () -> flink.check(job));
  }

  @Override
  public void close() throws Exception {
    try {
      flink.cancel(job);
    } finally {
      flink.close();
    }
  }
}
