/**
 * Contract sources: readers of one notation each into the {@link io.tollgate.policy.model.Policy}
 * model, every problem reported as a {@link io.tollgate.policy.Diagnostic} with file, line and JSON
 * pointer.
 *
 * <ul>
 *   <li>{@link io.tollgate.policy.source.PolicySource}: what a source implements. Read it first.
 *   <li>{@link io.tollgate.policy.source.YamlContractSource}: the concise YAML contract form of
 *       {@code docs/contracts.md}, the one source there is today. ODRL 2.2 JSON-LD and Turtle
 *       sources are still to come.
 *   <li>{@link io.tollgate.policy.source.SourceResult}: the policies a source could build and every
 *       problem it found.
 *   <li>{@code LocatedDocuments} and {@code GeometryChecks} (package-private): YAML or JSON trees
 *       with the position of every value, bounded against hostile input; polygon validity.
 * </ul>
 *
 * <p>A source reads text it is handed. Reading files and directories (size limit, strict UTF-8,
 * duplicate contract ids across files) is the enforcement core's {@code ContractLoader} ({@code
 * io.tollgate.enforcement.contracts}), which moved there from this package so that every tool and
 * publisher reads contracts the same way.
 *
 * <p>Depends on the model and the API packages and Jackson; no Flink, Kafka, Netty or Vert.x, and
 * no other Tollgate module.
 */
package io.tollgate.policy.source;
