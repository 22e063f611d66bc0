/**
 * Tollgate's usage-control semantics: contracts compiled to line-rate decisions.
 *
 * <h2>Reading order</h2>
 *
 * <ol>
 *   <li>{@link io.tollgate.policy.DataCall} (input) and {@link io.tollgate.policy.Decision}
 *       (output), with {@link io.tollgate.policy.Outcome} and {@link io.tollgate.policy.Reason}.
 *   <li>{@link io.tollgate.policy.PolicyCompiler}: a {@link io.tollgate.policy.model.Policy} (read
 *       by a {@link io.tollgate.policy.source.PolicySource}) becomes a {@link
 *       io.tollgate.policy.CompiledPolicy}, or a {@link io.tollgate.policy.PolicyException} listing
 *       every {@link io.tollgate.policy.Diagnostic}.
 *   <li>{@link io.tollgate.policy.PolicyEngine}: the decision semantics over a set of compiled
 *       contracts, with stateful limits applied through a {@link
 *       io.tollgate.policy.spi.CounterStore} ({@link io.tollgate.policy.spi.LimitSpec} is the
 *       arithmetic every store shares).
 * </ol>
 *
 * <h2>Rules of the decision path</h2>
 *
 * <ul>
 *   <li>No allocation per call (OPA constraints excepted): reuse a {@code DataCall} and a {@code
 *       Decision}; obligations are precomputed.
 *   <li>No clock: time is the call's event time, so a replay decides identically.
 *   <li>Default deny: anything the compiler does not understand is a compile error, never an
 *       ignored constraint.
 * </ul>
 *
 * <h2>The module's faces</h2>
 *
 * <ul>
 *   <li>API: this package, with {@code model}, {@code source} (contract readers) and {@code json}
 *       (the call and decision line formats).
 *   <li>SPI: {@code io.tollgate.policy.spi}, what counter stores and extensions implement.
 *   <li>Internals: {@code io.tollgate.policy.internal} and the package-private classes. No public
 *       signature of the API or SPI names them ({@code PolicyBoundaryTest}), and no other module
 *       uses them ({@code ModuleBoundaryTest} in the cli module).
 * </ul>
 *
 * <p>Reading contract files and directories (the one {@code ContractLoader}), the records of the
 * topics and the {@code tollgate policy} commands are not here: they live in the enforcement-core
 * module, which builds on this one.
 *
 * <p>No Flink, Kafka, Netty or Vert.x here (the module's enforcer rule), and no other Tollgate
 * module: it embeds anywhere. See {@code docs/adr/0002-compiled-policy-shape.md} for why it is
 * shaped this way and {@code docs/adr/0005-module-layout.md} for where it sits.
 */
package io.tollgate.policy;
