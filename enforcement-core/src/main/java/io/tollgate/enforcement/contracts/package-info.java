/**
 * The one contract loader, {@link io.tollgate.enforcement.contracts.ContractLoader}: how contract
 * files and directories are read and compiled by {@code tollgate policy check}, {@code policy
 * eval}, {@code tollgate up} and whatever publishes contract files to {@code tollgate.policies}
 * (the dev module's {@code ContractPublisher}), so that what the checker accepts is exactly what
 * gets published and enforced.
 *
 * <p>It reads strict UTF-8 files of at most 4 MiB, {@code *.yaml} and {@code *.yml} under a
 * directory in path order, reports every problem with file, line and JSON pointer (a contract id
 * used twice included); {@code compile} returns every contract, or none when any has a problem.
 * Each loaded policy keeps its own YAML document's text, which is what a publisher sends as the
 * contract's record.
 *
 * <p>Depends on {@code policy-compiler}'s API ({@link
 * io.tollgate.policy.source.YamlContractSource}, {@link io.tollgate.policy.PolicyCompiler}) and the
 * JDK only: no Kafka (publishing is the dev module's), no Flink. The enforcement job compiles each
 * record of {@code tollgate.policies} with the same source and compiler, one contract per record.
 */
package io.tollgate.enforcement.contracts;
