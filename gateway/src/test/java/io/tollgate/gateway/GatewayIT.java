package io.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.dev.DemoUpstream;
import io.tollgate.dev.KafkaBroker;
import io.tollgate.dev.KafkaFacts;
import io.tollgate.dev.TopicAdmin;
import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.records.Pseudonyms;
import io.tollgate.gateway.config.GatewayConfig;
import io.tollgate.gateway.identity.Participants;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway over real HTTP on loopback, with a real upstream, a real broker and the contracts on
 * {@code tollgate.policies}: each outcome, each refusal, and the feedback they leave.
 */
class GatewayIT {
  static final String KEY = "demo-key-bank-of-pudong";
  static final String FINTECH_KEY = "demo-key-fintech-labs";
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CONTRACTS =
      """
      contract: cr-gw-bank
      provider: sh-credit-bureau
      consumer: bank-of-pudong
      dataset: credit-report
      actions: [read, query]
      purposes: [credit-assessment]
      fields:
        allow: [credit_code, name, rating, score, legal_rep_id]
        mask: {legal_rep_id: hash}
      channels: [http]
      limits: {rate: "1000/s"}
      price:
        tiers: {steps: [{upTo: 1000, amount: 0.01}, {amount: "0.005"}]}
        commission: {rate: 0.05}
      ---
      contract: cr-gw-fintech
      provider: sh-credit-bureau
      consumer: fintech-labs
      dataset: credit-report
      actions: [read]
      purposes: [credit-assessment]
      channels: [http]
      limits: {rate: "2/min"}
      ---
      contract: cr-gw-hostile
      provider: test
      consumer: bank-of-pudong
      dataset: hostile
      actions: [read]
      purposes: [credit-assessment]
      fields:
        mask: {legal_rep_id: redact}
      channels: [http]
      """;

  @TempDir static Path dir;
  static com.nimbusds.jose.jwk.RSAKey rsa;
  static com.nimbusds.jose.jwk.ECKey ec;
  static KafkaBroker broker;
  static KafkaFacts facts;
  static DemoUpstream upstream;
  static Gateway gateway;
  static HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    broker = KafkaBroker.temporary(Path.of("target", "kafka-it").toAbsolutePath()).start();
    TopicAdmin.create(broker.bootstrapServers(), 2, (short) 1);
    facts = new KafkaFacts(broker.bootstrapServers());
    try (KafkaProducer<byte[], byte[]> p = producer()) {
      for (String doc : CONTRACTS.split("---\n")) {
        String id =
            doc.lines()
                .filter(l -> l.startsWith("contract:"))
                .findFirst()
                .orElseThrow()
                .substring(9)
                .trim();
        p.send(
                new ProducerRecord<>(
                    Topics.POLICIES,
                    id.getBytes(StandardCharsets.UTF_8),
                    doc.getBytes(StandardCharsets.UTF_8)))
            .get();
      }
    }
    upstream = DemoUpstream.start("127.0.0.1", 0, 1);
    rsa = new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(2048).keyID("rsa-1").generate();
    ec =
        new com.nimbusds.jose.jwk.gen.ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_256)
            .keyID("ec-1")
            .generate();
    Files.writeString(
        dir.resolve("jwks.json"),
        new com.nimbusds.jose.jwk.JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString());
    Files.writeString(
        dir.resolve("participants.yaml"),
        "issuers:\n  - issuer: https://idp.example\n    jwks: jwks.json\n    audience: tollgate\n"
            + "    algorithms: [RS256, ES256]\n    clockSkew: 30s\n"
            + "participants:\n"
            + "  - id: bank-of-pudong\n    name: 浦东示例银行\n    creditCode: 91310115MA1K3YJ2X5\n"
            + "    apiKeys: [{sha256: "
            + Participants.sha256Hex(KEY)
            + "}]\n"
            + "    jwt: [{issuer: https://idp.example, subject: bank-client}]\n"
            + "  - id: fintech-labs\n    name: Fintech Labs\n    creditCode: 91350100M000100Y43\n"
            + "    apiKeys: [{sha256: "
            + Participants.sha256Hex(FINTECH_KEY)
            + "}]\n");
    Files.writeString(
        dir.resolve("gateway.yaml"),
        "id: it-1\nlisten: 127.0.0.1:0\nadmin: {listen: 127.0.0.1:0, tokenSha256: "
            + Participants.sha256Hex("admin-secret")
            + "}\n"
            + "kafka: {bootstrap: "
            + broker.bootstrapServers()
            + "}\n"
            + "participants: participants.yaml\n"
            + "limits: {requestTimeout: 2s, maxUriBytes: 2048, maxHeaderBytes: 4096, maxRequestBytes: 64KiB}\n"
            + "spool: {dir: spool}\n"
            + "catalog:\n"
            + "  - dataset: credit-report\n    provider: sh-credit-bureau\n    prefix: /credit-report\n"
            + "    upstream: http://127.0.0.1:"
            + upstream.port()
            + "/reports\n"
            + "    methods: [GET, HEAD, POST]\n"
            + "    timeouts: {connect: 1s, firstByte: 1s, total: 5s}\n"
            + "  - dataset: hostile\n    prefix: /hostile\n"
            + "    upstream: http://127.0.0.1:"
            + upstream.port()
            + "\n"
            + "    maxResponseBytes: 8MiB\n"
            + "    timeouts: {connect: 1s, firstByte: 1s, total: 5s}\n");
    gateway =
        new Gateway(GatewayConfig.read(dir.resolve("gateway.yaml"))).start(Duration.ofSeconds(30));
    assertThat(gateway.contracts().engine().size()).isEqualTo(3);
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    if (facts != null) {
      facts.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  static KafkaProducer<byte[], byte[]> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  static HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
            .timeout(Duration.ofSeconds(10));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Raw bytes to the gateway; the status line and what follows, as text. */
  static String raw(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(10_000);
      OutputStream o = s.getOutputStream();
      o.write(request.getBytes(StandardCharsets.ISO_8859_1));
      o.flush();
      InputStream in = s.getInputStream();
      return readResponse(in);
    }
  }

  /** One response, read as far as its framing says (not to the end of the connection). */
  static String readResponse(InputStream in) throws java.io.IOException {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      b.write(c);
      String t = b.toString(StandardCharsets.ISO_8859_1);
      int end = t.indexOf("\r\n\r\n");
      if (end < 0) {
        continue;
      }
      String head = t.substring(0, end).toLowerCase(java.util.Locale.ROOT);
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("content-length: *(\\d+)").matcher(head);
      if (m.find()) {
        b.write(in.readNBytes(Integer.parseInt(m.group(1))));
      } else if (head.contains("transfer-encoding: chunked")) {
        while (!b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n0\r\n\r\n")
            && (c = in.read()) >= 0) {
          b.write(c);
        }
      }
      break;
    }
    return new String(b.toByteArray(), StandardCharsets.UTF_8);
  }

  static int status(String rawResponse) {
    return Integer.parseInt(rawResponse.substring(9, 12));
  }

  @Test
  void aPermitIsForwardedProjectedAndMaskedLikeOnTheStream() throws Exception {
    HttpResponse<String> r =
        get(
            "/credit-report/91310115MA1K3YJ2X5",
            "X-Api-Key",
            KEY,
            "X-Tollgate-Purpose",
            "credit-assessment");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = JSON.readTree(r.body());
    List<String> names = new ArrayList<>();
    body.fieldNames().forEachRemaining(names::add);
    assertThat(names).containsExactly("credit_code", "name", "rating", "score", "legal_rep_id");
    String original =
        JSON.readTree(DemoUpstream.report("91310115MA1K3YJ2X5")).get("legal_rep_id").asText();
    assertThat(body.get("legal_rep_id").asText())
        .isEqualTo(
            new Pseudonyms(GatewayConfig.DEMO_MASK_KEY.getBytes(StandardCharsets.UTF_8))
                .of(original))
        .isNotEqualTo(original);
    assertThat(r.body()).doesNotContain(original).doesNotContain("legal_rep_phone");
    assertThat(r.headers().firstValue("X-Tollgate-Contract")).hasValue("cr-gw-bank");
    String callId = r.headers().firstValue("X-Tollgate-Call-Id").orElseThrow();
    JsonNode fb = feedback(callId);
    assertThat(fb.get("decision").asText()).isEqualTo("PERMIT");
    assertThat(fb.get("channel").asText()).isEqualTo("http");
    assertThat(fb.get("status").asInt()).isEqualTo(200);
    assertThat(fb.get("contract").asText()).isEqualTo("cr-gw-bank");
    assertThat(fb.get("bytes").asLong())
        .isEqualTo(r.body().getBytes(StandardCharsets.UTF_8).length);
    assertThat(fb.get("upstreamMs").asDouble()).isGreaterThanOrEqualTo(0);
  }

  @Test
  void aDenyIs403WithItsReasonsAndIsFedBack() throws Exception {
    HttpResponse<String> r =
        get(
            "/credit-report/91310115MA1K3YJ2X5",
            "X-Api-Key",
            KEY,
            "X-Tollgate-Purpose",
            "marketing");
    assertThat(r.statusCode()).isEqualTo(403);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("reasons").toString()).contains("purpose");
    JsonNode fb = feedback(body.get("callId").asText());
    assertThat(fb.get("decision").asText()).isEqualTo("DENY");
    assertThat(fb.get("status").asInt()).isEqualTo(403);
    assertThat(fb.get("upstreamMs").asInt()).isEqualTo(-1);
  }

  @Test
  void aThrottleIs429WithRetryAfterAndRateLimitHeaders() throws Exception {
    HttpResponse<String> last = null;
    for (int i = 0; i < 3; i++) {
      last =
          get(
              "/credit-report/91350100M000100Y43",
              "Authorization",
              "Bearer " + FINTECH_KEY,
              "X-Tollgate-Purpose",
              "credit-assessment");
    }
    assertThat(last.statusCode()).as(last.body()).isEqualTo(429);
    assertThat(last.headers().firstValue("Retry-After")).hasValue("30");
    assertThat(last.headers().firstValue("RateLimit-Limit")).hasValue("2");
    assertThat(last.headers().firstValue("RateLimit-Remaining")).hasValue("0");
  }

  @Test
  void missingUnknownAndMalformedCredentialsAre401() throws Exception {
    for (String[] h :
        new String[][] {
          {},
          {"X-Api-Key", "wrong"},
          {"Authorization", "Basic Zm9vOmJhcg=="},
          {"Authorization", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."},
        }) {
      HttpResponse<String> r = get("/credit-report/x", h);
      assertThat(r.statusCode()).as(String.join(" ", h)).isEqualTo(401);
      assertThat(r.headers().firstValue("WWW-Authenticate")).isPresent();
      assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("unauthenticated");
    }
  }

  @Test
  void unknownRoutesAre404AndPrefixesMatchOnSegments() throws Exception {
    assertThat(get("/credit-reportx/1", "X-Api-Key", KEY).statusCode()).isEqualTo(404);
    assertThat(get("/nothing", "X-Api-Key", KEY).statusCode()).isEqualTo(404);
  }

  @Test
  void hostilePathsAre400() throws Exception {
    for (String p :
        List.of(
            "/credit-report/../hostile/echo",
            "/credit-report/%2e%2e/hostile/echo",
            "/credit-report/a%2fb",
            "/credit-report/a%5cb",
            "/credit-report/a\\b",
            "/credit-report/a;x=1",
            "/credit-report/a%00",
            "/credit-report/%c0%ae%c0%ae/x",
            "/credit-report/a%01b",
            "/credit-report/../nothing",
            "/../credit-report/x")) {
      String r =
          raw(
              "GET "
                  + p
                  + " HTTP/1.1\r\nHost: t\r\nX-Api-Key: "
                  + KEY
                  + "\r\nConnection: close\r\n\r\n");
      assertThat(status(r)).as(p + ": " + r).isEqualTo(400);
    }
    // duplicate slashes collapse: still the dataset
    HttpResponse<String> ok =
        get(
            "//credit-report//91310115MA1K3YJ2X5",
            "X-Api-Key",
            KEY,
            "X-Tollgate-Purpose",
            "credit-assessment");
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
  }

  @Test
  void smugglingAndFramingTricksAre400() throws Exception {
    String auth = "X-Api-Key: " + KEY + "\r\n";
    List<String> bad =
        List.of(
            "POST /credit-report/x HTTP/1.1\r\nHost: t\r\n"
                + auth
                + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST /credit-report/x HTTP/1.1\r\nHost: t\r\n"
                + auth
                + "Content-Length: 4\r\nContent-Length: 4\r\n\r\nabcd",
            "POST /credit-report/x HTTP/1.1\r\nHost: t\r\n"
                + auth
                + "Content-Length: 4x\r\n\r\nabcd",
            "POST /credit-report/x HTTP/1.1\r\nHost: t\r\n"
                + auth
                + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
            "POST /credit-report/x HTTP/1.1\r\nHost: t\r\n"
                + auth
                + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
            "GET /credit-report/x HTTP/1.1\r\nHost: t\r\n" + auth + "Bad\u0001Name: v\r\n\r\n",
            "GET /credit-report/x HTTP/1.1\nHost: t\n" + auth.replace("\r\n", "\n") + "\n",
            "GET http://evil.example/credit-report/x HTTP/1.1\r\nHost: t\r\n" + auth + "\r\n",
            "GET /credit-report/x HTTP/1.1\r\n" + auth + "\r\n",
            "GET /credit-report/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n" + auth + "\r\n");
    for (String req : bad) {
      String r = raw(req);
      assertThat(r).as(req).startsWith("HTTP/1.1 400");
    }
  }

  @Test
  void oversizeUriHeadersAndBodyAre414431And413() throws Exception {
    String auth = "X-Api-Key: " + KEY + "\r\n";
    assertThat(
            status(
                raw(
                    "GET /credit-report/"
                        + "a".repeat(5000)
                        + " HTTP/1.1\r\nHost: t\r\n"
                        + auth
                        + "\r\n")))
        .isEqualTo(414);
    assertThat(
            status(
                raw(
                    "GET /credit-report/x HTTP/1.1\r\nHost: t\r\n"
                        + auth
                        + "X-Big: "
                        + "b".repeat(8000)
                        + "\r\n\r\n")))
        .isEqualTo(431);
    assertThat(
            status(
                raw(
                    "POST /credit-report/x HTTP/1.1\r\nHost: t\r\n"
                        + auth
                        + "Content-Length: 100000\r\n\r\n"
                        + "c".repeat(100000))))
        .isEqualTo(413);
  }

  @Test
  void spoofedIdentityAndHopHeadersNeverReachTheUpstream() throws Exception {
    HttpResponse<String> r =
        get(
            "/hostile/echo",
            "X-Api-Key",
            KEY,
            "X-Tollgate-Purpose",
            "credit-assessment",
            "X-Forwarded-For",
            "6.6.6.6",
            "X-Tollgate-Consumer",
            "someone-else",
            "X-Real-IP",
            "6.6.6.6",
            "Forwarded",
            "for=6.6.6.6",
            "X-HTTP-Method-Override",
            "DELETE");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode h = JSON.readTree(r.body()).get("headers");
    assertThat(r.body())
        .doesNotContain("6.6.6.6")
        .doesNotContain("someone-else")
        .doesNotContain(KEY);
    assertThat(h.get("x-forwarded-for").asText()).isEqualTo("127.0.0.1");
    assertThat(h.get("x-tollgate-consumer").asText()).isEqualTo("bank-of-pudong");
    assertThat(h.has("x-http-method-override")).isFalse();
    assertThat(h.has("x-api-key")).isFalse();
    assertThat(h.get("accept-encoding").asText()).isEqualTo("identity");
  }

  @Test
  void anUpgradeToH2cIsNeverSwitchedNorPassedOn() throws Exception {
    String r =
        raw(
            "GET /hostile/echo HTTP/1.1\r\nHost: t\r\nX-Api-Key: "
                + KEY
                + "\r\nX-Tollgate-Purpose: credit-assessment\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
    assertThat(r).startsWith("HTTP/1.1 200");
    assertThat(r.toLowerCase()).doesNotContain("\"upgrade\"").doesNotContain("http2-settings");
  }

  @Test
  void connectionCannotNominateTheCredentialAway() throws Exception {
    String r =
        raw(
            "GET /hostile/echo HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
                + KEY
                + "\r\nX-Tollgate-Purpose: credit-assessment\r\nConnection: close, Authorization\r\n\r\n");
    assertThat(status(r)).as(r).isEqualTo(200);
    assertThat(r).doesNotContain(KEY).containsIgnoringCase("connection: close");
  }

  @Test
  void bodiesThatCannotBeMaskedAre502AndNeverPassedThrough() throws Exception {
    for (String p : List.of("/hostile/gzip", "/hostile/text", "/hostile/deep?n=10000")) {
      HttpResponse<String> r = get(p, "X-Api-Key", KEY, "X-Tollgate-Purpose", "credit-assessment");
      assertThat(r.statusCode()).as(p + " " + r.body()).isEqualTo(502);
      assertThat(r.body()).doesNotContain("310115198001010000");
    }
  }

  @Test
  void aHugeStringIsCutAndTheGatewayLivesOn() throws Exception {
    String got;
    try {
      HttpResponse<String> r =
          get("/hostile/huge?mib=100", "X-Api-Key", KEY, "X-Tollgate-Purpose", "credit-assessment");
      got = r.statusCode() + " " + r.body().length();
    } catch (java.io.IOException e) {
      got = "cut: " + e;
    }
    assertThat(got).doesNotStartWith("200");
    assertThat(
            get(
                    "/credit-report/91310115MA1K3YJ2X5",
                    "X-Api-Key",
                    KEY,
                    "X-Tollgate-Purpose",
                    "credit-assessment")
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void aSlowUpstreamIs504AndFedBack() throws Exception {
    HttpResponse<String> r =
        get("/hostile/slow?ms=3000", "X-Api-Key", KEY, "X-Tollgate-Purpose", "credit-assessment");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(504);
    JsonNode fb = feedback(r.headers().firstValue("X-Tollgate-Call-Id").orElseThrow());
    assertThat(fb.get("status").asInt()).isEqualTo(504);
    assertThat(fb.get("decision").asText()).isEqualTo("PERMIT");
  }

  @Test
  void aSlowClientIsCutOff() throws Exception {
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              "GET /credit-report/x HTTP/1.1\r\nHost: t\r\n".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      String r = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(r).startsWith("HTTP/1.1 408");
    }
  }

  static String token(
      com.nimbusds.jose.JWSHeader header,
      com.nimbusds.jose.JWSSigner signer,
      String issuer,
      String audience,
      long expiresInSeconds)
      throws Exception {
    com.nimbusds.jwt.JWTClaimsSet claims =
        new com.nimbusds.jwt.JWTClaimsSet.Builder()
            .issuer(issuer)
            .subject("bank-client")
            .audience(audience)
            .expirationTime(
                new java.util.Date(System.currentTimeMillis() + expiresInSeconds * 1000))
            .issueTime(new java.util.Date())
            .build();
    com.nimbusds.jwt.SignedJWT jwt = new com.nimbusds.jwt.SignedJWT(header, claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  static String lastJwtBody;

  static int withToken(String token) throws Exception {
    HttpResponse<String> r =
        get(
            "/credit-report/91310115MA1K3YJ2X5",
            "Authorization",
            "Bearer " + token,
            "X-Tollgate-Purpose",
            "credit-assessment");
    lastJwtBody = r.body();
    if (r.statusCode() != 200) {
      assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
      assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("unauthenticated");
    }
    return r.statusCode();
  }

  @Test
  void jwtsOfTheTrustedIssuerPassAndEveryForgeryIs401() throws Exception {
    var rs =
        new com.nimbusds.jose.JWSHeader.Builder(com.nimbusds.jose.JWSAlgorithm.RS256)
            .keyID("rsa-1")
            .build();
    var es =
        new com.nimbusds.jose.JWSHeader.Builder(com.nimbusds.jose.JWSAlgorithm.ES256)
            .keyID("ec-1")
            .build();
    var rsaSigner = new com.nimbusds.jose.crypto.RSASSASigner(rsa);
    var ecSigner = new com.nimbusds.jose.crypto.ECDSASigner(ec);
    int rsStatus = withToken(token(rs, rsaSigner, "https://idp.example", "tollgate", 300));
    assertThat(rsStatus).as(lastJwtBody).isEqualTo(200);
    int esStatus = withToken(token(es, ecSigner, "https://idp.example", "tollgate", 300));
    assertThat(esStatus).as(lastJwtBody).isEqualTo(200);

    var other = new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(2048).keyID("rsa-1").generate();
    assertThat(
            withToken(
                token(
                    rs,
                    new com.nimbusds.jose.crypto.RSASSASigner(other),
                    "https://idp.example",
                    "tollgate",
                    300)))
        .as("forged signature")
        .isEqualTo(401);
    assertThat(withToken(token(rs, rsaSigner, "https://idp.example", "tollgate", -120)))
        .as("expired")
        .isEqualTo(401);
    assertThat(withToken(token(rs, rsaSigner, "https://idp.example", "someone-else", 300)))
        .as("audience")
        .isEqualTo(401);
    assertThat(withToken(token(rs, rsaSigner, "https://evil.example", "tollgate", 300)))
        .as("issuer")
        .isEqualTo(401);
    // HS256 keyed with the issuer's public key (the algorithm-confusion attack)
    var hs =
        new com.nimbusds.jose.JWSHeader.Builder(com.nimbusds.jose.JWSAlgorithm.HS256)
            .keyID("rsa-1")
            .build();
    byte[] pub = rsa.toPublicKey().getEncoded();
    byte[] secret = java.util.Arrays.copyOf(pub, Math.max(32, pub.length));
    assertThat(
            withToken(
                token(
                    hs,
                    new com.nimbusds.jose.crypto.MACSigner(secret),
                    "https://idp.example",
                    "tollgate",
                    300)))
        .as("HS256 with the public key")
        .isEqualTo(401);
    var jku =
        new com.nimbusds.jose.JWSHeader.Builder(com.nimbusds.jose.JWSAlgorithm.RS256)
            .keyID("rsa-1")
            .jwkURL(URI.create("https://evil.example/jwks.json"))
            .build();
    assertThat(withToken(token(jku, rsaSigner, "https://idp.example", "tollgate", 300)))
        .as("jku")
        .isEqualTo(401);
    assertThat(withToken("eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d"))
        .as("JWE")
        .isEqualTo(401);
    String none =
        java.util.Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + java.util.Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                    ("{\"iss\":\"https://idp.example\",\"sub\":\"bank-client\",\"aud\":\"tollgate\",\"exp\":"
                            + (System.currentTimeMillis() / 1000 + 300)
                            + "}")
                        .getBytes(StandardCharsets.UTF_8))
            + ".";
    assertThat(withToken(none)).as("alg none").isEqualTo(401);
  }

  @Test
  void aRevocationIsEnforcedWithinASecond() throws Exception {
    String contract =
        "contract: cr-gw-revoke\nprovider: p\nconsumer: fintech-labs\ndataset: hostile\n"
            + "actions: [read]\npurposes: [credit-assessment]\nchannels: [http]\n";
    HttpRequest publish =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/contracts"))
            .header("Authorization", "Bearer admin-secret")
            .POST(HttpRequest.BodyPublishers.ofString(contract))
            .build();
    HttpResponse<String> pr = http.send(publish, HttpResponse.BodyHandlers.ofString());
    assertThat(pr.statusCode()).as(pr.body()).isEqualTo(201);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    int status = 0;
    while (System.nanoTime() < deadline
        && (status =
                get(
                        "/hostile/echo",
                        "X-Api-Key",
                        FINTECH_KEY,
                        "X-Tollgate-Purpose",
                        "credit-assessment")
                    .statusCode())
            != 200) {
      Thread.sleep(10);
    }
    assertThat(status).isEqualTo(200);
    HttpRequest revoke =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + gateway.adminPort() + "/contracts/cr-gw-revoke"))
            .header("Authorization", "Bearer admin-secret")
            .DELETE()
            .build();
    long start = System.nanoTime();
    assertThat(http.send(revoke, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    while ((status =
                get(
                        "/hostile/echo",
                        "X-Api-Key",
                        FINTECH_KEY,
                        "X-Tollgate-Purpose",
                        "credit-assessment")
                    .statusCode())
            == 200
        && System.nanoTime() - start < Duration.ofSeconds(30).toNanos()) {
      Thread.sleep(5);
    }
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(status).isEqualTo(403);
    System.out.println("revocation: publish to first 403 took " + ms + " ms");
  }

  @Test
  void theControlPlaneTakesAnOdrlAgreementAndEnforcesIt() throws Exception {
    // an ODRL 2.2 Agreement in JSON-LD, as a connector would send it (docs/odrl.md)
    String odrl =
        "{\"@context\": \"http://www.w3.org/ns/odrl.jsonld\", \"@type\": \"Agreement\","
            + " \"uid\": \"cr-gw-odrl\", \"assigner\": \"p\", \"assignee\": \"fintech-labs\","
            + " \"target\": \"hostile\", \"permission\": [{\"action\": \"read\", \"constraint\": ["
            + "{\"leftOperand\": \"purpose\", \"operator\": \"eq\", \"rightOperand\": \"odrl-check\"},"
            + "{\"leftOperand\": \"deliveryChannel\", \"operator\": \"isAnyOf\", \"rightOperand\": [\"http\"]}]}]}";
    HttpRequest publish =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/contracts"))
            .header("Authorization", "Bearer admin-secret")
            .POST(HttpRequest.BodyPublishers.ofString(odrl))
            .build();
    HttpResponse<String> pr = http.send(publish, HttpResponse.BodyHandlers.ofString());
    assertThat(pr.statusCode()).as(pr.body()).isEqualTo(201);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    int status = 0;
    while (System.nanoTime() < deadline
        && (status =
                get("/hostile/echo", "X-Api-Key", FINTECH_KEY, "X-Tollgate-Purpose", "odrl-check")
                    .statusCode())
            != 200) {
      Thread.sleep(10);
    }
    assertThat(status).isEqualTo(200);
    assertThat(
            get("/hostile/echo", "X-Api-Key", FINTECH_KEY, "X-Tollgate-Purpose", "marketing")
                .statusCode())
        .isEqualTo(403);
    // a constraint the engine cannot evaluate is refused with its place, never ignored
    HttpRequest unknown =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/contracts"))
            .header("Authorization", "Bearer admin-secret")
            .POST(
                HttpRequest.BodyPublishers.ofString(odrl.replace("\"purpose\"", "\"temperature\"")))
            .build();
    HttpResponse<String> ur = http.send(unknown, HttpResponse.BodyHandlers.ofString());
    assertThat(ur.statusCode()).isEqualTo(400);
    assertThat(ur.body())
        .contains("/permission/0/constraint/0/leftOperand")
        .contains("temperature");
    HttpRequest revoke =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + gateway.adminPort() + "/contracts/cr-gw-odrl"))
            .header("Authorization", "Bearer admin-secret")
            .DELETE()
            .build();
    assertThat(http.send(revoke, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
  }

  @Test
  void theControlPlaneRefusesBadContractsWithPositionsAndUnknownTokens() throws Exception {
    HttpRequest bad =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/contracts"))
            .header("Authorization", "Bearer admin-secret")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "contract: x\nprovider: p\nconsumer: c\ndataset: d\nactions: [fly]\n"))
            .build();
    HttpResponse<String> r = http.send(bad, HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode p = JSON.readTree(r.body()).get("problems").get(0);
    assertThat(p.get("line").asInt()).isEqualTo(5);
    assertThat(p.get("pointer").asText()).startsWith("/actions");
    HttpRequest noToken =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/contracts"))
            .build();
    assertThat(http.send(noToken, HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(401);
    assertThat(get("/credit-report/x").statusCode()).isEqualTo(401);
    HttpResponse<String> ready =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/ready"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(ready.statusCode()).isEqualTo(200);
    HttpResponse<String> metrics =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + gateway.adminPort() + "/metrics"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> catalog =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + gateway.adminPort() + "/catalog"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode ds = JSON.readTree(catalog.body()).get("dcat:dataset").get(0);
    assertThat(ds.get("dct:identifier").asText()).isEqualTo("credit-report");
    JsonNode bank = null;
    for (JsonNode pol : ds.get("odrl:hasPolicy")) {
      if (pol.get("odrl:assignee").asText().equals("bank-of-pudong")) {
        bank = pol;
      }
    }
    assertThat(bank).isNotNull();
    assertThat(bank.get("tollgate:purposes").toString()).isEqualTo("[\"credit-assessment\"]");
    assertThat(bank.get("tollgate:limits").get("rate").asText()).isEqualTo("1000/1000ms");
    JsonNode price = bank.get("tollgate:price");
    assertThat(price.get("currency").asText()).isEqualTo("CNY");
    assertThat(price.get("tiers").get("mode").asText()).isEqualTo("graduated");
    assertThat(price.get("tiers").get("steps").get(0).get("upTo").asLong()).isEqualTo(1000);
    assertThat(price.get("tiers").get("steps").get(1).get("amount").asText()).isEqualTo("0.005");
    assertThat(price.has("amount")).isFalse();
    assertThat(metrics.body())
        .contains("tollgate_gateway_decisions_total")
        .contains("tollgate_gateway_spool_bytes");
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderEvenWhenOneIsTooLarge() throws Exception {
    String r =
        rawAll(
            "GET /hostile/slow?ms=600 HTTP/1.1\r\nHost: t\r\nX-Api-Key: "
                + KEY
                + "\r\nX-Tollgate-Purpose: credit-assessment\r\n\r\n"
                + "POST /hostile/echo HTTP/1.1\r\nHost: t\r\nX-Api-Key: "
                + KEY
                + "\r\nContent-Length: 100000\r\n\r\n"
                + "c".repeat(100000));
    int first = r.indexOf("HTTP/1.1 ");
    int second = r.indexOf("HTTP/1.1 ", first + 1);
    assertThat(r.substring(first, first + 12)).as(r).isEqualTo("HTTP/1.1 200");
    assertThat(second).as(r).isPositive();
    assertThat(r.substring(second, second + 12)).isEqualTo("HTTP/1.1 413");
    assertThat(r.substring(second)).contains("body-too-large");
  }

  @Test
  void aNextRequestLeftUnfinishedWhileOneIsServedIsCutOffAfterIt() throws Exception {
    // the first is answered in full; the second, begun while the first was served, never ends
    String r =
        rawAll(
            "GET /hostile/slow?ms=500 HTTP/1.1\r\nHost: t\r\nX-Api-Key: "
                + KEY
                + "\r\nX-Tollgate-Purpose: credit-assessment\r\n\r\n"
                + "GET /credit-report/x HTTP/1.1\r\nHost: t\r\n");
    int first = r.indexOf("HTTP/1.1 ");
    int second = r.indexOf("HTTP/1.1 ", first + 1);
    assertThat(r.substring(first, first + 12)).as(r).isEqualTo("HTTP/1.1 200");
    assertThat(second).as(r).isPositive();
    assertThat(r.substring(second, second + 12)).isEqualTo("HTTP/1.1 408");
    assertThat(r.substring(second)).contains("request-timeout");
  }

  @Test
  void aNextRequestThatRunsOutOfTimeWhileOneIsServedIs408AfterIt() throws Exception {
    // a second gateway whose request clock (500 ms) is shorter than its upstream's answer (900 ms)
    String yaml =
        Files.readString(dir.resolve("gateway.yaml"))
            .replace("id: it-1", "id: it-2")
            .replace("requestTimeout: 2s", "requestTimeout: 500ms")
            .replace("spool: {dir: spool}", "spool: {dir: spool-it-2}");
    Files.writeString(dir.resolve("gateway-2.yaml"), yaml);
    try (Gateway g =
            new Gateway(GatewayConfig.read(dir.resolve("gateway-2.yaml")))
                .start(Duration.ofSeconds(30));
        Socket s = new Socket("127.0.0.1", g.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              ("GET /hostile/slow?ms=900 HTTP/1.1\r\nHost: t\r\nX-Api-Key: "
                      + KEY
                      + "\r\nX-Tollgate-Purpose: credit-assessment\r\n\r\n"
                      + "GET /credit-report/x HTTP/1.1\r\nHost: t\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      String r = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int first = r.indexOf("HTTP/1.1 ");
      int second = r.indexOf("HTTP/1.1 ", first + 1);
      assertThat(r.substring(first, first + 12)).as(r).isEqualTo("HTTP/1.1 200");
      assertThat(second).as("the 408 comes after the whole first response: " + r).isPositive();
      assertThat(r.substring(second, second + 12)).isEqualTo("HTTP/1.1 408");
    }
  }

  @Test
  void aConnectionReadsOnAfterPipelinedRequests() throws Exception {
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(10_000);
      String get =
          "GET /hostile/slow?ms=200 HTTP/1.1\r\nHost: t\r\nX-Api-Key: "
              + KEY
              + "\r\nX-Tollgate-Purpose: credit-assessment\r\n\r\n";
      OutputStream o = s.getOutputStream();
      o.write((get + get + get).getBytes(StandardCharsets.ISO_8859_1)); // two wait their turn
      o.flush();
      InputStream in = s.getInputStream();
      for (int i = 0; i < 3; i++) {
        assertThat(readResponse(in)).startsWith("HTTP/1.1 200");
      }
      // the queue is empty: reading went back on, and a later request on the same connection is
      // served (a connection left with reads off would stall here until the socket timeout)
      o.write(get.getBytes(StandardCharsets.ISO_8859_1));
      o.flush();
      assertThat(readResponse(in)).startsWith("HTTP/1.1 200");
    }
  }

  /** Everything the gateway sends until it closes the connection. */
  static String rawAll(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void anIdleKeepAliveConnectionIsNotToldItTimedOut() throws Exception {
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(10_000);
      String req =
          "GET /credit-report/91310115MA1K3YJ2X5 HTTP/1.1\r\nHost: t\r\nX-Api-Key: "
              + KEY
              + "\r\nX-Tollgate-Purpose: credit-assessment\r\n\r\n";
      s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
      assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 200");
      Thread.sleep(3000); // longer than the request timeout (2 s), shorter than the idle timeout
      s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
      assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void anHttp10ClientGetsNoChunkedBody() throws Exception {
    String r =
        rawAll(
            "GET /credit-report/91310115MA1K3YJ2X5 HTTP/1.0\r\nHost: t\r\nX-Api-Key: "
                + KEY
                + "\r\nX-Tollgate-Purpose: credit-assessment\r\n\r\n");
    assertThat(r).startsWith("HTTP/1.1 200");
    assertThat(r.toLowerCase()).doesNotContain("transfer-encoding").contains("connection: close");
    assertThat(r).contains("\"credit_code\":\"91310115MA1K3YJ2X5\"").endsWith("}");
  }

  @Test
  void anErrorBodyOnAMaskingRouteIsMaskedToo() throws Exception {
    HttpResponse<String> r =
        get("/hostile/conflict", "X-Api-Key", KEY, "X-Tollgate-Purpose", "credit-assessment");
    assertThat(r.statusCode()).isEqualTo(409);
    assertThat(JSON.readTree(r.body()).get("legal_rep_id").asText()).isEqualTo("[redacted]");
    assertThat(r.headers().firstValue("ETag")).isEmpty();
  }

  @Test
  void encodedParameterNamesAndRepeatedPolicyHeadersCannotSlipPast() throws Exception {
    HttpResponse<String> encoded =
        get(
            "/credit-report/91310115MA1K3YJ2X5?%66ields=legal_rep_phone",
            "X-Api-Key", KEY, "X-Tollgate-Purpose", "credit-assessment");
    assertThat(encoded.statusCode()).as(encoded.body()).isEqualTo(403);
    assertThat(encoded.body()).contains("fields");
    String twice =
        raw(
            "GET /credit-report/x HTTP/1.1\r\nHost: t\r\nX-Api-Key: "
                + KEY
                + "\r\nX-Tollgate-Purpose: credit-assessment\r\nX-Tollgate-Purpose: marketing\r\n\r\n");
    assertThat(status(twice)).isEqualTo(400);
  }

  /** The feedback event of a call, read committed from tollgate.feedback. */
  static JsonNode feedback(String callId) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
      facts.readAll(Topics.FEEDBACK, IsolationLevel.READ_COMMITTED, all::add);
      for (ConsumerRecord<byte[], byte[]> r : all) {
        JsonNode n = JSON.readTree(r.value());
        if (callId.equals(n.get("callId").asText())) {
          return n;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no feedback for " + callId);
  }
}
