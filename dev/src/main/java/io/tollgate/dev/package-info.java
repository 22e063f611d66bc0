/**
 * Tollgate on one machine, and operating it: everything that runs or watches the system but is no
 * part of the product's jars.
 *
 * <ul>
 *   <li>{@link io.tollgate.dev.KafkaBroker}: a real single-node Kafka broker (KRaft) from the Kafka
 *       jars on this JVM's classpath, in a child JVM on loopback.
 *   <li>{@link io.tollgate.dev.TopicAdmin} and {@link io.tollgate.dev.TopicsCommand}: the explicit
 *       admin step that creates the topics of {@link io.tollgate.enforcement.Topics#specs()}
 *       ({@code tollgate topics create --partitions N --replication-factor R}, also what {@code
 *       tollgate up}, the stream load and the tests call on their own broker).
 *   <li>{@link io.tollgate.dev.LocalFlink}: a Flink MiniCluster in this JVM, and the facts about
 *       its jobs (running, ended, failed, savepoints) that callers wait on.
 *   <li>{@link io.tollgate.dev.ContractPublisher}: contract files read by the one {@link
 *       io.tollgate.enforcement.contracts.ContractLoader} and published to {@code
 *       tollgate.policies}.
 *   <li>{@link io.tollgate.dev.DemoProducer} and {@link io.tollgate.dev.LiveStats}: the demo's
 *       vehicle telemetry and its line of live figures.
 *   <li>{@link io.tollgate.dev.KafkaFacts}: committed offsets, end offsets and "drained", the facts
 *       that tests and tools end on instead of seconds of quiet.
 *   <li>{@link io.tollgate.dev.Logs}: where the command line's log file goes.
 * </ul>
 *
 * <p>A newcomer reads {@code KafkaBroker}, {@code TopicAdmin} and {@code LocalFlink} first: the
 * integration tests and {@code tollgate up} are built from them.
 *
 * <h2>What it must not depend on</h2>
 *
 * <p>No job: this module knows the enforcement core (topics, records, contract loader) but not
 * {@code io.tollgate.flink}, {@code io.tollgate.load} or {@code io.tollgate.cli}; {@code
 * ModuleBoundaryTest} in the cli module checks it. It runs any job built on a {@code
 * StreamExecutionEnvironment}. The other way round, no product jar depends on this module: the job
 * jar holds none of it ({@code JobJarContentsIT}), flink-jobs uses it in test scope only, and
 * load-tests has it as {@code provided}. Records are read through {@code
 * io.tollgate.enforcement.records.EventReader}, never parsed here. See {@code
 * docs/adr/0005-module-layout.md}.
 */
package io.tollgate.dev;
