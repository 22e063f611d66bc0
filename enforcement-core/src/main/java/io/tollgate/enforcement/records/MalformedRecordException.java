package io.tollgate.enforcement.records;

/** A record of one of Tollgate's topics that does not follow its schema (docs/events.md). */
public final class MalformedRecordException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public MalformedRecordException(String message) {
    super(message);
  }

  public MalformedRecordException(String message, Throwable cause) {
    super(message, cause);
  }
}
