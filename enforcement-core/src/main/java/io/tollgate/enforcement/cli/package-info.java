/**
 * The {@code tollgate policy} commands: {@link io.tollgate.enforcement.cli.PolicyCommand} with
 * {@code check} (every problem of every contract file, exit 1 on any) and {@code eval} (data calls
 * as JSON lines decided in file order against an in-memory counter store, one decision per line).
 * They run offline: no broker, no job.
 *
 * <p>A newcomer reads {@code PolicyCommand}; {@code LineReader} (package-private) bounds the length
 * of an input line so that one hostile line cannot exhaust memory.
 *
 * <p>The commands are registered in the composition root ({@code io.tollgate.cli.TollgateCommand},
 * cli module), never here: this package knows neither the command line that hosts it nor any other
 * module's commands. Contracts are read only through {@link
 * io.tollgate.enforcement.contracts.ContractLoader}, so {@code policy check} and every publisher
 * agree. No Flink, Kafka or Netty, as for the whole module.
 */
package io.tollgate.enforcement.cli;
