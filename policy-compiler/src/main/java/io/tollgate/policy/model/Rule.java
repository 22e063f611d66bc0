package io.tollgate.policy.model;

import io.tollgate.policy.Action;
import java.util.List;

/**
 * An ODRL rule: the actions it is about, the constraints that must hold, and the duties that come
 * with it.
 *
 * @param kind permission or prohibition
 * @param actions the actions (ODRL has one per rule; the YAML form lists several, which means a
 *     rule per action with the same constraints)
 * @param constraints the constraints, all of which must hold (an implicit ODRL {@code and})
 * @param duties duties the assignee must fulfil when the rule is exercised
 * @param pointer the JSON pointer of the rule in its source
 */
public record Rule(
    Kind kind,
    List<Action> actions,
    List<Constraint> constraints,
    List<Duty> duties,
    String pointer) {

  public Rule {
    actions = List.copyOf(actions);
    constraints = List.copyOf(constraints);
    duties = List.copyOf(duties);
  }

  public enum Kind {
    PERMISSION,
    PROHIBITION
  }
}
