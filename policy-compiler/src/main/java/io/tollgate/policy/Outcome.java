package io.tollgate.policy;

/** The outcome of a decision. */
public enum Outcome {
  /** The call is allowed; the enforcement point must carry out the decision's obligations. */
  PERMIT,
  /** The call is refused; the reasons say which constraints failed. */
  DENY,
  /** The call is refused for now because a rate limit is exhausted; retrying later may succeed. */
  THROTTLE
}
