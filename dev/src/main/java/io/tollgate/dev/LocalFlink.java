package io.tollgate.dev;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.ArchivedExecutionVertex;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

/**
 * A real Flink MiniCluster in this JVM (one TaskManager with as many slots as asked) and the jobs
 * on it: what {@code tollgate up}, the load generator and the integration tests run jobs on. Unlike
 * {@code env.executeAsync()}, it answers the facts a caller waits for: whether every task of a job
 * is running, a job's terminal state and failure, a stop with a savepoint, and a start from one.
 */
public final class LocalFlink implements AutoCloseable {
  private final MiniCluster cluster;

  private LocalFlink(MiniCluster cluster) {
    this.cluster = cluster;
  }

  /** Starts a MiniCluster with {@code conf} and {@code slots} task slots. */
  public static LocalFlink start(Configuration conf, int slots) throws Exception {
    MiniCluster mc =
        new MiniCluster(
            new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(slots)
                .build());
    mc.start();
    return new LocalFlink(mc);
  }

  /** Submits the job built on {@code env}, from a savepoint when {@code savepoint} is not null. */
  public JobID submit(StreamExecutionEnvironment env, String name, String savepoint)
      throws Exception {
    StreamGraph graph = env.getStreamGraph();
    graph.setJobName(name);
    if (savepoint != null) {
      graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, false));
    }
    return cluster.submitJob(graph).get(60, TimeUnit.SECONDS).getJobID();
  }

  public JobID submit(StreamExecutionEnvironment env, String name) throws Exception {
    return submit(env, name, null);
  }

  /** Waits until every task of the job runs; fails if the job ends first or the time runs out. */
  public void awaitRunning(JobID job, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      check(job);
      boolean all = true;
      int n = 0;
      for (ArchivedExecutionVertex v :
          cluster
              .getArchivedExecutionGraph(job)
              .get(10, TimeUnit.SECONDS)
              .getAllExecutionVertices()) {
        n++;
        all &= v.getExecutionState() == ExecutionState.RUNNING;
      }
      if (all && n > 0) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "job " + job + " did not have every task running within " + timeout);
      }
      Thread.sleep(50); // polls a condition: there is no event to wait on
    }
  }

  public JobStatus status(JobID job) throws Exception {
    return cluster.getJobStatus(job).get(10, TimeUnit.SECONDS);
  }

  /** Throws, with the job's own failure as cause, when the job has ended. */
  public void check(JobID job) throws Exception {
    JobStatus s = status(job);
    if (s.isGloballyTerminalState()) {
      JobResult r = cluster.requestJobResult(job).get(10, TimeUnit.SECONDS);
      Throwable cause = r.getSerializedThrowable().map(t -> (Throwable) t).orElse(null);
      throw new IllegalStateException("job " + job + " ended: " + s, cause);
    }
  }

  /** Waits for the job to end on its own and returns its final state. */
  public JobStatus awaitEnd(JobID job, Duration timeout) throws Exception {
    cluster.requestJobResult(job).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    return status(job);
  }

  /** Stops the job with a canonical savepoint under {@code dir}; returns the savepoint's path. */
  public String stopWithSavepoint(JobID job, Path dir) throws Exception {
    return cluster
        .stopWithSavepoint(
            job, dir.toAbsolutePath().toUri().toString(), false, SavepointFormatType.CANONICAL)
        .get(120, TimeUnit.SECONDS);
  }

  /** Cancels the job, if it still runs, and waits until it has ended. */
  public void cancel(JobID job) throws Exception {
    if (!status(job).isGloballyTerminalState()) {
      try {
        cluster.cancelJob(job).get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        if (!status(job).isGloballyTerminalState()) {
          throw e;
        }
      }
    }
    cluster.requestJobResult(job).get(60, TimeUnit.SECONDS);
  }

  /** Where the cluster's REST API and web UI listen. */
  public URI restAddress() throws Exception {
    return cluster.getRestAddress().get(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
