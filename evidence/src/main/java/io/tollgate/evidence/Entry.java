package io.tollgate.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One entry of the evidence log (docs/evidence.md, "Entries"): RFC 8785 canonical JSON of
 *
 * <pre>{"at":…,"contract":…,"index":…,"kind":…,"prev":…,"record":{…},"salt":…,"seq":…,
 *  "source":{"offset":…,"partition":…,"topic":…},"terms":…,"v":1}</pre>
 *
 * {@code kind} is {@code contract} (a publication), {@code revocation}, {@code decision} (a
 * feedback event) or {@code usage} (a closed usage period). {@code seq} counts the entries of its
 * contract from 1 and {@code prev} is the log index of the contract's entry before, null for its
 * first: a package that leaves one out breaks that chain. {@code terms} is the index of the
 * contract's latest {@code contract} or {@code revocation} entry before this one (null when there
 * is none): the versions in force are a chain of their own, which a package must hold whole.
 * Entries without a contract (a refusal of an unknown caller) make a chain of their own, contract
 * null. {@code salt} is secret to the operator until a package reveals it: it keeps sibling hashes
 * in proofs from telling anything about other participants' entries.
 */
public record Entry(
    long index,
    String kind,
    String contract,
    long seq,
    Long prev,
    Long terms,
    long at,
    String topic,
    int partition,
    long offset,
    JsonNode record,
    byte[] salt) {

  public static final String CONTRACT = "contract";
  public static final String REVOCATION = "revocation";
  public static final String DECISION = "decision";
  public static final String USAGE = "usage";

  static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The salt of entry {@code index}: HMAC-SHA256(saltKey, "tollgate evidence salt v1\n" ‖ origin ‖
   * "\n" ‖ index).
   */
  public static byte[] salt(byte[] saltKey, String origin, long index) {
    return salter(saltKey).salt(origin, index);
  }

  /** HMAC-SHA256 under one salt key, set up once (a sealer salts every entry). */
  public static Salter salter(byte[] saltKey) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(saltKey, "HmacSHA256"));
      return new Salter(mac);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no HMAC-SHA256", e);
    }
  }

  /** Salts entries under one key; not thread-safe. */
  public static final class Salter {
    private final Mac mac;

    Salter(Mac mac) {
      this.mac = mac;
    }

    public byte[] salt(String origin, long index) {
      return mac.doFinal(
          ("tollgate evidence salt v1\n" + origin + "\n" + index).getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * The entry's canonical bytes: what its leaf hashes. Written member by member in JCS order
   * ({@code at, contract, index, kind, prev, record, salt, seq, source, terms, v}); {@link #decode}
   * checks that the bytes are their own canonical form.
   */
  public byte[] encode() {
    Canonical.Writer w = new Canonical.Writer(512);
    w.raw("{\"at\":").number(at).raw(",\"contract\":");
    if (contract == null) {
      w.raw("null");
    } else {
      w.string(contract);
    }
    w.raw(",\"index\":").number(index).raw(",\"kind\":").string(kind).raw(",\"prev\":");
    if (prev == null) {
      w.raw("null");
    } else {
      w.number(prev);
    }
    w.raw(",\"record\":").value(record);
    w.raw(",\"salt\":").string(java.util.Base64.getEncoder().encodeToString(salt));
    w.raw(",\"seq\":").number(seq);
    w.raw(",\"source\":{\"offset\":").number(offset).raw(",\"partition\":").number(partition);
    w.raw(",\"topic\":").string(topic).raw("},\"terms\":");
    if (terms == null) {
      w.raw("null");
    } else {
      w.number(terms);
    }
    w.raw(",\"v\":1}");
    return w.toByteArray();
  }

  /** Reads an entry back: it must be in the canonical form, every field present and typed. */
  public static Entry decode(byte[] bytes) throws EvidenceException {
    JsonNode o;
    try {
      o = JSON.readTree(bytes);
    } catch (java.io.IOException e) {
      throw new EvidenceException("not JSON: " + e.getMessage());
    }
    if (o == null || !o.isObject()) {
      throw new EvidenceException("not a JSON object");
    }
    if (!Arrays.equals(Canonical.bytes(o), bytes)) {
      throw new EvidenceException("not in the canonical form (RFC 8785)");
    }
    JsonNode v = o.get("v");
    if (v == null || !v.isIntegralNumber() || v.longValue() != 1) {
      throw new EvidenceException("v must be the number 1");
    }
    if (o.size() != 11) {
      throw new EvidenceException("an entry has exactly 11 members, this one " + o.size());
    }
    String kind = text(o, "kind");
    if (!kind.equals(CONTRACT)
        && !kind.equals(REVOCATION)
        && !kind.equals(DECISION)
        && !kind.equals(USAGE)) {
      throw new EvidenceException("unknown kind " + kind);
    }
    JsonNode c = o.get("contract");
    if (c == null || !(c.isNull() || c.isTextual())) {
      throw new EvidenceException("contract must be a string or null");
    }
    JsonNode s = o.path("source");
    if (!s.isObject() || s.size() != 3) {
      throw new EvidenceException("source must be an object of topic, partition and offset");
    }
    JsonNode record = o.get("record");
    if (record == null || !record.isObject()) {
      throw new EvidenceException("record must be an object");
    }
    byte[] salt;
    String saltText = text(o, "salt");
    try {
      salt = java.util.Base64.getDecoder().decode(saltText);
    } catch (IllegalArgumentException e) {
      throw new EvidenceException("salt is not base64");
    }
    if (salt.length != 32) {
      throw new EvidenceException("salt must be 32 bytes, not " + salt.length);
    }
    if (!java.util.Base64.getEncoder().encodeToString(salt).equals(saltText)) {
      throw new EvidenceException("salt is not in canonical padded base64");
    }
    long index = number(o, "index");
    long seq = number(o, "seq");
    long partition = number(s, "partition");
    if (index < 0 || seq < 1 || partition < 0 || partition > Integer.MAX_VALUE) {
      throw new EvidenceException("index, seq or partition out of range");
    }
    Long prev = optional(o, "prev");
    Long terms = optional(o, "terms");
    if ((prev != null && (prev < 0 || prev >= index))
        || (terms != null && (terms < 0 || terms >= index))) {
      throw new EvidenceException("prev and terms must be earlier indexes");
    }
    return new Entry(
        index,
        kind,
        c.isNull() ? null : c.textValue(),
        seq,
        prev,
        terms,
        number(o, "at"),
        text(s, "topic"),
        (int) partition,
        number(s, "offset"),
        record,
        salt);
  }

  private static Long optional(JsonNode o, String f) throws EvidenceException {
    JsonNode n = o.get(f);
    if (n == null || !(n.isNull() || (n.isIntegralNumber() && n.canConvertToLong()))) {
      throw new EvidenceException(f + " must be an index or null");
    }
    return n.isNull() ? null : n.longValue();
  }

  private static String text(JsonNode o, String f) throws EvidenceException {
    JsonNode n = o.get(f);
    if (n == null || !n.isTextual()) {
      throw new EvidenceException(f + " must be a string");
    }
    return n.textValue();
  }

  private static long number(JsonNode o, String f) throws EvidenceException {
    JsonNode n = o.get(f);
    if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
      throw new EvidenceException(f + " must be an integer");
    }
    return n.longValue();
  }
}
