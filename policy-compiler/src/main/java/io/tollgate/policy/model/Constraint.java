package io.tollgate.policy.model;

/** An ODRL constraint: atomic (left operand, operator, right operand) or logical. */
public sealed interface Constraint permits AtomicConstraint, LogicalConstraint {

  /** The JSON pointer of the constraint in its source, for diagnostics. */
  String pointer();
}
