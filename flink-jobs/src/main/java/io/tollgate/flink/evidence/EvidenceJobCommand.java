package io.tollgate.flink.evidence;

import io.tollgate.flink.JobMain;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The evidence job's command line: the entry class a Flink cluster runs ({@code flink run -c
 * io.tollgate.flink.evidence.EvidenceJobCommand tollgate-flink-jobs.jar ...}, a REST submission, a
 * {@code FlinkDeployment}). The log is sequential: the job runs at parallelism 1.
 */
@Command(
    name = "evidence-job",
    mixinStandardHelpOptions = true,
    description =
        "Tollgate's evidence job: contracts, decisions and closed usage into one signed Merkle log"
            + " (tiles under --log-dir, checkpoints on tollgate.evidence), exactly once.")
public final class EvidenceJobCommand implements Callable<Integer> {
  private final EvidenceJob.Settings s = new EvidenceJob.Settings();

  @Option(names = "--bootstrap-servers", description = "Kafka (default: ${DEFAULT-VALUE}).")
  String bootstrapServers = s.bootstrapServers;

  @Option(names = "--group-id", description = "The consumer group (default: ${DEFAULT-VALUE}).")
  String groupId = s.groupId;

  @Option(
      names = "--transactional-id-prefix",
      description = "Unique per job on a cluster (default: ${DEFAULT-VALUE}).")
  String transactionalIdPrefix = s.transactionalIdPrefix;

  @Option(names = "--checkpoint-interval-ms", description = "Default: ${DEFAULT-VALUE}.")
  long checkpointIntervalMs = s.checkpointIntervalMs;

  @Option(
      names = "--checkpoint-dir",
      description =
          "Durable Flink checkpoints (a URI); unset, the cluster's configuration decides.")
  String checkpointDir;

  @Option(
      names = "--log-dir",
      required = true,
      description = "The log's tiles, contract texts and published checkpoints: a durable volume.")
  String logDir;

  @Option(
      names = "--keys-dir",
      required = true,
      description = "The operator's signing and salt keys (generated at first start).")
  String keysDir;

  @Option(names = "--origin", description = "The log's name (default: ${DEFAULT-VALUE}).")
  String origin = s.origin;

  @Option(
      names = "--seal-every",
      description = "A checkpoint every this many entries (default: ${DEFAULT-VALUE}).")
  int sealEvery = s.sealEvery;

  @Option(
      names = "--seal-ms",
      description =
          "... or every this many milliseconds, whichever first (default: ${DEFAULT-VALUE}).")
  long sealMs = s.sealMs;

  @Option(
      names = "--opa-dir",
      description = "Where contracts' opa.wasm paths resolve, as for the enforcement job.")
  String opaDir;

  @Option(names = "--job-name", defaultValue = "tollgate-evidence")
  String jobName;

  public static void main(String[] args) throws Exception {
    JobMain.run(new EvidenceJobCommand(), args);
  }

  @Override
  public Integer call() throws Exception {
    if (sealEvery < 1 || sealMs < 1) {
      throw new IllegalArgumentException("--seal-every and --seal-ms must be positive");
    }
    s.bootstrapServers = bootstrapServers;
    s.groupId = groupId;
    s.transactionalIdPrefix = transactionalIdPrefix;
    s.checkpointIntervalMs = checkpointIntervalMs;
    s.checkpointDir = checkpointDir;
    s.logDir = logDir;
    s.keysDir = keysDir;
    s.origin = origin;
    s.sealEvery = sealEvery;
    s.sealMs = sealMs;
    s.opaDir = opaDir;
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(EvidenceJob.configuration(s));
    EvidenceJob.build(env, s);
    env.execute(jobName);
    return 0;
  }
}
