package io.tollgate.policy.model;

import java.util.List;

/** An ODRL logical constraint over other constraints. */
public record LogicalConstraint(Op op, List<Constraint> constraints, String pointer)
    implements Constraint {

  public LogicalConstraint {
    constraints = List.copyOf(constraints);
  }

  /** ODRL logical operators. */
  public enum Op {
    AND,
    OR,
    XONE,
    AND_SEQUENCE
  }
}
