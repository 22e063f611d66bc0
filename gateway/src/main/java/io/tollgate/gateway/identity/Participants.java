package io.tollgate.gateway.identity;

import io.tollgate.gateway.config.Node;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The participants file: who may call, and by which credentials. API keys are held only as SHA-256
 * hashes; JWT subjects of trusted issuers and client-certificate names map to participants.
 *
 * <pre>
 * participants:
 *   - id: bank-of-pudong
 *     name: 浦东示例银行
 *     creditCode: 91310115MA1K3YJ2X5
 *     apiKeys: [{sha256: 9f86d0...}]
 *     jwt: [{issuer: https://idp.example, subject: bank-of-pudong-client}]
 *     certificates: [{subject: "CN=bank-of-pudong,O=Example Bank,C=CN"}, {san: bank.example}]
 * issuers:
 *   - issuer: https://idp.example
 *     jwks: idp-jwks.json          # a file beside this one, or an https:// or http:// URL
 *     audience: tollgate
 *     algorithms: [RS256, ES256]
 *     clockSkew: 60s
 * </pre>
 */
public final class Participants {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

  /** A trusted token issuer. */
  public record Issuer(
      String issuer, String jwks, String audience, List<String> algorithms, Duration clockSkew) {}

  private final Map<String, Participant> byId;
  private final Map<String, Participant> byKeyHash;
  private final Map<String, Participant> byJwt;
  private final Map<String, Participant> byCertificate;
  private final List<Issuer> issuers;

  private Participants(
      Map<String, Participant> byId,
      Map<String, Participant> byKeyHash,
      Map<String, Participant> byJwt,
      Map<String, Participant> byCertificate,
      List<Issuer> issuers) {
    this.byId = byId;
    this.byKeyHash = byKeyHash;
    this.byJwt = byJwt;
    this.byCertificate = byCertificate;
    this.issuers = issuers;
    indexKeys();
  }

  /** Reads a participants file; problems go to the root's {@link Node.Problems}. */
  public static Participants read(Node root) {
    root.only("participants", "issuers");
    Map<String, Participant> byId = new LinkedHashMap<>();
    Map<String, Participant> byKeyHash = new HashMap<>();
    Map<String, Participant> byJwt = new HashMap<>();
    Map<String, Participant> byCertificate = new HashMap<>();
    List<Issuer> issuers = new ArrayList<>();
    Map<String, Issuer> issuerNames = new HashMap<>();
    for (Node n : root.list("issuers", false)) {
      if (!n.isObject()) {
        n.problem("expected a mapping with issuer, jwks, audience");
        continue;
      }
      n.only("issuer", "jwks", "audience", "algorithms", "clockSkew");
      String iss = n.text("issuer", null);
      String jwks = n.text("jwks", null);
      if (jwks != null && !jwks.startsWith("https://") && !jwks.startsWith("http://")) {
        jwks = n.path("jwks", null).toString();
      }
      String aud = n.text("audience", null);
      List<String> algs = n.texts("algorithms");
      if (algs.isEmpty()) {
        algs = List.of("RS256", "ES256");
      }
      for (String a : algs) {
        if (!a.equals("RS256") && !a.equals("ES256")) {
          n.child("algorithms").problem("expected RS256 or ES256 (asymmetric, pinned), found " + a);
        }
      }
      Duration skew = n.duration("clockSkew", Duration.ofSeconds(60));
      if (skew.compareTo(Duration.ofMinutes(5)) > 0) {
        n.child("clockSkew").problem("expected a clock skew of at most 5m, found " + skew);
      }
      if (iss != null && jwks != null && aud != null) {
        Issuer i = new Issuer(iss, jwks, aud, List.copyOf(algs), skew);
        if (issuerNames.put(iss, i) != null) {
          n.child("issuer").problem("issuer " + iss + " is listed twice");
        }
        issuers.add(i);
      }
    }
    for (Node n : root.list("participants", true)) {
      if (!n.isObject()) {
        n.problem("expected a mapping with id and name");
        continue;
      }
      n.only("id", "name", "creditCode", "apiKeys", "jwt", "certificates");
      String id = n.text("id", null);
      if (id != null && !ID.matcher(id).matches()) {
        n.child("id")
            .problem("expected an id of letters, digits and . _ : - (at most 128), found " + id);
        id = null;
      }
      String name = n.text("name", null);
      String code = n.optionalText("creditCode");
      if (code != null) {
        String problem = CreditCode.problem(code);
        if (problem != null) {
          n.child("creditCode").problem(problem);
        }
      }
      if (id == null || name == null) {
        continue;
      }
      Participant p = new Participant(id, name, code);
      if (byId.put(id, p) != null) {
        n.child("id").problem("participant " + id + " is registered twice");
      }
      for (Node k : n.list("apiKeys", false)) {
        if (!k.isObject()) {
          k.problem("expected {sha256: <64 hex digits>} (keys are stored only as hashes)");
          continue;
        }
        k.only("sha256");
        String h = k.text("sha256", null);
        if (h == null) {
          continue;
        }
        if (!HEX64.matcher(h).matches()) {
          k.child("sha256")
              .problem("expected 64 lower-case hex digits, found " + h.length() + " characters");
          continue;
        }
        Participant prev = byKeyHash.put(h, p);
        if (prev != null) {
          k.child("sha256").problem("this API key is registered to " + prev.id() + " too");
        }
      }
      for (Node j : n.list("jwt", false)) {
        if (!j.isObject()) {
          j.problem("expected {issuer, subject}");
          continue;
        }
        j.only("issuer", "subject");
        String iss = j.text("issuer", null);
        String sub = j.text("subject", null);
        if (iss == null || sub == null) {
          continue;
        }
        if (!issuerNames.containsKey(iss)) {
          j.child("issuer").problem("expected an issuer listed under issuers, found " + iss);
        }
        Participant prev = byJwt.put(iss + "\u0000" + sub, p);
        if (prev != null) {
          j.child("subject").problem("this subject is registered to " + prev.id() + " too");
        }
      }
      for (Node c : n.list("certificates", false)) {
        if (!c.isObject()) {
          c.problem("expected {subject: <distinguished name>} or {san: <name>}");
          continue;
        }
        c.only("subject", "san");
        String subject = c.optionalText("subject");
        String san = c.optionalText("san");
        if ((subject == null) == (san == null)) {
          c.problem("expected exactly one of subject and san");
          continue;
        }
        String key;
        if (subject != null) {
          try {
            key = "dn:" + canonicalDn(subject);
          } catch (IllegalArgumentException e) {
            c.child("subject")
                .problem("expected a distinguished name (RFC 4514), found " + subject);
            continue;
          }
        } else {
          // DNS names match case-insensitively; e-mail addresses and URIs exactly
          key =
              "san:"
                  + (san.contains("@") || san.contains(":")
                      ? san
                      : san.toLowerCase(java.util.Locale.ROOT));
        }
        Participant prev = byCertificate.put(key, p);
        if (prev != null) {
          c.problem("this certificate name is registered to " + prev.id() + " too");
        }
      }
    }
    return new Participants(byId, byKeyHash, byJwt, byCertificate, List.copyOf(issuers));
  }

  /** The canonical form of a distinguished name, as certificates are matched by. */
  public static String canonicalDn(String dn) {
    return new javax.security.auth.x500.X500Principal(dn)
        .getName(javax.security.auth.x500.X500Principal.CANONICAL);
  }

  public Participant byId(String id) {
    return byId.get(id);
  }

  public java.util.Collection<Participant> all() {
    return byId.values();
  }

  public List<Issuer> issuers() {
    return issuers;
  }

  private record KeyHash(byte[] hash, Participant participant) {}

  private Map<String, List<KeyHash>> byKeyPrefix;

  private void indexKeys() {
    byKeyPrefix = new HashMap<>();
    for (Map.Entry<String, Participant> e : byKeyHash.entrySet()) {
      byKeyPrefix
          .computeIfAbsent(e.getKey().substring(0, 8), k -> new ArrayList<>())
          .add(new KeyHash(HexFormat.of().parseHex(e.getKey()), e.getValue()));
    }
  }

  /**
   * The participant holding API key {@code key}, or null. Only SHA-256 hashes are held: the first
   * 32 bits of the presented key's hash pick the candidates, whose whole hashes are compared in
   * constant time ({@link MessageDigest#isEqual}).
   */
  public Participant byApiKey(String key) {
    byte[] h = sha256(key);
    String hex = HexFormat.of().formatHex(h);
    Participant found = null;
    for (KeyHash k : byKeyPrefix.getOrDefault(hex.substring(0, 8), List.of())) {
      if (MessageDigest.isEqual(k.hash, h)) {
        found = k.participant;
      }
    }
    return found;
  }

  public Participant byJwt(String issuer, String subject) {
    return byJwt.get(issuer + "\u0000" + subject);
  }

  public Participant byCertificateSubject(String canonicalDn) {
    return byCertificate.get("dn:" + canonicalDn);
  }

  public Participant byCertificateSan(String san) {
    return byCertificate.get("san:" + san);
  }

  public static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String sha256Hex(String key) {
    return HexFormat.of().formatHex(sha256(key));
  }
}
