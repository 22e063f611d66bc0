package io.tollgate.gateway.admin;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.contracts.ContractRecords;
import io.tollgate.gateway.config.GatewayConfig;
import io.tollgate.gateway.contracts.ContractFollower;
import io.tollgate.gateway.feedback.FeedbackSink;
import io.tollgate.gateway.http.Metrics;
import io.tollgate.gateway.http.Responses;
import io.tollgate.gateway.identity.Participants;
import io.tollgate.gateway.limits.SharedCounterStore;
import io.tollgate.policy.CompiledPolicy;
import io.tollgate.policy.Diagnostic;
import io.tollgate.policy.PolicyCompiler;
import io.tollgate.policy.PolicyException;
import io.tollgate.policy.source.SourceResult;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The control plane, on its own port: {@code /health}, {@code /ready} and {@code /metrics} for
 * probes and Prometheus; {@code /catalog} (统一目录); and, behind the admin bearer token, {@code GET
 * /contracts}, {@code POST /contracts} (a YAML contract: validated and compiled first, then written
 * to {@code tollgate.policies}, 策略下发) and {@code DELETE /contracts/{id}} (a tombstone).
 */
public final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private final GatewayConfig config;
  private final ContractFollower contracts;
  private final FeedbackSink feedback;
  private final Metrics metrics;
  private final KafkaProducer<byte[], byte[]> producer;
  private final Catalog catalog;
  private final SharedCounterStore shared;

  public AdminHandler(
      GatewayConfig config,
      ContractFollower contracts,
      FeedbackSink feedback,
      Metrics metrics,
      KafkaProducer<byte[], byte[]> producer,
      SharedCounterStore shared) {
    this.shared = shared;
    this.config = config;
    this.contracts = contracts;
    this.feedback = feedback;
    this.metrics = metrics;
    this.producer = producer;
    this.catalog = new Catalog(config, contracts);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    FullHttpResponse r;
    try {
      r = route(req);
    } catch (RuntimeException e) {
      r =
          Responses.error(
              HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal", String.valueOf(e.getMessage()));
    }
    boolean keep = HttpUtil.isKeepAlive(req) && req.decoderResult().isSuccess();
    if (!keep) {
      r.headers().set(HttpHeaderNames.CONNECTION, "close");
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.writeAndFlush(r);
    }
  }

  private FullHttpResponse route(FullHttpRequest req) {
    if (!req.decoderResult().isSuccess()) {
      return Responses.error(HttpResponseStatus.BAD_REQUEST, "bad-request", "malformed request");
    }
    String path = req.uri();
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    HttpMethod m = req.method();
    switch (path) {
      case "/health":
        return Responses.json(
            HttpResponseStatus.OK,
            "{\"status\":\"up\",\"kafka\":"
                + (feedback.kafkaUp() ? "\"up\"" : "\"down\"")
                + ",\"spoolBytes\":"
                + feedback.spoolBytes()
                + ",\"contractsFollowed\":"
                + (contracts.failure() == null)
                + ",\"redis\":"
                + (shared == null
                    ? "null"
                    : shared.fallback() ? "\"down: enforcing the local share\"" : "\"up\"")
                + "}");
      case "/ready":
        return contracts.ready()
            ? Responses.json(
                HttpResponseStatus.OK,
                "{\"ready\":true,\"contracts\":" + contracts.engine().size() + "}")
            : Responses.json(HttpResponseStatus.SERVICE_UNAVAILABLE, "{\"ready\":false}");
      case "/metrics":
        {
          FullHttpResponse r = Responses.json(HttpResponseStatus.OK, metrics.scrape());
          r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
          return r;
        }
      case "/catalog":
        {
          FullHttpResponse r = Responses.json(HttpResponseStatus.OK, catalog.jsonLd());
          r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/ld+json; charset=utf-8");
          return r;
        }
      default:
        break;
    }
    if (path.equals("/contracts") || path.startsWith("/contracts/")) {
      FullHttpResponse denied = authorize(req);
      if (denied != null) {
        return denied;
      }
      if (path.equals("/contracts") && m == HttpMethod.GET) {
        return list();
      }
      if (path.equals("/contracts") && m == HttpMethod.POST) {
        return publish(req.content().toString(StandardCharsets.UTF_8));
      }
      if (path.startsWith("/contracts/") && m == HttpMethod.DELETE) {
        return revoke(path.substring("/contracts/".length()));
      }
      return Responses.error(
          HttpResponseStatus.METHOD_NOT_ALLOWED, "method-not-allowed", m + " " + path);
    }
    return Responses.error(
        HttpResponseStatus.NOT_FOUND, "not-found", "no such admin endpoint: " + path);
  }

  private FullHttpResponse authorize(FullHttpRequest req) {
    if (config.adminTokenSha256() == null) {
      return Responses.error(
          HttpResponseStatus.FORBIDDEN,
          "no-admin-token",
          "contract management is off: set admin.tokenSha256 in the configuration");
    }
    String a = req.headers().get(HttpHeaderNames.AUTHORIZATION);
    if (a == null || !a.regionMatches(true, 0, "Bearer ", 0, 7)) {
      FullHttpResponse r =
          Responses.error(
              HttpResponseStatus.UNAUTHORIZED,
              "unauthenticated",
              "expected Authorization: Bearer <admin token>");
      r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"tollgate-admin\"");
      return r;
    }
    byte[] got = Participants.sha256(a.substring(7).trim());
    if (!MessageDigest.isEqual(got, HexFormat.of().parseHex(config.adminTokenSha256()))) {
      FullHttpResponse r =
          Responses.error(HttpResponseStatus.UNAUTHORIZED, "unauthenticated", "wrong admin token");
      r.headers()
          .set(
              HttpHeaderNames.WWW_AUTHENTICATE,
              "Bearer realm=\"tollgate-admin\", error=\"invalid_token\"");
      return r;
    }
    return null;
  }

  private FullHttpResponse list() {
    StringBuilder b = new StringBuilder("{\"contracts\":[");
    boolean first = true;
    for (ContractFollower.Entry e : contracts.entries()) {
      if (!first) {
        b.append(',');
      }
      first = false;
      b.append("{\"id\":")
          .append(Responses.quote(e.id()))
          .append(",\"version\":")
          .append(Responses.quote(e.version()))
          .append(",\"consumer\":")
          .append(Responses.quote(e.consumer()))
          .append(",\"dataset\":")
          .append(Responses.quote(e.dataset()))
          .append(",\"origin\":")
          .append(Responses.quote(e.origin()))
          .append(",\"publishedAt\":")
          .append(e.publishedAt())
          .append(",\"suspended\":")
          .append(Responses.quote(e.suspended()))
          .append('}');
    }
    return Responses.json(HttpResponseStatus.OK, b.append("]}").toString());
  }

  private FullHttpResponse publish(String text) {
    SourceResult read =
        io.tollgate.enforcement.contracts.ContractLoader.sourceForText(text)
            .read("request", null, text);
    if (!read.ok()) {
      return problems(read.diagnostics());
    }
    if (read.policies().size() != 1) {
      return Responses.error(
          HttpResponseStatus.BAD_REQUEST,
          "invalid-contract",
          "expected exactly one contract, found " + read.policies().size());
    }
    String id = read.policies().get(0).uid();
    CompiledPolicy p;
    try {
      p = ContractRecords.compile(new PolicyCompiler(), id, text, "request", null);
    } catch (PolicyException e) {
      return problems(e.diagnostics());
    }
    return write(
        id,
        text,
        "the contract",
        origin ->
            Responses.json(
                HttpResponseStatus.CREATED,
                "{\"id\":"
                    + Responses.quote(id)
                    + ",\"version\":"
                    + Responses.quote(p.version())
                    + ",\"origin\":"
                    + Responses.quote(origin)
                    + "}"));
  }

  /**
   * Writes one record of {@code tollgate.policies} (a contract, or a tombstone when {@code text} is
   * null) and answers with {@code answer} given where it landed, or 503 when Kafka cannot take it.
   */
  private FullHttpResponse write(
      String id,
      String text,
      String what,
      java.util.function.Function<String, FullHttpResponse> answer) {
    if (producer == null) {
      return Responses.error(
          HttpResponseStatus.SERVICE_UNAVAILABLE, "no-kafka", "no Kafka configured");
    }
    try {
      var md =
          producer
              .send(
                  new ProducerRecord<>(
                      Topics.POLICIES,
                      id.getBytes(StandardCharsets.UTF_8),
                      text == null ? null : text.getBytes(StandardCharsets.UTF_8)))
              .get(10, TimeUnit.SECONDS);
      return answer.apply(Topics.POLICIES + "/" + md.partition() + "@" + md.offset());
    } catch (Exception e) {
      return Responses.error(
          HttpResponseStatus.SERVICE_UNAVAILABLE,
          "kafka-unavailable",
          "could not write " + what + ": " + e);
    }
  }

  private FullHttpResponse revoke(String id) {
    if (id.isEmpty() || id.contains("/")) {
      return Responses.error(
          HttpResponseStatus.BAD_REQUEST, "bad-request", "expected /contracts/{id}");
    }
    return write(
        id,
        null,
        "the revocation",
        origin ->
            Responses.json(
                HttpResponseStatus.OK,
                "{\"revoked\":"
                    + Responses.quote(id)
                    + ",\"origin\":"
                    + Responses.quote(origin)
                    + "}"));
  }

  private static FullHttpResponse problems(java.util.List<Diagnostic> ds) {
    StringBuilder b =
        new StringBuilder(
            "{\"error\":\"invalid-contract\",\"message\":\"the contract does not compile\",\"problems\":[");
    for (int i = 0; i < ds.size(); i++) {
      Diagnostic d = ds.get(i);
      if (i > 0) {
        b.append(',');
      }
      b.append("{\"line\":")
          .append(d.line())
          .append(",\"column\":")
          .append(d.column())
          .append(",\"pointer\":")
          .append(Responses.quote(d.pointer()))
          .append(",\"message\":")
          .append(Responses.quote(d.message()))
          .append('}');
    }
    return Responses.json(HttpResponseStatus.BAD_REQUEST, b.append("]}").toString());
  }
}
