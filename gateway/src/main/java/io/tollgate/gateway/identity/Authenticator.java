package io.tollgate.gateway.identity;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the participant behind a request's credentials (统一身份): a client certificate verified by the
 * TLS handshake, an API key ({@code X-Api-Key} or {@code Authorization: Bearer}), or a JWT ({@code
 * Authorization: Bearer}) signed RS256 or ES256 by a trusted issuer, whose keys come from its JWKS
 * (file or URL, refreshed in the background, never fetched on the request path).
 *
 * <p>Refused: a token of {@code alg: none}, HS-anything (the algorithms are pinned per issuer to
 * asymmetric ones), a {@code jku}, {@code x5u}, {@code jwk} or {@code x5c} header (keys come only
 * from the configured JWKS), an encrypted token, an issuer not configured, a wrong audience, an
 * expired or not-yet-valid token beyond the issuer's clock skew. Verified tokens are cached until
 * they expire. Thread-safe.
 */
public final class Authenticator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);
  private static final int MAX_TOKEN_CHARS = 8192;

  /** Who called, or why nobody could be found. */
  public record Result(Participant participant, String via, String error) {
    static Result ok(Participant p, String via) {
      return new Result(p, via, null);
    }

    static Result fail(String error) {
      return new Result(null, null, error);
    }

    public boolean ok() {
      return participant != null;
    }
  }

  private record Verified(Participant participant, long expiresAtMillis) {}

  private final Participants participants;
  private final Map<String, IssuerState> issuers = new HashMap<>();
  private final Cache<String, Verified> verified;
  private final ScheduledExecutorService refresher;

  private static final class IssuerState {
    final Participants.Issuer config;
    volatile DefaultJWTProcessor<SecurityContext> processor;
    volatile String keys;

    IssuerState(Participants.Issuer config) {
      this.config = config;
    }
  }

  public Authenticator(Participants participants) {
    this.participants = participants;
    this.verified =
        Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfter(
                new Expiry<String, Verified>() {
                  @Override
                  public long expireAfterCreate(String k, Verified v, long now) {
                    return TimeUnit.MILLISECONDS.toNanos(
                        Math.max(0, v.expiresAtMillis - System.currentTimeMillis()));
                  }

                  @Override
                  public long expireAfterUpdate(String k, Verified v, long now, long d) {
                    return d;
                  }

                  @Override
                  public long expireAfterRead(String k, Verified v, long now, long d) {
                    return d;
                  }
                })
            .build();
    for (Participants.Issuer i : participants.issuers()) {
      IssuerState s = new IssuerState(i);
      issuers.put(i.issuer(), s);
      try {
        load(s);
      } catch (Exception e) {
        LOG.warn(
            "JWKS of {} not loaded yet ({}); its tokens are refused until it is",
            i.issuer(),
            e.toString());
      }
    }
    refresher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tollgate-jwks");
              t.setDaemon(true);
              return t;
            });
    if (!issuers.isEmpty()) {
      refresher.scheduleWithFixedDelay(this::refreshAll, 5, 5, TimeUnit.MINUTES);
    }
  }

  private void refreshAll() {
    for (IssuerState s : issuers.values()) {
      try {
        load(s);
      } catch (Exception e) {
        LOG.warn(
            "JWKS of {} not refreshed ({}); keeping the keys it had",
            s.config.issuer(),
            e.toString());
      }
    }
  }

  private static final HttpClient JWKS_CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private void load(IssuerState s) throws Exception {
    Participants.Issuer i = s.config;
    String text;
    if (i.jwks().startsWith("http://") || i.jwks().startsWith("https://")) {
      HttpResponse<String> r =
          JWKS_CLIENT.send(
              HttpRequest.newBuilder(URI.create(i.jwks())).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("GET " + i.jwks() + ": HTTP " + r.statusCode());
      }
      text = r.body();
    } else {
      text = Files.readString(Path.of(i.jwks()));
    }
    JWKSet set = JWKSet.parse(text);
    if (set.getKeys().stream().anyMatch(k -> k.isPrivate())) {
      LOG.warn("JWKS of {} holds private keys; only their public halves are used", i.issuer());
      set = set.toPublicJWKSet();
    }
    Set<JWSAlgorithm> algs = new HashSet<>();
    for (String a : i.algorithms()) {
      algs.add(JWSAlgorithm.parse(a));
    }
    DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
    p.setJWSTypeVerifier(
        (type, ctx) -> {
          if (type != null
              && !type.equals(JOSEObjectType.JWT)
              && !"at+jwt".equalsIgnoreCase(type.getType())) {
            throw new com.nimbusds.jose.proc.BadJOSEException("unexpected token type " + type);
          }
        });
    p.setJWSKeySelector(new JWSVerificationKeySelector<>(algs, new ImmutableJWKSet<>(set)));
    DefaultJWTClaimsVerifier<SecurityContext> claims =
        new DefaultJWTClaimsVerifier<>(
            i.audience(),
            new JWTClaimsSet.Builder().issuer(i.issuer()).build(),
            Set.of("sub", "exp"));
    claims.setMaxClockSkew((int) i.clockSkew().toSeconds());
    p.setJWTClaimsSetVerifier(claims);
    String keys = set.toString();
    if (s.keys != null && !s.keys.equals(keys)) {
      verified.invalidateAll(); // a key was rotated out: tokens it verified are verified again
    }
    s.keys = keys;
    s.processor = p;
  }

  /** The participant of a verified client certificate chain (the TLS handshake verified it). */
  public Result certificate(X509Certificate cert) {
    String dn = Participants.canonicalDn(cert.getSubjectX500Principal().getName());
    Participant p = participants.byCertificateSubject(dn);
    if (p != null) {
      return Result.ok(p, "certificate");
    }
    try {
      if (cert.getSubjectAlternativeNames() != null) {
        for (List<?> san : cert.getSubjectAlternativeNames()) {
          int type = (Integer) san.get(0);
          Object v = san.get(1);
          if (v instanceof String s && (type == 1 || type == 2 || type == 6)) {
            p = participants.byCertificateSan(type == 2 ? s.toLowerCase(java.util.Locale.ROOT) : s);
            if (p != null) {
              return Result.ok(p, "certificate");
            }
          }
        }
      }
    } catch (CertificateParsingException e) {
      return Result.fail("the client certificate's names cannot be read");
    }
    return Result.fail("the client certificate is not registered to a participant");
  }

  /** The participant of an API key. */
  public Result apiKey(String key) {
    if (key.isEmpty() || key.length() > 512) {
      return Result.fail("invalid API key");
    }
    Participant p = participants.byApiKey(key);
    return p == null ? Result.fail("unknown API key") : Result.ok(p, "api-key");
  }

  /** A bearer credential: a JWT if it looks like one, else an API key. */
  public Result bearer(String token) {
    if (token.length() > MAX_TOKEN_CHARS) {
      return Result.fail("bearer token too long");
    }
    int dots = 0;
    for (int i = 0; i < token.length(); i++) {
      if (token.charAt(i) == '.') {
        dots++;
      }
    }
    if (dots == 0) {
      return apiKey(token);
    }
    return jwt(token, dots);
  }

  private Result jwt(String token, int dots) {
    String cacheKey = Participants.sha256Hex(token);
    Verified v = verified.getIfPresent(cacheKey);
    if (v != null && v.expiresAtMillis > System.currentTimeMillis()) {
      return Result.ok(v.participant, "jwt");
    }
    if (dots == 4) {
      return Result.fail("encrypted tokens (JWE) are not accepted");
    }
    if (dots != 2) {
      return Result.fail("malformed token");
    }
    SignedJWT jwt;
    try {
      Object parsed = JWTParser.parse(token);
      if (!(parsed instanceof SignedJWT s)) {
        return Result.fail("unsigned tokens (alg: none) are not accepted");
      }
      jwt = s;
    } catch (java.text.ParseException e) {
      return Result.fail("malformed token");
    }
    JWSHeader h = jwt.getHeader();
    if (h.getJWKURL() != null
        || h.getX509CertURL() != null
        || h.getJWK() != null
        || h.getX509CertChain() != null) {
      return Result.fail("tokens naming their own keys (jku, x5u, jwk, x5c) are not accepted");
    }
    String issuer;
    try {
      issuer = jwt.getJWTClaimsSet().getIssuer();
    } catch (java.text.ParseException e) {
      return Result.fail("malformed token claims");
    }
    IssuerState s = issuer == null ? null : issuers.get(issuer);
    if (s == null) {
      return Result.fail("token issuer not trusted");
    }
    if (!s.config.algorithms().contains(h.getAlgorithm().getName())) {
      return Result.fail("token algorithm " + h.getAlgorithm() + " not accepted for this issuer");
    }
    DefaultJWTProcessor<SecurityContext> p = s.processor;
    if (p == null) {
      return Result.fail("the issuer's keys are not loaded");
    }
    JWTClaimsSet claims;
    try {
      claims = p.process(jwt, null);
    } catch (com.nimbusds.jose.proc.BadJOSEException | com.nimbusds.jose.JOSEException e) {
      LOG.debug("token of {} refused: {}", issuer, e.getMessage());
      return Result.fail("invalid token (signature, audience or validity)");
    }
    Participant who = participants.byJwt(issuer, claims.getSubject());
    if (who == null) {
      return Result.fail("token subject is not registered to a participant");
    }
    verified.put(cacheKey, new Verified(who, claims.getExpirationTime().getTime()));
    return Result.ok(who, "jwt");
  }

  @Override
  public void close() {
    refresher.shutdownNow();
  }
}
