package io.tollgate.enforcement.cli;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads lines with a bound on their length, so one hostile line cannot exhaust memory: an overlong
 * line is consumed to its end and reported through {@link #overlong()} instead of returned. A line
 * ending of CR LF loses its CR; a CR elsewhere is kept (JSON allows it between tokens, not inside a
 * string). A byte order mark at the start of the input is dropped. Malformed UTF-8 is replaced,
 * never fatal.
 */
final class LineReader implements Closeable {
  private final BufferedReader in;
  private final int max;
  private final StringBuilder sb = new StringBuilder();
  private long number;
  private boolean overlong;

  LineReader(InputStream stream, int maxChars) {
    this.in =
        new BufferedReader(
            new InputStreamReader(
                stream,
                StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE)),
            1 << 16);
    this.max = maxChars;
  }

  /** The next line (without its terminator), "" for an overlong one, or null at the end. */
  String next() throws IOException {
    sb.setLength(0);
    overlong = false;
    int c;
    boolean any = false;
    while ((c = in.read()) != -1) {
      any = true;
      if (c == '\n') {
        break;
      }
      if (sb.length() < max) {
        sb.append((char) c);
      } else {
        overlong = true;
      }
    }
    if (!any) {
      return null;
    }
    if (!overlong && sb.length() > 0 && sb.charAt(sb.length() - 1) == '\r') {
      sb.setLength(sb.length() - 1); // a CRLF line ending; a CR anywhere else stays
    }
    if (number == 0 && sb.length() > 0 && sb.charAt(0) == '\uFEFF') {
      sb.deleteCharAt(0); // a UTF-8 byte order mark
    }
    number++;
    return overlong ? "" : sb.toString();
  }

  /** The 1-based number of the line last returned. */
  long number() {
    return number;
  }

  boolean overlong() {
    return overlong;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
