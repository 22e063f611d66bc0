/**
 * The end-to-end stream load: {@link io.tollgate.load.StreamLoad} ({@code tollgate stream-load})
 * drives the enforcement job Kafka to Kafka, exactly once, on a broker and a MiniCluster of this
 * machine, and reports throughput, latency and policy-change delay (README, "Measured").
 *
 * <ul>
 *   <li>{@link io.tollgate.load.StreamLoad}: the runs, side by side: enforcement on heap state, the
 *       pass-through baseline, both on RocksDB state, then a latency run with a contract change in
 *       its middle. Progress is read from committed offsets, never from wall-clock quiet.
 *   <li>{@link io.tollgate.load.PassThroughFunction}: the baseline, put in the enforcement
 *       function's place through {@code EnforcementJob.streams}: same sources, triage, keying,
 *       sinks and record writers, a keyed counter touched per call, no decision. It lives here, not
 *       in the job, so that the production job has no pass-through switch.
 *   <li>{@code Telemetry} and {@code Zipf} (package-private): the generated calls and contracts,
 *       spread over consumers by a Zipf law.
 * </ul>
 *
 * <p>A newcomer reads {@code StreamLoad}'s class Javadoc first.
 *
 * <h2>What it must not depend on</h2>
 *
 * <p>flink-jobs, dev and the Kafka connector are {@code provided} here: the composition root (cli)
 * brings them at run time, so Flink and the broker stay out of {@code benchmarks.jar}. Nothing in a
 * product module depends on this package (only the cli registers its command). Feedback is read
 * back through {@code io.tollgate.enforcement.records.EventReader}, never parsed by hand.
 */
package io.tollgate.load;
