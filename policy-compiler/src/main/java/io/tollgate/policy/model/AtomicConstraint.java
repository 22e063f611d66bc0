package io.tollgate.policy.model;

import java.util.Objects;

/**
 * An atomic ODRL constraint. The right operand is already typed by the source that parsed it: see
 * {@link LeftOperand} for the type each left operand takes.
 */
public record AtomicConstraint(
    LeftOperand leftOperand, Operator operator, Object rightOperand, String pointer)
    implements Constraint {

  public AtomicConstraint {
    Objects.requireNonNull(leftOperand, "leftOperand");
    Objects.requireNonNull(operator, "operator");
    Objects.requireNonNull(rightOperand, "rightOperand");
  }
}
