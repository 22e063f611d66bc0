package io.tollgate.evidence;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.SecureRandomSpi;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * An Ed25519 key of a C2SP signed note (c2sp.org/signed-note): a key name, the 32-byte public key
 * and, for a key that signs, the 32-byte private seed (RFC 8032). The cryptography is the JDK's own
 * Ed25519 ({@code KeyPairGenerator}/{@code Signature} "Ed25519").
 *
 * <p>The key id is the first four bytes, big-endian, of {@code SHA-256(name || 0x0A || 0x01 ||
 * public key)}. The text forms are those of Go's {@code golang.org/x/mod/sumdb/note}:
 *
 * <ul>
 *   <li>verifier key: {@code <name>+<8 hex digits of the id>+<base64(0x01 || public key)>}
 *   <li>signer key (secret): {@code PRIVATE+KEY+<name>+<8 hex digits>+<base64(0x01 || seed)>}
 * </ul>
 *
 * <p>A key name is non-empty, has no Unicode space, no {@code +}, no control character and no
 * unpaired surrogate (so it is valid UTF-8). Instances are immutable and thread-safe; two keys are
 * {@link #equals equal} when their names and public keys are, whether or not either holds the
 * private part. {@link #toString()} never shows the private part.
 */
public final class NoteKey {
  /** The signature type byte of Ed25519 in a signed note. */
  static final byte ALG_ED25519 = 0x01;

  private static final String SIGNER_PREFIX = "PRIVATE+KEY+";
  private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
  private static final byte[] PKCS8_PREFIX =
      HexFormat.of().parseHex("302e020100300506032b657004220420");

  private final String name;
  private final byte[] publicKeyBytes;
  private final PublicKey publicKey;
  private final PrivateKey privateKey; // null for a verifier only
  private final byte[] seed; // null for a verifier only
  private final int keyId;

  private NoteKey(
      String name, byte[] publicKeyBytes, PublicKey publicKey, PrivateKey privateKey, byte[] seed) {
    this.name = name;
    this.publicKeyBytes = publicKeyBytes;
    this.publicKey = publicKey;
    this.privateKey = privateKey;
    this.seed = seed;
    this.keyId = keyId(name, publicKeyBytes);
  }

  /**
   * A new random key pair named {@code name}.
   *
   * @throws IllegalArgumentException if the name is not a valid key name (the message says why)
   */
  public static NoteKey generate(String name) {
    requireValidName(name);
    try {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      return fromPair(name, pair);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no Ed25519", e);
    }
  }

  /**
   * The key whose 32-byte RFC 8032 private seed is {@code seed} (the public key is derived).
   *
   * @throws IllegalArgumentException if the name is not valid or the seed is not 32 bytes
   */
  public static NoteKey fromSeed(String name, byte[] seed) {
    requireValidName(name);
    if (seed.length != 32) {
      throw new IllegalArgumentException("an Ed25519 seed is 32 bytes, not " + seed.length);
    }
    return fromPair(name, derive(seed));
  }

  /**
   * A verifier-only key from its 32-byte RFC 8032 public key.
   *
   * @throws IllegalArgumentException if the name is not valid or the key is not 32 bytes
   */
  public static NoteKey fromPublicKey(String name, byte[] publicKey) {
    requireValidName(name);
    if (publicKey.length != 32) {
      throw new IllegalArgumentException(
          "an Ed25519 public key is 32 bytes, not " + publicKey.length);
    }
    byte[] raw = publicKey.clone();
    return new NoteKey(name, raw, jdkPublicKey(raw), null, null);
  }

  /**
   * Reads a verifier key {@code <name>+<hex id>+<base64(0x01 || public key)>}, strictly: the name
   * must be valid, the id eight hex digits equal to the id of the name and key, the data canonical
   * standard base64 of the algorithm byte 0x01 and 32 bytes.
   *
   * @throws EvidenceException naming what is wrong
   */
  public static NoteKey parseVerifierKey(String vkey) throws EvidenceException {
    if (vkey != null && vkey.startsWith(SIGNER_PREFIX)) {
      throw new EvidenceException(
          "verifier key starts with PRIVATE+KEY+: it is a signer key, a secret not to hand out");
    }
    String[] parts = split(vkey, "verifier key", "<name>+<key id>+<base64 key>");
    byte[] data = keyData(parts, "verifier key");
    byte[] raw = Arrays.copyOfRange(data, 1, 33);
    NoteKey key = new NoteKey(parts[0], raw, jdkPublicKey(raw), null, null);
    checkId(parts[1], key, "verifier key");
    return key;
  }

  /**
   * Reads a signer key {@code PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>} (Go's format),
   * strictly; the id must be that of the name and the public key derived from the seed. Messages
   * never show the secret.
   *
   * @throws EvidenceException naming what is wrong
   */
  public static NoteKey parseSignerKey(String skey) throws EvidenceException {
    if (skey == null || !skey.startsWith(SIGNER_PREFIX)) {
      throw new EvidenceException(
          "signer key does not start with PRIVATE+KEY+ (is it a verifier key?)");
    }
    String[] parts =
        split(skey.substring(SIGNER_PREFIX.length()), "signer key", "<name>+<key id>+<base64 key>");
    byte[] data = keyData(parts, "signer key");
    byte[] seed = Arrays.copyOfRange(data, 1, 33);
    NoteKey key = fromPair(parts[0], derive(seed));
    checkId(parts[1], key, "signer key");
    return key;
  }

  /** The key name. */
  public String name() {
    return name;
  }

  /** The 32-bit key id: the first 4 bytes, big-endian, of SHA-256(name, 0x0A, 0x01, key). */
  public int keyId() {
    return keyId;
  }

  /** {@code <name>+<key id as 8 lowercase hex digits>}: how the rest of the code names a key. */
  public String id() {
    return name + "+" + hex(keyId);
  }

  /** The 32-byte RFC 8032 public key (a copy). */
  public byte[] publicKeyBytes() {
    return publicKeyBytes.clone();
  }

  /** The public key as a JDK key (X.509 encoded as SubjectPublicKeyInfo). */
  public PublicKey publicKey() {
    return publicKey;
  }

  /** The public key as a PEM block {@code -----BEGIN PUBLIC KEY-----} (SubjectPublicKeyInfo). */
  public String publicKeyPem() {
    String b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(x509(publicKeyBytes));
    return "-----BEGIN PUBLIC KEY-----\n" + b64 + "\n-----END PUBLIC KEY-----\n";
  }

  /** Whether this key holds its private part and so can {@link #sign}. */
  public boolean canSign() {
    return privateKey != null;
  }

  /** This key without its private part. */
  public NoteKey verifierOnly() {
    return privateKey == null ? this : new NoteKey(name, publicKeyBytes, publicKey, null, null);
  }

  /** The verifier key text {@code <name>+<hex id>+<base64(0x01 || public key)>}. */
  public String verifierKey() {
    return id() + "+" + Base64.getEncoder().encodeToString(withAlg(publicKeyBytes));
  }

  /**
   * The signer key text {@code PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>}: a secret.
   *
   * @throws IllegalStateException if this key has no private part
   */
  public String signerKey() {
    requirePrivate();
    return SIGNER_PREFIX + id() + "+" + Base64.getEncoder().encodeToString(withAlg(seed));
  }

  /**
   * The 64-byte Ed25519 signature of {@code message}.
   *
   * @throws IllegalStateException if this key has no private part
   */
  public byte[] sign(byte[] message) {
    requirePrivate();
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(privateKey);
      s.update(message);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  /** Whether {@code signature} is a valid Ed25519 signature of {@code message} by this key. */
  public boolean verify(byte[] message, byte[] signature) {
    if (signature == null || signature.length != 64) {
      return false;
    }
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(publicKey);
      s.update(message);
      return s.verify(signature);
    } catch (SignatureException e) {
      return false;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("Ed25519 verification failed", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NoteKey k
        && name.equals(k.name)
        && Arrays.equals(publicKeyBytes, k.publicKeyBytes);
  }

  @Override
  public int hashCode() {
    return 31 * name.hashCode() + Arrays.hashCode(publicKeyBytes);
  }

  /** The id, and whether this key can sign; never the private part. */
  @Override
  public String toString() {
    return "NoteKey[" + id() + (canSign() ? ", signer" : ", verifier") + "]";
  }

  // ---- helpers shared with the other classes of the package ----

  /** The key id of {@code name} and a 32-byte Ed25519 public key. */
  static int keyId(String name, byte[] publicKey) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(name.getBytes(StandardCharsets.UTF_8));
      d.update((byte) '\n');
      d.update(ALG_ED25519);
      d.update(publicKey);
      return ByteBuffer.wrap(d.digest()).getInt();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256", e);
    }
  }

  /** {@code id} as 8 lowercase hex digits. */
  static String hex(int id) {
    return HexFormat.of().toHexDigits(id);
  }

  /** Whether {@code cp} is a Unicode space as Go's {@code unicode.IsSpace} has it. */
  static boolean isSpace(int cp) {
    return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
  }

  /** Why {@code name} is not a valid key name, or null if it is. */
  static String nameProblem(String name) {
    if (name == null || name.isEmpty()) {
      return "is empty";
    }
    for (int i = 0; i < name.length(); ) {
      int cp = name.codePointAt(i);
      if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
        return String.format(
            "has an unpaired surrogate U+%04X at index %d (not valid UTF-8)", cp, i);
      }
      if (cp == '+') {
        return "contains '+' at index " + i;
      }
      if (isSpace(cp)) {
        return String.format("contains a space (U+%04X) at index %d", cp, i);
      }
      if (Character.isISOControl(cp)) {
        return String.format("contains a control character (U+%04X) at index %d", cp, i);
      }
      i += Character.charCount(cp);
    }
    return null;
  }

  /**
   * {@code s} decoded as canonical standard base64 (RFC 4648 section 4: the standard alphabet, with
   * padding, zero trailing bits), or null if it is not.
   */
  static byte[] decodeBase64(String s) {
    byte[] b;
    try {
      b = Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      return null;
    }
    return Base64.getEncoder().encodeToString(b).equals(s) ? b : null;
  }

  // ---- private ----

  private static void requireValidName(String name) {
    String problem = nameProblem(name);
    if (problem != null) {
      throw new IllegalArgumentException(
          "key name " + Checkpoint.quote(String.valueOf(name)) + " " + problem);
    }
  }

  private void requirePrivate() {
    if (privateKey == null) {
      throw new IllegalStateException("key " + id() + " has no private part: it only verifies");
    }
  }

  /** Splits {@code <name>+<id>+<data>} at its first two '+' and checks the name. */
  private static String[] split(String s, String what, String form) throws EvidenceException {
    if (s == null || s.isEmpty()) {
      throw new EvidenceException(what + " is empty");
    }
    for (int i = 0; i < s.length(); i++) {
      if (isSpace(s.charAt(i)) || Character.isISOControl(s.charAt(i))) {
        throw new EvidenceException(
            what
                + String.format(
                    " contains a space or control character (U+%04X)", (int) s.charAt(i))
                + " at index "
                + i
                + (i == s.length() - 1 ? " (a line end left in?)" : ""));
      }
    }
    int a = s.indexOf('+');
    int b = a < 0 ? -1 : s.indexOf('+', a + 1);
    if (b < 0) {
      throw new EvidenceException(what + " does not have the form " + form);
    }
    String[] parts = {s.substring(0, a), s.substring(a + 1, b), s.substring(b + 1)};
    String problem = nameProblem(parts[0]);
    if (problem != null) {
      throw new EvidenceException(what + " name " + Checkpoint.quote(parts[0]) + " " + problem);
    }
    if (!parts[1].matches("[0-9a-fA-F]{8}")) {
      throw new EvidenceException(
          what + " id " + Checkpoint.quote(parts[1]) + " is not 8 hex digits");
    }
    return parts;
  }

  /** The decoded key data of split parts: 0x01 and 32 bytes. */
  private static byte[] keyData(String[] parts, String what) throws EvidenceException {
    byte[] data = decodeBase64(parts[2]);
    if (data == null) {
      throw new EvidenceException(
          what + " data is not canonical standard base64 (RFC 4648, with padding)");
    }
    if (data.length == 0) {
      throw new EvidenceException(what + " data is empty");
    }
    if (data[0] != ALG_ED25519) {
      throw new EvidenceException(
          String.format("%s algorithm is 0x%02x, want 0x01 (Ed25519)", what, data[0] & 0xff));
    }
    if (data.length != 33) {
      throw new EvidenceException(
          what + " data is " + (data.length - 1) + " bytes after the algorithm byte, want 32");
    }
    return data;
  }

  private static void checkId(String written, NoteKey key, String what) throws EvidenceException {
    int id = Integer.parseUnsignedInt(written, 16);
    if (id != key.keyId) {
      throw new EvidenceException(
          what
              + " id "
              + written
              + " does not match its name and key (their id is "
              + hex(key.keyId)
              + ")");
    }
  }

  private static NoteKey fromPair(String name, KeyPair pair) {
    byte[] encoded = pair.getPublic().getEncoded();
    if (encoded.length != 44
        || !Arrays.equals(Arrays.copyOf(encoded, X509_PREFIX.length), X509_PREFIX)) {
      throw new IllegalStateException("unexpected X.509 encoding of an Ed25519 public key");
    }
    byte[] raw = Arrays.copyOfRange(encoded, X509_PREFIX.length, encoded.length);
    byte[] seed =
        ((EdECPrivateKey) pair.getPrivate())
            .getBytes()
            .orElseThrow(() -> new IllegalStateException("the JDK hides the Ed25519 seed"));
    return new NoteKey(name, raw, pair.getPublic(), pair.getPrivate(), seed);
  }

  /**
   * The key pair of a seed. The JDK derives the public key only while generating a pair, from the
   * 32 bytes it draws from its random source, so the pair is generated from a source that gives
   * exactly the seed; the result is checked (same seed, and the PKCS#8 form of the seed signs what
   * the derived public key verifies), so a JDK that drew its bytes otherwise fails loudly.
   */
  private static KeyPair derive(byte[] seed) {
    byte[] copy = seed.clone();
    SecureRandom source = new SecureRandom(new FixedBytes(copy), null) {};
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
      g.initialize(NamedParameterSpec.ED25519, source);
      KeyPair pair = g.generateKeyPair();
      byte[] got = ((EdECPrivateKey) pair.getPrivate()).getBytes().orElse(new byte[0]);
      PrivateKey fromSeed =
          KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8(seed)));
      byte[] probe = "tollgate seed check".getBytes(StandardCharsets.UTF_8);
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(fromSeed);
      s.update(probe);
      byte[] sig = s.sign();
      s.initVerify(pair.getPublic());
      s.update(probe);
      if (!Arrays.equals(got, seed) || !s.verify(sig)) {
        throw new IllegalStateException("could not derive the Ed25519 public key of a seed");
      }
      return pair;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("could not derive the Ed25519 public key of a seed", e);
    }
  }

  /** A random source that gives one fixed 32-byte string, once. */
  private static final class FixedBytes extends SecureRandomSpi {
    private static final long serialVersionUID = 1L;
    private final byte[] bytes;
    private boolean used;

    FixedBytes(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    protected void engineSetSeed(byte[] s) {}

    @Override
    protected void engineNextBytes(byte[] out) {
      if (used || out.length != bytes.length) {
        throw new IllegalStateException("the seed source was asked for other bytes");
      }
      used = true;
      System.arraycopy(bytes, 0, out, 0, out.length);
    }

    @Override
    protected byte[] engineGenerateSeed(int n) {
      throw new IllegalStateException("the seed source was asked for a seed");
    }
  }

  private static PublicKey jdkPublicKey(byte[] raw) {
    try {
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(x509(raw)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK does not read an Ed25519 public key", e);
    }
  }

  private static byte[] x509(byte[] raw) {
    byte[] b = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + raw.length);
    System.arraycopy(raw, 0, b, X509_PREFIX.length, raw.length);
    return b;
  }

  private static byte[] pkcs8(byte[] seed) {
    byte[] b = Arrays.copyOf(PKCS8_PREFIX, PKCS8_PREFIX.length + seed.length);
    System.arraycopy(seed, 0, b, PKCS8_PREFIX.length, seed.length);
    return b;
  }

  private static byte[] withAlg(byte[] key) {
    byte[] b = new byte[key.length + 1];
    b[0] = ALG_ED25519;
    System.arraycopy(key, 0, b, 1, key.length);
    return b;
  }
}
