package io.tollgate.flink.metering;

import io.tollgate.flink.JobMain;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The metering job's command line: the entry class a Flink cluster runs ({@code flink run -c
 * io.tollgate.flink.metering.MeteringJobCommand tollgate-flink-jobs.jar ...}, a REST submission, a
 * {@code FlinkDeployment}).
 */
@Command(
    name = "metering-job",
    mixinStandardHelpOptions = true,
    description =
        "Tollgate's metering job: tollgate.feedback in, billable usage (CloudEvents) on"
            + " tollgate.usage out, exactly once.")
public final class MeteringJobCommand implements Callable<Integer> {
  private final MeteringJob.Settings s = new MeteringJob.Settings();

  @Option(names = "--bootstrap-servers", description = "Kafka (default: ${DEFAULT-VALUE}).")
  String bootstrapServers = s.bootstrapServers;

  @Option(names = "--group-id", description = "The consumer group (default: ${DEFAULT-VALUE}).")
  String groupId = s.groupId;

  @Option(
      names = "--transactional-id-prefix",
      description = "Unique per job on a cluster (default: ${DEFAULT-VALUE}).")
  String transactionalIdPrefix = s.transactionalIdPrefix;

  @Option(names = "--parallelism", description = "Default: ${DEFAULT-VALUE}.")
  int parallelism = s.parallelism;

  @Option(names = "--checkpoint-interval-ms", description = "Default: ${DEFAULT-VALUE}.")
  long checkpointIntervalMs = s.checkpointIntervalMs;

  @Option(
      names = "--checkpoint-dir",
      description =
          "Durable checkpoints (a URI: file:///..., s3://...); the usage ledgers live in them."
              + " Unset, the cluster's configuration decides.")
  String checkpointDir;

  @Option(
      names = "--zone",
      description =
          "The billing time zone of contracts that name none (default: ${DEFAULT-VALUE}).")
  String zone = s.zone;

  @Option(
      names = "--idle-flush-ms",
      description =
          "Running totals go out this long after a change at the latest (0: only at the event-time"
              + " flushes; default: ${DEFAULT-VALUE}).")
  long idleFlushMs = s.idleFlushMs;

  @Option(
      names = "--opa-dir",
      description = "Where contracts' opa.wasm paths resolve, as for the enforcement job.")
  String opaDir;

  @Option(names = "--job-name", defaultValue = "tollgate-metering")
  String jobName;

  public static void main(String[] args) throws Exception {
    JobMain.run(new MeteringJobCommand(), args);
  }

  @Override
  public Integer call() throws Exception {
    if (parallelism < 1) {
      throw new IllegalArgumentException("--parallelism must be at least 1, not " + parallelism);
    }
    s.bootstrapServers = bootstrapServers;
    s.groupId = groupId;
    s.transactionalIdPrefix = transactionalIdPrefix;
    s.parallelism = parallelism;
    s.checkpointIntervalMs = checkpointIntervalMs;
    s.checkpointDir = checkpointDir;
    s.zone = java.time.ZoneId.of(zone).getId();
    s.idleFlushMs = idleFlushMs;
    s.opaDir = opaDir;
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(MeteringJob.configuration(s));
    MeteringJob.build(env, s);
    env.execute(jobName);
    return 0;
  }
}
