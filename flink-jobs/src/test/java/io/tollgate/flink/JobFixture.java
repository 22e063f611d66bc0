package io.tollgate.flink;

import java.util.UUID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Runs the enforcement job on a local MiniCluster until closed. */
final class JobFixture implements AutoCloseable {
  final JobClient client;

  JobFixture(EnforcementJob.Settings s) throws Exception {
    Configuration conf = EnforcementJob.configuration(s);
    conf.setString("restart-strategy.type", "fixed-delay");
    conf.setString("restart-strategy.fixed-delay.attempts", "5");
    conf.setString("restart-strategy.fixed-delay.delay", "1 s");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(s.parallelism, conf);
    EnforcementJob.build(env, s);
    client = env.executeAsync("tollgate-it");
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

  @Override
  public void close() throws Exception {
    try {
      client.cancel().get();
    } catch (Exception e) {
      // already finished or failed: nothing to cancel
    }
  }
}
