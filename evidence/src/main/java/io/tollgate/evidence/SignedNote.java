package io.tollgate.evidence;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A C2SP signed note (c2sp.org/signed-note; Go's {@code golang.org/x/mod/sumdb/note} is the
 * reference implementation): a text ending in a newline, a blank line, and one or more signature
 * lines {@code — <key name> <base64(4-byte big-endian key id || signature)>} (U+2014 EM DASH and a
 * space first).
 *
 * <p>The whole note is valid UTF-8 without ASCII control characters other than the newline. The
 * text (the signed message, including its final newline) and the signature lines are split at the
 * last blank line of the note. Every signature line must be well-formed, known key or not; base64
 * is the standard alphabet with padding and, stricter than Go, must be canonical. A note of more
 * than {@value #MAX_SIGNATURES} signature lines is refused (the spec asks verifiers for a limit of
 * at least 16).
 *
 * <p>{@link #verify} follows the spec: signatures of keys it does not know (by name <em>and</em>
 * id) are ignored, every signature of a known key must verify (stricter than Go, which checks only
 * the first one of a key), and at least one must.
 */
public final class SignedNote {
  /** The most signature lines a note may have. */
  public static final int MAX_SIGNATURES = 100;

  private static final String DASH = "\u2014 ";

  /**
   * One signature line of a note, verified or not.
   *
   * @param name the key name
   * @param keyId the key id (the first 4 bytes of the base64 data, big-endian)
   * @param signature the signature bytes after the key id (64 for Ed25519; copied in and out)
   */
  public record Signature(String name, int keyId, byte[] signature) {
    public Signature {
      Objects.requireNonNull(name, "name");
      signature = signature.clone();
    }

    /** The signature bytes (a copy). */
    @Override
    public byte[] signature() {
      return signature.clone();
    }

    /** {@code <name>+<key id as 8 hex digits>}, as {@link NoteKey#id()}. */
    public String id() {
      return name + "+" + NoteKey.hex(keyId);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Signature s
          && keyId == s.keyId
          && name.equals(s.name)
          && Arrays.equals(signature, s.signature);
    }

    @Override
    public int hashCode() {
      return Objects.hash(name, keyId, Arrays.hashCode(signature));
    }

    @Override
    public String toString() {
      return "Signature[" + id() + " " + Base64.getEncoder().encodeToString(signature) + "]";
    }
  }

  private final String text;
  private final byte[] message;
  private final List<Signature> signatures;
  private final String encoded;

  private SignedNote(String text, List<Signature> signatures, String encoded) {
    this.text = text;
    this.message = text.getBytes(StandardCharsets.UTF_8);
    this.signatures = List.copyOf(signatures);
    this.encoded = encoded;
  }

  /**
   * Signs {@code text} with each of {@code signers}, in order, and gives the encoded note: the
   * text, a blank line, one signature line per signer. The signed message is the UTF-8 of the text,
   * final newline included.
   *
   * @throws IllegalArgumentException if the text is empty, does not end with a newline, has a
   *     carriage return or another control character than the newline, or an unpaired surrogate (no
   *     UTF-8); if there is no signer, a signer without private key, or one key twice
   */
  public static String sign(String text, List<NoteKey> signers) {
    Objects.requireNonNull(text, "text");
    if (text.isEmpty()) {
      throw new IllegalArgumentException("the text of a note is empty");
    }
    String problem = characterProblem(text, false);
    if (problem != null) {
      throw new IllegalArgumentException("the text of a note has " + problem);
    }
    if (!text.endsWith("\n")) {
      throw new IllegalArgumentException("the text of a note does not end with a newline");
    }
    if (signers.isEmpty()) {
      throw new IllegalArgumentException("a note needs at least one signer");
    }
    if (signers.size() > MAX_SIGNATURES) {
      throw new IllegalArgumentException("a note has at most " + MAX_SIGNATURES + " signatures");
    }
    Set<String> ids = new HashSet<>();
    for (NoteKey k : signers) {
      if (!k.canSign()) {
        throw new IllegalArgumentException(
            "key " + k.id() + " has no private part: it cannot sign");
      }
      if (!ids.add(k.id())) {
        throw new IllegalArgumentException("key " + k.id() + " is given twice");
      }
    }
    byte[] message = text.getBytes(StandardCharsets.UTF_8);
    StringBuilder b = new StringBuilder(text).append('\n');
    for (NoteKey k : signers) {
      byte[] sig = k.sign(message);
      byte[] data = ByteBuffer.allocate(4 + sig.length).putInt(k.keyId()).put(sig).array();
      b.append(DASH)
          .append(k.name())
          .append(' ')
          .append(Base64.getEncoder().encodeToString(data))
          .append('\n');
    }
    return b.toString();
  }

  /**
   * Reads an encoded note given as bytes: strict UTF-8, then as {@link #parse(String)}.
   *
   * @throws EvidenceException naming the line that is not valid UTF-8, or as {@link #parse(String)}
   */
  public static SignedNote parse(byte[] note) throws EvidenceException {
    CharsetDecoder d =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(note);
    CharBuffer out = CharBuffer.allocate(note.length);
    CoderResult r = d.decode(in, out, true);
    if (!r.isError()) {
      r = d.flush(out);
    }
    if (r.isError()) {
      int at = in.position();
      int line = 1;
      for (int i = 0; i < at; i++) {
        if (note[i] == '\n') {
          line++;
        }
      }
      throw new EvidenceException(
          "note line " + line + " is not valid UTF-8 (at byte " + at + " of the note)");
    }
    out.flip();
    return parse(out.toString());
  }

  /**
   * Reads an encoded note: splits it at its last blank line into the text and the signature lines,
   * and checks that every signature line is well-formed. Signatures are not verified: see {@link
   * #verify}.
   *
   * @throws EvidenceException naming the line that is wrong and why
   */
  public static SignedNote parse(String note) throws EvidenceException {
    if (note == null || note.isEmpty()) {
      throw new EvidenceException("note is empty");
    }
    String problem = characterProblem(note, false);
    if (problem != null) {
      throw new EvidenceException("note has " + problem);
    }
    int split = note.lastIndexOf("\n\n");
    if (split < 0) {
      throw new EvidenceException(
          "note has no blank line between its text and its signatures (is it cut short?)");
    }
    String text = note.substring(0, split + 1);
    String sigs = note.substring(split + 2);
    int line = 2;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == '\n') {
        line++;
      }
    }
    if (sigs.isEmpty()) {
      throw new EvidenceException(
          "note has no signature line after its last blank line (line " + (line - 1) + ")");
    }
    List<Signature> signatures = new ArrayList<>();
    for (int start = 0; start < sigs.length(); line++) {
      int nl = sigs.indexOf('\n', start);
      if (nl < 0) {
        throw new EvidenceException(
            "note line " + line + " does not end with a newline (is the note cut short?)");
      }
      if (signatures.size() == MAX_SIGNATURES) {
        throw new EvidenceException(
            "note has more than " + MAX_SIGNATURES + " signature lines (line " + line + ")");
      }
      signatures.add(signatureLine(sigs.substring(start, nl), line));
      start = nl + 1;
    }
    return new SignedNote(text, signatures, note);
  }

  private static Signature signatureLine(String l, int line) throws EvidenceException {
    String where = "note line " + line + ": ";
    if (!l.startsWith(DASH)) {
      throw new EvidenceException(
          where
              + "a signature line starts with \"\u2014 \" (U+2014 EM DASH, space), this one is "
              + Checkpoint.quote(l));
    }
    String rest = l.substring(DASH.length());
    int sp = rest.indexOf(' ');
    if (sp < 0) {
      throw new EvidenceException(where + "no space between the key name and the signature");
    }
    String name = rest.substring(0, sp);
    String problem = NoteKey.nameProblem(name);
    if (problem != null) {
      throw new EvidenceException(where + "key name " + Checkpoint.quote(name) + " " + problem);
    }
    String b64 = rest.substring(sp + 1);
    if (b64.isEmpty()) {
      throw new EvidenceException(where + "the signature of " + name + " is empty");
    }
    byte[] data = NoteKey.decodeBase64(b64);
    if (data == null) {
      throw new EvidenceException(
          where
              + "the signature of "
              + name
              + " is not canonical standard base64 (RFC 4648, with padding)");
    }
    if (data.length < 5) {
      throw new EvidenceException(
          where
              + "the signature of "
              + name
              + " is "
              + data.length
              + " bytes, needs at least 5 (a 4-byte key id and a signature)");
    }
    return new Signature(
        name, ByteBuffer.wrap(data).getInt(), Arrays.copyOfRange(data, 4, data.length));
  }

  /**
   * The keys among {@code known} that signed this note, in the order of their first signature. A
   * signature is by a known key when its name and key id are both those of the key; other
   * signatures are ignored.
   *
   * @throws EvidenceException if a signature by a known key does not verify ("signature of
   *     &lt;id&gt; does not verify"), if no known key signed ("no signature by a known key (signed
   *     by: &lt;ids&gt;)"), or if two different known keys have one id
   */
  public List<NoteKey> verify(Collection<NoteKey> known) throws EvidenceException {
    Map<String, NoteKey> byId = new HashMap<>();
    for (NoteKey k : known) {
      NoteKey before = byId.putIfAbsent(k.id(), k);
      if (before != null && !before.equals(k)) {
        throw new EvidenceException("two different known keys have the id " + k.id());
      }
    }
    Set<NoteKey> verified = new LinkedHashSet<>();
    Set<String> present = new LinkedHashSet<>();
    for (Signature s : signatures) {
      present.add(s.id());
      NoteKey k = byId.get(s.id());
      if (k == null) {
        continue;
      }
      if (!k.verify(message, s.signature)) {
        throw new EvidenceException("signature of " + s.id() + " does not verify");
      }
      verified.add(k);
    }
    if (verified.isEmpty()) {
      throw new EvidenceException(
          "no signature by a known key (signed by: " + String.join(", ", present) + ")");
    }
    return List.copyOf(verified);
  }

  /** The text of the note: the signed message, final newline included. */
  public String text() {
    return text;
  }

  /** The signature lines, in the order of the note. */
  public List<Signature> signatures() {
    return signatures;
  }

  /** The whole note, as read or signed. */
  public String encoded() {
    return encoded;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignedNote n && encoded.equals(n.encoded);
  }

  @Override
  public int hashCode() {
    return encoded.hashCode();
  }

  @Override
  public String toString() {
    List<String> ids = new ArrayList<>();
    for (Signature s : signatures) {
      ids.add(s.id());
    }
    return "SignedNote[" + text.length() + " characters of text, signed by " + ids + "]";
  }

  /**
   * Describes the first character of {@code s} a note may not hold (an ASCII control character
   * other than the newline, or, with {@code singleLine}, the newline too; an unpaired surrogate,
   * which has no UTF-8) and where it is, or gives null.
   */
  static String characterProblem(String s, boolean singleLine) {
    int line = 1;
    int column = 1;
    for (int i = 0; i < s.length(); i++, column++) {
      char c = s.charAt(i);
      if (c == '\n' && !singleLine) {
        line++;
        column = 0;
        continue;
      }
      String what = null;
      if (c < 0x20) {
        what =
            String.format("a control character U+%04X", (int) c)
                + switch (c) {
                  case '\r' -> " (carriage return: lines end with \\n alone)";
                  case '\n' -> " (newline)";
                  case '\t' -> " (tab)";
                  case 0 -> " (NUL)";
                  default -> "";
                };
      } else if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        what = String.format("an unpaired surrogate U+%04X (not valid UTF-8)", (int) c);
      }
      if (what != null) {
        return what + (singleLine ? "" : " on line " + line) + " at column " + column;
      }
    }
    return null;
  }
}
