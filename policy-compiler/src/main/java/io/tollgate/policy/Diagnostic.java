package io.tollgate.policy;

/**
 * One precise problem with a policy: where it is, and what was expected and found.
 *
 * @param file the source file
 * @param line 1-based line, or 0 when unknown
 * @param column 1-based column, or 0 when unknown
 * @param pointer the JSON pointer of the offending value ({@code /limits/rate}); "" for the
 *     document
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
      sb.append(printable(pointer)).append(": ");
    }
    return sb.append(printable(message)).toString();
  }

  /** Control characters (a key with a newline, say) are escaped: one diagnostic, one line. */
  private static String printable(String s) {
    StringBuilder sb = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7F) {
        if (sb == null) {
          sb = new StringBuilder(s.length() + 8).append(s, 0, i);
        }
        sb.append(
            c == '\n'
                ? "\\n"
                : c == '\r' ? "\\r" : c == '\t' ? "\\t" : String.format("\\u%04x", (int) c));
      } else if (sb != null) {
        sb.append(c);
      }
    }
    return sb == null ? s : sb.toString();
  }
}
