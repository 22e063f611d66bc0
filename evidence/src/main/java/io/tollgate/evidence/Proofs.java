package io.tollgate.evidence;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The text forms of proofs (docs/evidence.md, "Proofs"): an inclusion proof in the C2SP tlog-proof
 * format, and a consistency proof in a form of the same style.
 */
public final class Proofs {
  private Proofs() {}

  public static final String INCLUSION = "c2sp.org/tlog-proof@v1";
  public static final String CONSISTENCY = "tollgate.io/tlog-consistency@v1";

  private static final java.util.regex.Pattern NUMBER =
      java.util.regex.Pattern.compile("0|[1-9][0-9]{0,18}");

  /** An inclusion proof: the entry's index, the hashes, and the signed checkpoint it proves to. */
  public record Inclusion(long index, List<byte[]> hashes, String checkpoint) {}

  /** A consistency proof from the tree of {@code oldSize} to that of {@code newSize}. */
  public record Consistency(long oldSize, long newSize, List<byte[]> hashes) {}

  public static String inclusion(long index, List<byte[]> hashes, String signedCheckpoint) {
    StringBuilder b = new StringBuilder(INCLUSION).append('\n');
    b.append("index ").append(index).append('\n');
    for (byte[] h : hashes) {
      b.append(Base64.getEncoder().encodeToString(h)).append('\n');
    }
    return b.append('\n').append(signedCheckpoint).toString();
  }

  public static Inclusion parseInclusion(String text) throws EvidenceException {
    int blank = text.indexOf("\n\n");
    if (blank < 0) {
      throw new EvidenceException("no blank line before the checkpoint");
    }
    String[] lines = text.substring(0, blank).split("\n", -1);
    if (!lines[0].equals(INCLUSION)) {
      throw new EvidenceException("line 1 is not " + INCLUSION);
    }
    int i = 1;
    if (i < lines.length && lines[i].startsWith("extra ")) {
      i++;
    }
    if (i >= lines.length || !lines[i].startsWith("index ")) {
      throw new EvidenceException("line " + (i + 1) + " is not \"index N\"");
    }
    long index = number(lines[i].substring(6), "line " + (i + 1));
    List<byte[]> hashes = hashes(lines, i + 1);
    return new Inclusion(index, hashes, text.substring(blank + 2));
  }

  public static String consistency(long oldSize, long newSize, List<byte[]> hashes) {
    StringBuilder b = new StringBuilder(CONSISTENCY).append('\n');
    b.append("old ").append(oldSize).append('\n');
    b.append("new ").append(newSize).append('\n');
    for (byte[] h : hashes) {
      b.append(Base64.getEncoder().encodeToString(h)).append('\n');
    }
    return b.toString();
  }

  public static Consistency parseConsistency(String text) throws EvidenceException {
    if (!text.endsWith("\n")) {
      throw new EvidenceException("does not end with a newline");
    }
    String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
    if (lines.length < 3
        || !lines[0].equals(CONSISTENCY)
        || !lines[1].startsWith("old ")
        || !lines[2].startsWith("new ")) {
      throw new EvidenceException("not " + CONSISTENCY + " with \"old M\" and \"new N\" lines");
    }
    return new Consistency(
        number(lines[1].substring(4), "line 2"),
        number(lines[2].substring(4), "line 3"),
        hashes(lines, 3));
  }

  private static List<byte[]> hashes(String[] lines, int from) throws EvidenceException {
    List<byte[]> out = new ArrayList<>();
    for (int i = from; i < lines.length; i++) {
      byte[] h;
      try {
        h = Base64.getDecoder().decode(lines[i]);
      } catch (IllegalArgumentException e) {
        throw new EvidenceException("line " + (i + 1) + " is not a base64 hash");
      }
      if (h.length != Merkle.HASH || !Base64.getEncoder().encodeToString(h).equals(lines[i])) {
        throw new EvidenceException(
            "line " + (i + 1) + " is not a 32-byte hash in padded standard base64");
      }
      out.add(h);
    }
    return out;
  }

  private static long number(String s, String where) throws EvidenceException {
    if (!NUMBER.matcher(s).matches()) {
      throw new EvidenceException(where + ": \"" + s + "\" is not a number");
    }
    return Long.parseLong(s);
  }
}
