package io.tollgate.flink;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * The failure drill, as a test operator put after the enforcement function: the first attempt of
 * subtask 0 fails after passing {@code after} feedback events, so that recovery (restore from the
 * last checkpoint, transactions aborted, calls replayed) runs on a real MiniCluster. Later attempts
 * pass everything.
 */
final class FailOnceAfter extends RichMapFunction<Out, Out> {
  private static final long serialVersionUID = 1L;
  private final long after;
  private transient boolean armed;
  private transient long seen;

  FailOnceAfter(long after) {
    this.after = after;
  }

  @Override
  public void open(OpenContext ctx) {
    var task = getRuntimeContext().getTaskInfo();
    armed = task.getIndexOfThisSubtask() == 0 && task.getAttemptNumber() == 0;
  }

  @Override
  public Out map(Out value) {
    if (armed && ++seen > after) {
      throw new IllegalStateException("failure drill: subtask 0 fails after " + after + " calls");
    }
    return value;
  }

  /** The job's streams with the drill put in the feedback stream. */
  static EnforcementJob.Streams into(EnforcementJob.Streams st, long after) {
    return new EnforcementJob.Streams(
        st.feedback()
            .map(new FailOnceAfter(after))
            .returns(Out.class)
            .uid("failure-drill")
            .name("failure-drill"),
        st.delivered(),
        st.deadLetters());
  }
}
