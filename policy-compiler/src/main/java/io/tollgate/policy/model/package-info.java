/**
 * The contract model, shaped after ODRL 2.2: a {@link io.tollgate.policy.model.Policy} with
 * permission and prohibition {@link io.tollgate.policy.model.Rule}s, atomic and logical {@link
 * io.tollgate.policy.model.Constraint}s (left operand, operator, typed right operand) and {@link
 * io.tollgate.policy.model.Duty duties}. Every source produces it (today the YAML contract form,
 * {@code io.tollgate.policy.source.YamlContractSource}; ODRL JSON-LD and Turtle sources are to
 * come); the compiler consumes nothing else.
 *
 * <p>Read {@code Policy} first, then {@code Constraint}. Every policy keeps its {@link
 * io.tollgate.policy.model.Origin} (file, positions by JSON pointer, its document's text), so that
 * a compile error names its line and a publisher sends the document as written.
 *
 * <p>Plain data: the model depends on neither the compiler nor the runtime (no {@code spi}, {@code
 * internal}, {@code json} or {@code opa} type; {@code PolicyBoundaryTest} checks it), and the
 * compiler rejects what it cannot enforce (prohibitions, for now) rather than ignore it.
 */
package io.tollgate.policy.model;
