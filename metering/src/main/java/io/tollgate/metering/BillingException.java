package io.tollgate.metering;

/** Billing input that cannot give a statement: the message says what and where. */
public final class BillingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BillingException(String message) {
    super(message);
  }
}
