/**
 * JMH benchmarks of the decision itself, on one core, run from the shaded {@code
 * load-tests/target/benchmarks.jar} (each class's Javadoc gives its command and what it is compared
 * with):
 *
 * <ul>
 *   <li>{@link io.tollgate.loadtest.policy.DecisionBenchmark}: compiled decisions (bound and
 *       unbound) against the reference interpreter of policy-compiler's tests and an OPA Wasm
 *       evaluation, with and without its cache. Read this one first.
 *   <li>{@link io.tollgate.loadtest.policy.ConstraintCostBenchmark}: what each constraint shape
 *       costs.
 *   <li>{@link io.tollgate.loadtest.policy.CallPipelineBenchmark}: a JSON call parsed, decided and
 *       its decision encoded, against parse and encode alone.
 * </ul>
 *
 * <p>They use policy-compiler's API and its test jar (the reference interpreter) only: no Flink, no
 * Kafka, no enforcement job, so {@code benchmarks.jar} measures the decision and nothing else.
 * Results are recorded in the README's "Measured" section, not here.
 */
package io.tollgate.loadtest.policy;
