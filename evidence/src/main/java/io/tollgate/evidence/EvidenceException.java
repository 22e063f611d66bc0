package io.tollgate.evidence;

/**
 * Evidence that does not verify, or cannot be read or written: the message names what and where
 * (the file of a package, the line of a note, the index of an entry), for an operator or an auditor
 * to read as it is.
 */
public class EvidenceException extends Exception {
  private static final long serialVersionUID = 1L;

  public EvidenceException(String message) {
    super(message);
  }

  public EvidenceException(String message, Throwable cause) {
    super(message, cause);
  }
}
