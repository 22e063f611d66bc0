/**
 * The contract model, shaped after ODRL 2.2: a {@link io.tollgate.policy.model.Policy} with
 * permission and prohibition {@link io.tollgate.policy.model.Rule}s, atomic and logical {@link
 * io.tollgate.policy.model.Constraint}s (left operand, operator, typed right operand) and {@link
 * io.tollgate.policy.model.Duty duties}. Every source (YAML contracts, ODRL JSON-LD and Turtle)
 * produces it; the compiler consumes nothing else.
 */
package io.tollgate.policy.model;
