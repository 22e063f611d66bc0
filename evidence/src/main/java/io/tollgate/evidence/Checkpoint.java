package io.tollgate.evidence;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * The body of a C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the text of the signed note that
 * commits a log to its Merkle tree head.
 *
 * <pre>
 * &lt;origin&gt;\n
 * &lt;tree size, decimal&gt;\n
 * &lt;base64 of the 32-byte RFC 6962 root hash&gt;\n
 * [&lt;extension line&gt;\n ...]
 * </pre>
 *
 * <p>The origin is non-empty, has no Unicode space at its start or end and no control character;
 * the tree size is ASCII decimal with no sign and no leading zero ({@code 0} for the empty tree);
 * the root hash is standard base64 (RFC 4648 section 4, with padding, canonical) of exactly 32
 * bytes; extension lines are non-empty and opaque. The constructor enforces the same rules, so
 * {@link #text()} always gives a text that {@link #parse(String)} accepts.
 *
 * @param origin the log's identity, first line of the text
 * @param size the number of leaves of the tree
 * @param root the RFC 6962 root hash of the tree at {@code size} (32 bytes; copied in and out)
 * @param extensions the extension lines after the root hash, without their newlines (usually none)
 */
public record Checkpoint(String origin, long size, byte[] root, List<String> extensions) {

  /** The length of a root hash (SHA-256). */
  public static final int HASH_SIZE = 32;

  /**
   * A checkpoint, checked as {@link #parse(String)} checks a text.
   *
   * @throws IllegalArgumentException naming the part that is not valid
   */
  public Checkpoint {
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(extensions, "extensions");
    String problem = originProblem(origin);
    if (problem != null) {
      throw new IllegalArgumentException("origin " + quote(origin) + " " + problem);
    }
    if (size < 0) {
      throw new IllegalArgumentException("tree size " + size + " is negative");
    }
    if (root.length != HASH_SIZE) {
      throw new IllegalArgumentException(
          "root hash is " + root.length + " bytes, want " + HASH_SIZE);
    }
    root = root.clone();
    extensions = List.copyOf(extensions);
    for (int i = 0; i < extensions.size(); i++) {
      String e = extensions.get(i);
      if (e.isEmpty()) {
        throw new IllegalArgumentException("extension " + (i + 1) + " is empty");
      }
      problem = SignedNote.characterProblem(e, true);
      if (problem != null) {
        throw new IllegalArgumentException("extension " + (i + 1) + " has " + problem);
      }
    }
  }

  /** A checkpoint without extension lines. */
  public Checkpoint(String origin, long size, byte[] root) {
    this(origin, size, root, List.of());
  }

  /** The root hash (a copy). */
  @Override
  public byte[] root() {
    return root.clone();
  }

  /** The note text: origin, size, base64 root hash and each extension line, each ending in \n. */
  public String text() {
    StringBuilder b = new StringBuilder();
    b.append(origin).append('\n');
    b.append(size).append('\n');
    b.append(Base64.getEncoder().encodeToString(root)).append('\n');
    for (String e : extensions) {
      b.append(e).append('\n');
    }
    return b.toString();
  }

  /**
   * Reads a checkpoint text (the text of a signed note, without its signatures), strictly.
   *
   * @throws EvidenceException naming the line that is wrong and why
   */
  public static Checkpoint parse(String text) throws EvidenceException {
    if (text == null || text.isEmpty()) {
      throw new EvidenceException("checkpoint text is empty");
    }
    List<String> lines = new ArrayList<>();
    int start = 0;
    while (start < text.length()) {
      int nl = text.indexOf('\n', start);
      if (nl < 0) {
        throw new EvidenceException(
            "checkpoint line "
                + (lines.size() + 1)
                + " "
                + quote(text.substring(start))
                + " does not end with a newline");
      }
      lines.add(text.substring(start, nl));
      start = nl + 1;
    }
    for (int i = 0; i < lines.size(); i++) {
      String problem = SignedNote.characterProblem(lines.get(i), true);
      if (problem != null) {
        throw new EvidenceException(
            "checkpoint line " + (i + 1) + " (" + role(i) + ") has " + problem);
      }
    }
    String[] names = {"origin", "tree size", "root hash"};
    for (int i = 0; i < 3; i++) {
      if (i >= lines.size()) {
        throw new EvidenceException(
            "checkpoint line " + (i + 1) + " (" + names[i] + ") is missing");
      }
      if (lines.get(i).isEmpty()) {
        throw new EvidenceException("checkpoint line " + (i + 1) + " (" + names[i] + ") is empty");
      }
    }
    String origin = lines.get(0);
    String problem = originProblem(origin);
    if (problem != null) {
      throw new EvidenceException("checkpoint line 1 (origin) " + quote(origin) + " " + problem);
    }
    long size = parseSize(lines.get(1));
    byte[] root = NoteKey.decodeBase64(lines.get(2));
    if (root == null) {
      throw new EvidenceException(
          "checkpoint line 3 (root hash) "
              + quote(lines.get(2))
              + " is not canonical standard base64 (RFC 4648, with padding)");
    }
    if (root.length != HASH_SIZE) {
      throw new EvidenceException(
          "checkpoint line 3 (root hash) is " + root.length + " bytes, want " + HASH_SIZE);
    }
    List<String> extensions = lines.subList(3, lines.size());
    for (int i = 0; i < extensions.size(); i++) {
      if (extensions.get(i).isEmpty()) {
        throw new EvidenceException(
            "checkpoint line "
                + (i + 4)
                + " (extension) is empty: a checkpoint has no empty lines");
      }
    }
    return new Checkpoint(origin, size, root, extensions);
  }

  private static String role(int line) {
    return switch (line) {
      case 0 -> "origin";
      case 1 -> "tree size";
      case 2 -> "root hash";
      default -> "extension";
    };
  }

  private static long parseSize(String s) throws EvidenceException {
    String where = "checkpoint line 2 (tree size) " + quote(s);
    if (s.charAt(0) == '+' || s.charAt(0) == '-') {
      throw new EvidenceException(where + " has a sign: want a decimal number without one");
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        throw new EvidenceException(where + " is not a decimal number");
      }
    }
    if (s.length() > 1 && s.charAt(0) == '0') {
      throw new EvidenceException(where + " has a leading zero");
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new EvidenceException(where + " does not fit in a signed 64-bit integer");
    }
  }

  /** Why {@code origin} is not a valid origin line, or null. */
  private static String originProblem(String origin) {
    if (origin.isEmpty()) {
      return "is empty";
    }
    String problem = SignedNote.characterProblem(origin, true);
    if (problem != null) {
      return "has " + problem;
    }
    if (NoteKey.isSpace(origin.codePointAt(0))
        || NoteKey.isSpace(origin.codePointBefore(origin.length()))) {
      return "has a leading or trailing space";
    }
    return null;
  }

  /** {@code s} in quotes for a message, control characters escaped, cut after 80 characters. */
  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (n++ == 80) {
        b.append("...");
        break;
      }
      if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) {
        b.append(String.format("\\u%04X", (int) c));
      } else if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Checkpoint c
        && size == c.size
        && origin.equals(c.origin)
        && Arrays.equals(root, c.root)
        && extensions.equals(c.extensions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(origin, size, Arrays.hashCode(root), extensions);
  }

  @Override
  public String toString() {
    return "Checkpoint[origin="
        + origin
        + ", size="
        + size
        + ", root="
        + Base64.getEncoder().encodeToString(root)
        + ", extensions="
        + extensions
        + "]";
  }
}
