/**
 * The streaming enforcement point on Apache Flink: {@code tollgate.calls} and {@code
 * tollgate.policies} in; {@code tollgate.feedback}, {@code tollgate.delivered} and {@code
 * tollgate.dlq} out, exactly once.
 *
 * <h2>Reading order</h2>
 *
 * <ol>
 *   <li>{@link io.tollgate.flink.EnforcementJob}: the job's options and graph (sources, {@link
 *       io.tollgate.flink.Triage}, keyBy (consumer, dataset), the enforcement function on the
 *       broadcast contracts, three transactional sinks). {@code streams} and {@code sinks} are
 *       public so that a baseline or a test can put an operator of its own in between (the load
 *       test's pass-through function, the failure drill {@code FailOnceAfter} of the tests).
 *   <li>{@link io.tollgate.flink.EnforcementFunction}: policies first, decisions, counters, output;
 *       suspension of a contract whose record does not compile.
 *   <li>{@link io.tollgate.flink.FlinkCounterStore}: the {@link
 *       io.tollgate.policy.spi.CounterStore} on keyed {@code MapState}, so counters are
 *       checkpointed.
 *   <li>{@link io.tollgate.flink.Out}: a record bound for an output topic.
 * </ol>
 *
 * <p>Then {@code docs/adr/0004-stream-enforcement.md} for why the job is shaped this way, and
 * {@code flink-jobs/README.md} for running it on a cluster.
 *
 * <h2>What it must not depend on</h2>
 *
 * <ul>
 *   <li>No dev, load-test or command-line code: the shaded job jar ({@code
 *       target/tollgate-flink-jobs.jar}) that a Flink cluster runs holds the job, the enforcement
 *       core, the policy compiler and the Kafka connector, and no demo, broker launcher, test
 *       classes or Flink runtime ({@code JobJarContentsIT} lists its entries; {@code
 *       ModuleBoundaryTest} in the cli module checks the package arrows). Only this module's tests
 *       use the dev module (broker launcher, topic admin, MiniCluster runner), in test scope.
 *   <li>No test switches: the job has no pass-through or failure-injection option.
 *   <li>No topic creation: the topics must exist ({@code tollgate topics create}); the job only
 *       reads where {@code tollgate.policies} ends ({@link io.tollgate.flink.kafka.PolicyOffsets})
 *       before its graph is built.
 *   <li>Record formats are {@code io.tollgate.enforcement.records}'s: nothing here writes or parses
 *       a record by hand.
 * </ul>
 */
package io.tollgate.flink;
