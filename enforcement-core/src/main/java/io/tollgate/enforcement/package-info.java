/**
 * The enforcement core: what every enforcement point shares (the stream job today, the HTTP gateway
 * and the metering and evidence jobs to come), so that they read the same calls, write the same
 * records and load the same contracts.
 *
 * <p>This package holds Tollgate's topics: {@link io.tollgate.enforcement.Topics} (their names and
 * size limits) and {@link io.tollgate.enforcement.TopicSpec} (how each one is created). Nothing
 * here talks to a broker: creating the topics is an explicit admin step ({@code tollgate topics
 * create}, in the dev module), never a side effect of building a job.
 *
 * <h2>Reading order</h2>
 *
 * <ol>
 *   <li>{@link io.tollgate.enforcement.Topics}, then {@code docs/events.md} for the records.
 *   <li>{@link io.tollgate.enforcement.records}: the call codec, the record writers and readers,
 *       projection and masks.
 *   <li>{@link io.tollgate.enforcement.contracts}: the one contract loader.
 *   <li>{@link io.tollgate.enforcement.cli}: the {@code policy} commands built on both.
 * </ol>
 *
 * <h2>What it must not depend on</h2>
 *
 * <p>No Flink, Kafka, Netty or Vert.x: the module's enforcer rule bans them, so that any
 * enforcement point can embed it. It depends on {@code policy-compiler} (API and SPI only, never
 * {@code io.tollgate.policy.internal}) and picocli, and on no other Tollgate module ({@code
 * ModuleBoundaryTest} in the cli module checks both). See {@code docs/adr/0005-module-layout.md}.
 */
package io.tollgate.enforcement;
