package io.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.dev.DemoUpstream;
import io.tollgate.dev.KafkaBroker;
import io.tollgate.dev.TopicAdmin;
import io.tollgate.enforcement.Topics;
import io.tollgate.gateway.config.GatewayConfig;
import io.tollgate.gateway.identity.Participants;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS with mutual TLS: a client certificate of the configured CA maps to its participant by
 * subject; one the participants file does not name is 401; one of another CA never completes the
 * handshake; without a certificate, an API key still identifies the caller. Certificates are made
 * with the machine's openssl.
 */
class GatewayTlsIT {
  @TempDir static Path dir;
  static KafkaBroker broker;
  static DemoUpstream upstream;
  static Gateway gateway;

  static void openssl(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(String.join(" ", cmd) + "\n" + out).isZero();
  }

  /** A CA, and certificates it signs (or another CA signs). */
  static void certificates() throws Exception {
    for (String ca : List.of("ca", "other-ca")) {
      openssl(
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:P-256",
          "-nodes",
          "-keyout",
          ca + ".key",
          "-out",
          ca + ".crt",
          "-days",
          "2",
          "-subj",
          "/CN=" + ca);
    }
    issue("server", "/CN=localhost", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost");
    issue("bank", "/C=CN/O=Example Bank/CN=bank-tls", "ca", "subjectAltName=DNS:bank.example");
    issue("stranger", "/CN=stranger", "ca", "subjectAltName=DNS:stranger.example");
    issue(
        "forged",
        "/C=CN/O=Example Bank/CN=bank-tls",
        "other-ca",
        "subjectAltName=DNS:bank.example");
  }

  static void issue(String name, String subject, String ca, String san) throws Exception {
    openssl(
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        name + ".key",
        "-out",
        name + ".csr",
        "-subj",
        subject);
    Files.writeString(dir.resolve(name + ".ext"), san + "\n");
    openssl(
        "x509",
        "-req",
        "-in",
        name + ".csr",
        "-CA",
        ca + ".crt",
        "-CAkey",
        ca + ".key",
        "-CAcreateserial",
        "-out",
        name + ".crt",
        "-days",
        "2",
        "-extfile",
        name + ".ext");
    openssl(
        "pkcs12",
        "-export",
        "-in",
        name + ".crt",
        "-inkey",
        name + ".key",
        "-out",
        name + ".p12",
        "-passout",
        "pass:test");
  }

  @BeforeAll
  static void start() throws Exception {
    certificates();
    broker = KafkaBroker.temporary(Path.of("target", "kafka-it").toAbsolutePath()).start();
    TopicAdmin.create(broker.bootstrapServers(), 2, (short) 1);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      String c =
          "contract: cr-tls\nprovider: p\nconsumer: bank-tls\ndataset: credit-report\n"
              + "actions: [read]\npurposes: [credit-assessment]\nchannels: [http]\n";
      producer
          .send(
              new ProducerRecord<>(
                  Topics.POLICIES,
                  "cr-tls".getBytes(StandardCharsets.UTF_8),
                  c.getBytes(StandardCharsets.UTF_8)))
          .get();
    }
    upstream = DemoUpstream.start("127.0.0.1", 0, 1);
    Files.writeString(
        dir.resolve("participants.yaml"),
        "participants:\n  - id: bank-tls\n    name: Example Bank\n"
            + "    apiKeys: [{sha256: "
            + Participants.sha256Hex("tls-key")
            + "}]\n"
            + "    certificates: [{subject: \"CN=bank-tls,O=Example Bank,C=CN\"}]\n");
    Files.writeString(
        dir.resolve("gateway.yaml"),
        "id: tls\nlisten: 127.0.0.1:0\nadmin: {listen: 127.0.0.1:0}\nkafka: {bootstrap: "
            + broker.bootstrapServers()
            + "}\n"
            + "tls: {certificate: server.crt, key: server.key, clientCa: ca.crt, clientAuth: optional}\n"
            + "participants: participants.yaml\nspool: {dir: spool}\ncatalog:\n  - dataset: credit-report\n"
            + "    prefix: /credit-report\n    upstream: http://127.0.0.1:"
            + upstream.port()
            + "/reports\n");
    gateway =
        new Gateway(GatewayConfig.read(dir.resolve("gateway.yaml"))).start(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  static HttpClient client(String keystore) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(dir.resolve("ca.crt"))) {
      trust.setCertificateEntry(
          "ca", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (keystore != null) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(dir.resolve(keystore + ".p12"))) {
        ks.load(in, "test".toCharArray());
      }
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, "test".toCharArray());
    }
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1).build();
  }

  static HttpResponse<String> get(HttpClient c, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create(
                    "https://127.0.0.1:" + gateway.port() + "/credit-report/91350100M000100Y43"))
            .header("X-Tollgate-Purpose", "credit-assessment");
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aRegisteredCertificateIdentifiesItsParticipant() throws Exception {
    HttpResponse<String> r = get(client("bank"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("X-Tollgate-Contract")).hasValue("cr-tls");
  }

  @Test
  void aCertificateNotRegisteredIs401() throws Exception {
    HttpResponse<String> r = get(client("stranger"));
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.body()).contains("not registered");
  }

  @Test
  void aCertificateOfAnotherCaIsRefused() throws Exception {
    int status;
    try {
      status = get(client("forged")).statusCode();
    } catch (java.io.IOException e) {
      status = -1; // the handshake failed: the gateway did not accept the chain
    }
    assertThat(status).isIn(-1, 401);
  }

  @Test
  void withoutACertificateAnApiKeyStillWorks() throws Exception {
    assertThat(get(client(null), "X-Api-Key", "tls-key").statusCode()).isEqualTo(200);
    assertThat(get(client(null)).statusCode()).isEqualTo(401);
  }
}
