package io.tollgate.policy.json;

/**
 * A data call that cannot be decided because its encoding is wrong; the message says what and
 * where.
 */
public final class MalformedCallException extends Exception {
  public MalformedCallException(String message) {
    super(message);
  }
}
