/**
 * The composition root: the one {@code tollgate} command line, and {@code tollgate up}.
 *
 * <ul>
 *   <li>{@link io.tollgate.cli.TollgateCommand}: where every module's commands are registered
 *       ({@code up} from here, {@code policy} from enforcement-core, {@code topics} from dev,
 *       {@code stream-load} from load-tests). A module with commands of its own (the gateway,
 *       metering, evidence, audit) adds them here, and nowhere else.
 *   <li>{@link io.tollgate.cli.UpCommand}: the whole system on this machine, wired from the other
 *       modules: a broker ({@link io.tollgate.dev.KafkaBroker}), the topics ({@link
 *       io.tollgate.dev.TopicAdmin}), the shipped contracts ({@link
 *       io.tollgate.dev.ContractPublisher}), the enforcement job ({@link
 *       io.tollgate.flink.EnforcementJob}) on a MiniCluster ({@link io.tollgate.dev.LocalFlink}),
 *       the demo stream and the live figures; it stops once the job has committed everything sent
 *       ({@link io.tollgate.dev.KafkaFacts}).
 * </ul>
 *
 * <p>The module builds {@code cli/target/tollgate.jar}, whose manifest names its runtime classpath
 * in {@code cli/target/lib/}; the {@code ./tollgate} launcher runs that jar. It is not a shaded fat
 * jar: Flink, Kafka and Scala keep their own service files and resources, which shading would
 * merge.
 *
 * <h2>What it must not depend on</h2>
 *
 * <p>Nothing depends on this package: it is the top of the graph ({@code ModuleBoundaryTest}, whose
 * classes see every module, checks that no other module names {@code io.tollgate.cli}). {@code
 * UpCommand} wires parts; what each part does lives in the module that owns it. See {@code
 * docs/adr/0005-module-layout.md}.
 */
package io.tollgate.cli;
