package io.tollgate.policy;

/**
 * One precise problem with a policy: where it is, and what was expected and found.
 *
 * @param file the source file
 * @param line 1-based line, or 0 when unknown
 * @param column 1-based column, or 0 when unknown
 * @param pointer the JSON pointer of the offending value ({@code /limits/rate}); "" for the document
 * @param message what was expected and what was found
 */
public record Diagnostic(String file, int line, int column, String pointer, String message) {

  /** {@code file:line:column: pointer: message}, the format editors and CI logs understand. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(file);
    if (line > 0) {
      sb.append(':').append(line);
      if (column > 0) {
        sb.append(':').append(column);
      }
    }
    sb.append(": ");
    if (pointer != null && !pointer.isEmpty()) {
      sb.append(pointer).append(": ");
    }
    return sb.append(message).toString();
  }
}
