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
 *       contracts, with stateful limits applied through a {@link io.tollgate.policy.spi.CounterStore}
 *       ({@link io.tollgate.policy.spi.LimitSpec} is the arithmetic every store shares).
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
 * <p>No Flink, Kafka or Netty here: this module embeds anywhere. See {@code docs/adr/0002} for why
 * it is shaped this way.
 */
package io.tollgate.policy;
