package io.tollgate.policy.model;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where a policy came from: its file and the source position of each JSON pointer, so that the
 * compiler can name the line of a constraint it rejects.
 *
 * @param file the source file, or a descriptive name such as {@code <kafka tollgate.policies>}
 * @param baseDir the directory relative references (such as OPA Wasm modules) resolve against; null
 *     when there is none
 * @param positions JSON pointer to {line, column} (1-based)
 * @param text the source text of this policy's own document (one YAML document of a file that may
 *     hold several), as written; null when the policy was not read from text. It is what a
 *     publisher sends as the policy's record, so that a contract is published exactly as checked.
 */
public record Origin(String file, Path baseDir, Map<String, int[]> positions, String text) {

  public Origin(String file, Path baseDir, Map<String, int[]> positions) {
    this(file, baseDir, positions, null);
  }

  public static Origin unknown() {
    return new Origin("<memory>", null, Map.of());
  }

  /** The {line, column} of a pointer, or of its nearest ancestor that has one; null if none. */
  public int[] position(String pointer) {
    String p = pointer;
    while (p != null) {
      int[] pos = positions.get(p);
      if (pos != null) {
        return pos;
      }
      if (p.isEmpty()) {
        return null;
      }
      int slash = p.lastIndexOf('/');
      p = slash <= 0 ? "" : p.substring(0, slash);
    }
    return null;
  }
}
