package io.tollgate.gateway.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.tollgate.enforcement.records.CallRecord;
import io.tollgate.enforcement.records.StreamingPayloadFilter;
import io.tollgate.gateway.config.Route;
import io.tollgate.gateway.identity.Authenticator;
import io.tollgate.policy.Action;
import io.tollgate.policy.CompiledPolicy;
import io.tollgate.policy.Decision;
import io.tollgate.policy.Obligations;
import io.tollgate.policy.Outcome;
import io.tollgate.policy.PolicyEngine;
import io.tollgate.policy.Reason;
import io.tollgate.policy.spi.LimitSpec;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: each request is checked, authenticated, routed, decided, throttled,
 * forwarded over a pooled keep-alive upstream connection of this event loop, its response trimmed
 * to what the contract allows as it streams, and fed back. Requests of one connection are served in
 * order, one at a time (pipelined ones wait in a short queue).
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyHandler.class);
  private static final int MAX_PIPELINED = 16;

  /** Request headers that claim identity, a decision or a hop, and are never passed on. */
  private static boolean untrusted(String lower) {
    if (lower.startsWith("x-tollgate-")) {
      return true;
    }
    if (lower.startsWith("x-forwarded-") || lower.startsWith("x-original-")) {
      return true;
    }
    switch (lower) {
      case "forwarded",
      "x-real-ip",
      "x-http-method-override",
      "x-http-method",
      "x-method-override",
      "authorization",
      "x-api-key",
      "host",
      "proxy-authorization",
      "x-client-ip",
      "true-client-ip",
      "cf-connecting-ip",
      "x-rewrite-url",
      "x-proxyuser-ip",
      "via":
        return true;
      default:
        return false;
    }
  }

  /** The header names a message's {@code Connection} header lists (hop-by-hop, RFC 9110 §7.6.1). */
  private static java.util.Set<String> nominated(HttpHeaders in) {
    java.util.Set<String> names = new java.util.HashSet<>();
    for (String c : in.getAll(HttpHeaderNames.CONNECTION)) {
      for (String t : c.split(",")) {
        names.add(t.trim().toLowerCase(Locale.ROOT));
      }
    }
    return names;
  }

  private static boolean hopByHop(String lower) {
    switch (lower) {
      case "connection",
      "keep-alive",
      "proxy-connection",
      "te",
      "trailer",
      "transfer-encoding",
      "upgrade",
      "proxy-authenticate",
      "proxy-authorization":
        return true;
      default:
        return false;
    }
  }

  private final GatewayContext gw;
  private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private Exchange current;

  ProxyHandler(GatewayContext gw) {
    this.gw = gw;
  }

  /** One request in flight. */
  private final class Exchange {
    final FullHttpRequest request;
    boolean keepAlive;
    final boolean head;
    final long startNanos = System.nanoTime();
    String callId;
    String path;
    long decisionTime;
    Route route;
    CallRecord record;
    Outcome outcome;
    int reasons;
    String contract;
    String version;
    String provider;
    String[] project;
    Obligations.Mask[] masks;
    Channel upstream;
    String upstreamKey;
    long forwardedNanos;
    long upstreamNanos = -1;
    boolean responseStarted;
    boolean upstreamKeepAlive;
    StreamingPayloadFilter filter;
    long bodyIn;
    long bodyOut;
    int status;
    boolean done;
    HttpResponse pendingHead;
    DefaultFullHttpRequest outbound;
    boolean retryable;
    boolean reused;
    boolean retried;
    boolean responseSeen;
    boolean informational;
    ScheduledFuture<?> firstByte;
    ScheduledFuture<?> total;

    ProxyHandler owner() {
      return ProxyHandler.this;
    }

    Exchange(FullHttpRequest request) {
      this.request = request;
      this.keepAlive = keepAlive(request);
      this.head = request.method() == HttpMethod.HEAD;
    }
  }

  /** HTTP/1.1 keeps the connection unless a Connection token says close; HTTP/1.0 the reverse. */
  private static boolean keepAlive(FullHttpRequest req) {
    java.util.Set<String> tokens = nominated(req.headers());
    boolean keep = tokens.contains("keep-alive");
    if (tokens.contains("close")) {
      return false;
    }
    return req.protocolVersion() == HttpVersion.HTTP_1_1 || keep;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  private ProxyPipeline.RequestClock clock() {
    return (ProxyPipeline.RequestClock) ctx.pipeline().get("clock");
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt == ProxyPipeline.REQUEST_TIMEOUT) {
      if (current != null || !waiting.isEmpty()) {
        nextTimedOut = true; // the next request's bytes came too slowly: 408 once this one ends
      } else {
        requestTimeout();
      }
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  /** The request being read when the previous one ended ran out of time. */
  private boolean nextTimedOut;

  private void requestTimeout() {
    if (!ctx.channel().isActive() || closing) {
      return;
    }
    gw.metrics.refused("request-timeout");
    FullHttpResponse r =
        Responses.error(
            HttpResponseStatus.REQUEST_TIMEOUT,
            "request-timeout",
            "the request did not arrive in time");
    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (closing) {
      ReferenceCountUtil.release(msg); // lingering: read and dropped
      return;
    }
    FullHttpRequest req;
    if (msg instanceof FullHttpRequest r) {
      req = r;
    } else if (msg instanceof ProxyPipeline.Oversized o
        && o.request instanceof io.netty.handler.codec.http.HttpRequest h) {
      // answered in its turn, after the requests before it
      req =
          new DefaultFullHttpRequest(
              h.protocolVersion(), h.method(), h.uri(), Unpooled.EMPTY_BUFFER);
      req.headers().set(h.headers());
      req.headers().set(OVERSIZED, "1");
      ReferenceCountUtil.release(msg);
    } else {
      ReferenceCountUtil.release(msg);
      return;
    }
    ProxyPipeline.RequestClock clock = clock();
    if (clock != null) {
      clock.received();
    }
    // requests arrive in order: one that arrives after a clock ran out is the late one, which came
    // after all and is served in its turn
    nextTimedOut = false;
    if (current != null) {
      if (waiting.size() >= MAX_PIPELINED) {
        req.release();
        ctx.close();
        return;
      }
      // pipelined: it waits its turn, and nothing more is read until the queue drains, so a client
      // cannot pile requests up (reading stays on otherwise: turning it off and on again for every
      // request cost two epoll_ctl calls per request)
      waiting.add(req);
      ctx.channel().config().setAutoRead(false);
      if (clock != null) {
        clock.pause(); // a request begun behind it waits for the gateway, not for its client
      }
      return;
    }
    serve(req);
  }

  /**
   * Marks a request the aggregator found over the size limit (a header of ours, never forwarded).
   */
  private static final String OVERSIZED = "x-tollgate-internal-oversized";

  private void serve(FullHttpRequest req) {
    if (!ctx.channel().isActive()) {
      req.release(); // the client left while it waited
      return;
    }
    Exchange x = new Exchange(req);
    current = x;
    try {
      handle(x);
    } catch (RuntimeException e) {
      LOG.error("request failed", e);
      if (!x.responseStarted) {
        reply(
            x,
            Responses.error(
                HttpResponseStatus.INTERNAL_SERVER_ERROR,
                "internal",
                "the gateway failed on this request"),
            true);
      } else {
        abort(x);
      }
    }
  }

  private void handle(Exchange x) {
    FullHttpRequest req = x.request;
    if (!req.decoderResult().isSuccess()) {
      Throwable c = req.decoderResult().cause();
      if (c instanceof TooLongHttpLineException) {
        refuse(
            x,
            HttpResponseStatus.REQUEST_URI_TOO_LONG,
            "uri-too-long",
            "the request line is longer than " + gw.config.limits().maxUriBytes() + " bytes");
      } else if (c instanceof TooLongHttpHeaderException) {
        refuse(
            x,
            HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers-too-large",
            "the request headers are larger than "
                + gw.config.limits().maxHeaderBytes()
                + " bytes");
      } else if (c instanceof TooLongFrameException) {
        refuse(
            x,
            HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
            "body-too-large",
            "the request body is too large");
      } else {
        refuse(
            x,
            HttpResponseStatus.BAD_REQUEST,
            "bad-request",
            "malformed request: " + c.getMessage());
      }
      return;
    }
    if (req.headers().contains(OVERSIZED)) {
      refuse(
          x,
          HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
          "body-too-large",
          "the request body is larger than " + gw.config.limits().maxRequestBytes() + " bytes");
      return;
    }
    String problem = checkFraming(req);
    if (problem == null
        && (req.headers().getAll("X-Tollgate-Purpose").size() > 1
            || req.headers().getAll("X-Tollgate-Region").size() > 1)) {
      problem = "expected X-Tollgate-Purpose and X-Tollgate-Region once each";
    }
    if (problem != null) {
      refuse(x, HttpResponseStatus.BAD_REQUEST, "bad-request", problem);
      return;
    }
    String uri = req.uri();
    int q = uri.indexOf('?');
    String rawPath = q < 0 ? uri : uri.substring(0, q);
    String query = q < 0 ? null : uri.substring(q + 1);
    if (query != null) {
      for (int i = 0; i < query.length(); i++) {
        char c = query.charAt(i);
        if (c < 0x21 || c >= 0x7f || c == '#') {
          refuse(
              x,
              HttpResponseStatus.BAD_REQUEST,
              "bad-path",
              "expected no control, space or non-ASCII character in the query");
          return;
        }
      }
    }
    PathNormalizer.Normalized path;
    try {
      path = PathNormalizer.normalize(rawPath);
    } catch (PathNormalizer.BadPath e) {
      refuse(x, HttpResponseStatus.BAD_REQUEST, "bad-path", e.getMessage());
      return;
    }

    Authenticator.Result who = authenticate(req);
    if (!who.ok()) {
      gw.metrics.refused("unauthenticated");
      FullHttpResponse r =
          Responses.error(HttpResponseStatus.UNAUTHORIZED, "unauthenticated", who.error());
      r.headers()
          .set(
              HttpHeaderNames.WWW_AUTHENTICATE,
              "Bearer realm=\"tollgate\""
                  + (who.error().startsWith("no credentials") ? "" : ", error=\"invalid_token\""));
      reply(x, r, false);
      return;
    }

    Route route = gw.router.match(path.path());
    if (path.hadDotSegments() && gw.router.matchLiteral(rawPath) != route) {
      refuse(
          x,
          HttpResponseStatus.BAD_REQUEST,
          "bad-path",
          "expected a path that stays within its dataset's prefix");
      return;
    }
    if (route == null) {
      refuse(x, HttpResponseStatus.NOT_FOUND, "no-route", "no dataset is served at this path");
      return;
    }
    x.route = route;
    String method = req.method().name();
    if (!route.methods().contains(method)) {
      gw.metrics.refused("method");
      FullHttpResponse r =
          Responses.error(
              HttpResponseStatus.METHOD_NOT_ALLOWED,
              "method-not-allowed",
              method + " is not served on " + route.prefix());
      r.headers().set(HttpHeaderNames.ALLOW, String.join(", ", route.methods()));
      reply(x, r, false);
      return;
    }
    if (req.content().readableBytes() > route.maxRequestBytes()) {
      refuse(
          x,
          HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
          "body-too-large",
          "the request body is larger than " + route.maxRequestBytes() + " bytes");
      return;
    }
    if (!gw.feedback.accepting() && !gw.config.spool().failOpen()) {
      gw.metrics.feedbackRefused.increment();
      FullHttpResponse r =
          Responses.error(
              HttpResponseStatus.SERVICE_UNAVAILABLE,
              "feedback-unavailable",
              "feedback cannot be recorded now (spool full); retry later");
      r.headers().set(HttpHeaderNames.RETRY_AFTER, "5");
      reply(x, r, false);
      return;
    }

    x.path = path.path();
    decide(x, who, route, req, query);
  }

  /** RFC 9112 framing rules a gateway must hold to, beyond what the decoder checks. */
  private static String checkFraming(FullHttpRequest req) {
    HttpHeaders h = req.headers();
    if (req.protocolVersion() != HttpVersion.HTTP_1_1
        && req.protocolVersion() != HttpVersion.HTTP_1_0) {
      return "expected HTTP/1.1";
    }
    String uri = req.uri();
    if (uri.isEmpty() || uri.charAt(0) != '/') {
      return "expected an origin-form request target (a path), found "
          + (uri.startsWith("http") ? "an absolute URL" : "another form");
    }
    List<String> hosts = h.getAll(HttpHeaderNames.HOST);
    if (req.protocolVersion() == HttpVersion.HTTP_1_1 && hosts.size() != 1) {
      return hosts.isEmpty()
          ? "expected a Host header"
          : "expected one Host header, found " + hosts.size();
    }
    if (hosts.size() > 1) {
      return "expected one Host header, found " + hosts.size();
    }
    List<String> te = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
    if (!te.isEmpty()) {
      if (te.size() != 1 || !te.get(0).trim().equalsIgnoreCase("chunked")) {
        return "expected Transfer-Encoding: chunked alone, found " + String.join(", ", te);
      }
    }
    List<String> cl = h.getAll(HttpHeaderNames.CONTENT_LENGTH);
    if (cl.size() > 1) {
      return "expected one Content-Length, found " + cl.size();
    }
    return null;
  }

  private Authenticator.Result authenticate(FullHttpRequest req) {
    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
    if (ssl != null) {
      try {
        java.security.cert.Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
        if (chain.length > 0 && chain[0] instanceof X509Certificate cert) {
          return gw.authenticator.certificate(cert);
        }
      } catch (SSLPeerUnverifiedException e) {
        // no client certificate: other credentials
      }
    }
    List<String> keys = req.headers().getAll("X-Api-Key");
    List<String> auth = req.headers().getAll(HttpHeaderNames.AUTHORIZATION);
    if (keys.size() + auth.size() > 1) {
      return new Authenticator.Result(
          null, null, "expected one credential, found " + (keys.size() + auth.size()));
    }
    if (keys.size() == 1) {
      return gw.authenticator.apiKey(keys.get(0).trim());
    }
    if (auth.size() == 1) {
      String a = auth.get(0).trim();
      if (a.length() > 7 && a.regionMatches(true, 0, "Bearer ", 0, 7)) {
        return gw.authenticator.bearer(a.substring(7).trim());
      }
      return new Authenticator.Result(null, null, "expected Authorization: Bearer <token>");
    }
    return new Authenticator.Result(
        null,
        null,
        "no credentials: send X-Api-Key, Authorization: Bearer, or a client certificate");
  }

  private void decide(
      Exchange x, Authenticator.Result who, Route route, FullHttpRequest req, String query) {
    LoopState loop = gw.loop();
    long now = gw.clock.getAsLong();
    x.callId = gw.nextCallId();
    io.tollgate.policy.DataCall call = loop.call.reset();
    Action action = route.action(req.method().name());
    call.id(x.callId)
        .ts(now)
        .consumer(who.participant().id())
        .dataset(route.dataset())
        .action(action)
        .channel(io.tollgate.policy.Channel.HTTP)
        .records(1)
        .bytes(0);
    String purpose = req.headers().get("X-Tollgate-Purpose");
    if (purpose != null) {
      call.purpose(purpose.trim());
    }
    String region = req.headers().get("X-Tollgate-Region");
    if (region != null) {
      call.region(region.trim());
    }
    if (query != null) {
      List<String> f = new QueryStringDecoder("?" + query).parameters().get("fields");
      if (f != null) {
        java.util.List<String> names = new java.util.ArrayList<>();
        for (String v : f) {
          for (String n : v.split(",")) {
            if (!n.isBlank()) {
              names.add(n.trim());
            }
          }
        }
        call.fields(names);
      }
    }
    PolicyEngine engine = gw.contracts.engine();
    Decision d = loop.decision;
    engine.decide(call, route.sharedLimits() ? gw.sharedCounters : gw.counters, d);
    x.record = new CallRecord().from(call);
    x.record.ingestTs = now;
    x.decisionTime = gw.clock.getAsLong();
    x.outcome = d.outcome();
    x.reasons = d.reasonMask();
    x.contract = d.contractId();
    x.version = d.policyVersion();
    x.provider = d.contract() == null ? null : d.contract().provider();
    x.project = d.project();
    x.masks = d.masks();
    gw.metrics.decision(x.outcome, x.reasons);
    if (x.outcome == Outcome.DENY) {
      FullHttpResponse r = Responses.denied(x.contract, Reason.codes(x.reasons), x.callId);
      r.headers().set("X-Tollgate-Call-Id", x.callId);
      reply(x, r, true);
      return;
    }
    if (x.outcome == Outcome.THROTTLE) {
      CompiledPolicy p = d.contract();
      LimitSpec l = p == null ? null : p.limits();
      long permits = l != null && l.hasRate() ? l.ratePermits() : 0;
      long unit = l != null && l.hasRate() ? l.rateUnitMillis() : 1000;
      long retry = Math.max(1, (unit / Math.max(1, permits) + 999) / 1000);
      FullHttpResponse r =
          Responses.json(
              HttpResponseStatus.TOO_MANY_REQUESTS,
              "{\"error\":\"throttled\",\"message\":\"the contract's rate limit is reached\",\"reasons\":"
                  + reasonsJson(x.reasons)
                  + ",\"contract\":"
                  + Responses.quote(x.contract)
                  + ",\"callId\":"
                  + Responses.quote(x.callId)
                  + "}");
      r.headers()
          .set(HttpHeaderNames.RETRY_AFTER, retry)
          .set("RateLimit-Limit", permits)
          .set("RateLimit-Remaining", 0)
          .set("RateLimit-Reset", retry)
          .set("X-Tollgate-Call-Id", x.callId);
      reply(x, r, true);
      return;
    }
    forward(x, route, req, query);
  }

  private static String reasonsJson(int mask) {
    StringBuilder b = new StringBuilder("[");
    for (String c : Reason.codes(mask)) {
      if (b.length() > 1) {
        b.append(',');
      }
      b.append(Responses.quote(c));
    }
    return b.append(']').toString();
  }

  private boolean filtering(Exchange x) {
    return x.project != null || (x.masks != null && x.masks.length > 0);
  }

  private void forward(Exchange x, Route route, FullHttpRequest req, String query) {
    String rest = x.path.substring(route.prefix().length());
    int q = req.uri().indexOf('?');
    String target =
        route.upstreamPath()
            + (rest.isEmpty() && route.upstreamPath().isEmpty() ? "/" : rest)
            + (q < 0 ? "" : req.uri().substring(q));
    DefaultFullHttpRequest out =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, req.method(), target, req.content().retainedDuplicate());
    HttpHeaders in = req.headers();
    HttpHeaders h = out.headers();
    java.util.Set<String> nominated = nominated(in);
    for (java.util.Map.Entry<String, String> e : in) {
      String lower = e.getKey().toLowerCase(Locale.ROOT);
      if (hopByHop(lower) || untrusted(lower) || lower.equals("content-length")) {
        continue;
      }
      if (nominated.contains(lower)
          && !lower.equals("x-tollgate-purpose")
          && !lower.equals("x-tollgate-region")) {
        continue;
      }
      h.add(e.getKey(), e.getValue());
    }
    String purpose = in.get("X-Tollgate-Purpose");
    String region = in.get("X-Tollgate-Region");
    if (purpose != null) {
      h.set("X-Tollgate-Purpose", purpose.trim());
    }
    if (region != null) {
      h.set("X-Tollgate-Region", region.trim());
    }
    InetSocketAddress peer = (InetSocketAddress) ctx.channel().remoteAddress();
    h.set(HttpHeaderNames.HOST, route.upstreamHost() + ":" + route.upstreamPort());
    h.set("X-Forwarded-For", peer.getAddress().getHostAddress());
    h.set("X-Forwarded-Proto", gw.tls ? "https" : "http");
    h.set("X-Tollgate-Consumer", x.record.consumer);
    h.set("X-Tollgate-Contract", x.contract);
    h.set("X-Tollgate-Call-Id", x.callId);
    if (filtering(x)) {
      h.set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.IDENTITY);
    }
    h.set(HttpHeaderNames.CONTENT_LENGTH, out.content().readableBytes());
    if (out.content().readableBytes() == 0
        && (req.method() == HttpMethod.GET || req.method() == HttpMethod.HEAD)) {
      h.remove(HttpHeaderNames.CONTENT_LENGTH);
    }

    LoopState loop = gw.loop();
    x.upstreamKey = route.upstreamHost() + ":" + route.upstreamPort();
    x.forwardedNanos = System.nanoTime();
    x.total =
        ctx.executor()
            .schedule(
                () -> timedOut(x, "total"), route.totalTimeout().toMillis(), TimeUnit.MILLISECONDS);
    x.outbound = out;
    x.retryable = req.method() == HttpMethod.GET || req.method() == HttpMethod.HEAD;
    Channel pooled = loop.take(x.upstreamKey);
    if (pooled != null) {
      x.reused = true;
      send(x, pooled, out);
      return;
    }
    connect(x, route, out);
  }

  /** Opens a new upstream connection on this event loop and sends {@code out} on it. */
  private void connect(Exchange x, Route route, DefaultFullHttpRequest out) {
    Bootstrap b =
        new Bootstrap()
            .group(ctx.channel().eventLoop())
            .channel(
                ctx.channel().getClass() == io.netty.channel.epoll.EpollSocketChannel.class
                    ? io.netty.channel.epoll.EpollSocketChannel.class
                    : io.netty.channel.socket.nio.NioSocketChannel.class)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) route.connectTimeout().toMillis())
            .option(ChannelOption.TCP_NODELAY, true)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new HttpClientCodec(4096, 16384, 65536));
                    // a pooled connection idle this long is closed here before the upstream does
                    ch.pipeline()
                        .addLast(
                            new io.netty.handler.timeout.IdleStateHandler(
                                0, 0, 15, TimeUnit.SECONDS) {
                              @Override
                              protected void channelIdle(
                                  ChannelHandlerContext c,
                                  io.netty.handler.timeout.IdleStateEvent e) {
                                c.close();
                              }
                            });
                    ch.pipeline().addLast("upstream", new UpstreamHandler());
                  }
                });
    b.connect(route.upstreamHost(), route.upstreamPort())
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (!f.isSuccess()) {
                    out.release();
                    boolean timeout = f.cause() instanceof io.netty.channel.ConnectTimeoutException;
                    upstreamFailed(
                        x,
                        timeout
                            ? HttpResponseStatus.GATEWAY_TIMEOUT
                            : HttpResponseStatus.BAD_GATEWAY,
                        timeout ? "upstream-timeout" : "upstream-unreachable",
                        timeout
                            ? "the upstream did not accept the connection in time (connect timeout)"
                            : "cannot connect to the upstream: " + f.cause().getMessage());
                    return;
                  }
                  send(x, f.channel(), out);
                });
  }

  private void send(Exchange x, Channel up, DefaultFullHttpRequest out) {
    if (x.retryable) {
      out.retain(); // kept for one retry on a fresh connection
    }
    if (x.done) {
      out.release();
      gw.loop().give(x.upstreamKey, up);
      return;
    }
    x.upstream = up;
    ((UpstreamHandler) up.pipeline().get("upstream")).bind(x);
    if (x.firstByte != null) {
      x.firstByte.cancel(false);
    }
    x.firstByte =
        ctx.executor()
            .schedule(
                () -> timedOut(x, "first-byte"),
                x.route.firstByteTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
    up.writeAndFlush(out)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (!f.isSuccess()) {
                    upstreamFailed(
                        x,
                        HttpResponseStatus.BAD_GATEWAY,
                        "upstream-failed",
                        "cannot send to the upstream: " + f.cause().getMessage());
                  }
                });
  }

  private void timedOut(Exchange x, String which) {
    if (x.done) {
      return;
    }
    upstreamFailed(
        x,
        HttpResponseStatus.GATEWAY_TIMEOUT,
        "upstream-timeout",
        "the upstream did not answer in time (" + which + " timeout)");
  }

  private void upstreamFailed(Exchange x, HttpResponseStatus status, String code, String message) {
    if (x.done) {
      return;
    }
    gw.metrics.upstreamErrors.increment();
    if (x.upstream != null) {
      x.upstream.close();
    }
    x.pendingHead = null;
    if (!x.responseStarted) {
      FullHttpResponse r = Responses.error(status, code, message);
      r.headers().set("X-Tollgate-Call-Id", x.callId);
      reply(x, r, true);
    } else {
      x.status = status.code();
      abort(x);
    }
  }

  /**
   * The upstream's response, for the exchange it is bound to. Static: a pooled upstream connection
   * serves exchanges of many client connections, so it must answer the one bound now (its owner),
   * never the connection that opened it.
   */
  private static final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    private Exchange x;

    void bind(Exchange x) {
      this.x = x;
    }

    @Override
    public void channelRead(ChannelHandlerContext uctx, Object msg) {
      Exchange e = x;
      if (e == null || e.done) {
        ReferenceCountUtil.release(msg);
        uctx.close();
        return;
      }
      try {
        if (msg instanceof HttpResponse r) {
          int code = r.status().code();
          if (code >= 100 && code < 200) {
            e.informational = true; // 100 Continue, 103 Early Hints: the final response follows
            return;
          }
          e.informational = false;
          e.responseSeen = true;
          if (e.firstByte != null) {
            e.firstByte.cancel(false);
          }
          e.owner().responseHead(e, r);
        }
        if (msg instanceof HttpContent c && !e.done && !e.informational) {
          e.owner().responseBody(e, c);
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext uctx) {
      Exchange e = x;
      if (e != null && !e.done && e.responseStarted) {
        e.owner().ctx.flush(); // what arrived goes on now: a slow stream is not held back
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext uctx) {
      Exchange e = x;
      if (e != null && !e.done && e.reused && !e.responseSeen && e.retryable && !e.retried) {
        // a pooled connection the upstream had closed: once more on a fresh one (GET, HEAD)
        e.retried = true;
        e.reused = false;
        x = null;
        e.owner().connect(e, e.route, e.outbound);
        return;
      }
      if (e != null && !e.done) {
        e.owner()
            .upstreamFailed(
                e,
                HttpResponseStatus.BAD_GATEWAY,
                "upstream-closed",
                "the upstream closed the connection mid-response");
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext uctx, Throwable cause) {
      Exchange e = x;
      if (e != null && !e.done) {
        e.owner()
            .upstreamFailed(
                e,
                HttpResponseStatus.BAD_GATEWAY,
                "upstream-failed",
                "the upstream's response is malformed: " + cause.getMessage());
      }
      uctx.close();
    }
  }

  private void responseHead(Exchange x, HttpResponse r) {
    if (!r.decoderResult().isSuccess()) {
      upstreamFailed(
          x,
          HttpResponseStatus.BAD_GATEWAY,
          "upstream-failed",
          "the upstream's response is malformed");
      return;
    }
    x.upstreamKeepAlive = HttpUtil.isKeepAlive(r);
    HttpHeaders in = r.headers();
    boolean filter =
        filtering(x) && !x.head && r.status().code() != 204 && r.status().code() != 304;
    long declared = HttpUtil.getContentLength(r, -1L);
    if (declared > x.route.maxResponseBytes()) {
      upstreamFailed(
          x,
          HttpResponseStatus.BAD_GATEWAY,
          "upstream-too-large",
          "the upstream's response is larger than " + x.route.maxResponseBytes() + " bytes");
      return;
    }
    if (filter) {
      String enc = null;
      for (String v : in.getAll(HttpHeaderNames.CONTENT_ENCODING)) {
        for (String t : v.split(",")) {
          if (!t.isBlank() && !t.trim().equalsIgnoreCase("identity")) {
            enc = v;
          }
        }
      }
      if (enc != null) {
        upstreamFailed(
            x,
            HttpResponseStatus.BAD_GATEWAY,
            "upstream-unmaskable",
            "the contract masks this response but the upstream sent it encoded (" + enc + ")");
        return;
      }
      List<String> types = in.getAll(HttpHeaderNames.CONTENT_TYPE);
      String type = types.size() == 1 ? types.get(0) : null;
      if (!json(type)) {
        upstreamFailed(
            x,
            HttpResponseStatus.BAD_GATEWAY,
            "upstream-unmaskable",
            "the contract masks this response but the upstream sent "
                + (type == null ? "no content type" : type)
                + ", not JSON");
        return;
      }
      x.filter = gw.loop().filter();
      x.filter.start(x.project, x.masks);
    }
    DefaultHttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, r.status());
    HttpHeaders h = out.headers();
    java.util.Set<String> nominated = nominated(in);
    for (java.util.Map.Entry<String, String> e : in) {
      String lower = e.getKey().toLowerCase(Locale.ROOT);
      if (hopByHop(lower) || nominated.contains(lower) || lower.startsWith("x-tollgate-")) {
        continue;
      }
      if (filter
          && (lower.equals("content-length")
              || lower.equals("etag")
              || lower.equals("digest")
              || lower.equals("repr-digest")
              || lower.equals("content-digest")
              || lower.equals("content-md5")
              || lower.equals("content-range")
              || lower.equals("accept-ranges")
              || lower.equals("last-modified"))) {
        continue; // they describe the upstream's representation, not the trimmed one
      }
      h.add(e.getKey(), e.getValue());
    }
    boolean unknownLength =
        filter
            || (!x.head
                && !h.contains(HttpHeaderNames.CONTENT_LENGTH)
                && r.status().code() != 204
                && r.status().code() != 304);
    if (unknownLength) {
      if (x.request.protocolVersion() == HttpVersion.HTTP_1_0) {
        x.keepAlive = false; // HTTP/1.0 has no chunked coding: the end of the body is the close
      } else {
        h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      }
    }
    h.set("X-Tollgate-Call-Id", x.callId);
    h.set("X-Tollgate-Contract", x.contract);
    if (!x.keepAlive) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    x.status = r.status().code();
    x.pendingHead =
        out; // written with the first bytes of the body: an error before then is a clean 502
  }

  private void writeHead(Exchange x) {
    if (x.pendingHead != null) {
      x.responseStarted = true;
      ctx.write(x.pendingHead);
      x.pendingHead = null;
    }
  }

  private static boolean json(String type) {
    if (type == null) {
      return false;
    }
    String t = type.toLowerCase(Locale.ROOT);
    int semi = t.indexOf(';');
    if (semi >= 0) {
      t = t.substring(0, semi);
    }
    t = t.trim();
    return t.equals("application/json") || (t.startsWith("application/") && t.endsWith("+json"));
  }

  private void responseBody(Exchange x, HttpContent c) {
    ByteBuf in = c.content();
    int n = in.readableBytes();
    x.bodyIn += n;
    if (x.bodyIn > x.route.maxResponseBytes()) {
      upstreamFailed(
          x,
          HttpResponseStatus.BAD_GATEWAY,
          "upstream-too-large",
          "the upstream's response is larger than " + x.route.maxResponseBytes() + " bytes");
      return;
    }
    boolean last = c instanceof LastHttpContent;
    if (x.filter != null) {
      try {
        if (n > 0) {
          byte[] chunk;
          int off;
          if (in.hasArray()) {
            chunk = in.array();
            off = in.arrayOffset() + in.readerIndex();
          } else {
            chunk = new byte[n];
            in.getBytes(in.readerIndex(), chunk);
            off = 0;
          }
          x.filter.feed(chunk, off, n);
          writeFiltered(x);
        }
        if (last) {
          x.filter.finish();
        }
      } catch (StreamingPayloadFilter.Refused e) {
        LOG.warn("response of call {} refused: {}", x.callId, e.getMessage());
        upstreamFailed(x, HttpResponseStatus.BAD_GATEWAY, "upstream-unmaskable", e.getMessage());
        return;
      }
    } else if (n > 0) {
      x.bodyOut += n;
      writeHead(x);
      ctx.write(new io.netty.handler.codec.http.DefaultHttpContent(in.retainedSlice()));
    }
    if (last) {
      writeHead(x);
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
      complete(x);
    } else if (!ctx.channel().isWritable()) {
      ctx.flush();
      x.upstream.config().setAutoRead(false);
    }
  }

  private void writeFiltered(Exchange x) {
    int len = x.filter.outputLength();
    if (len > 0) {
      x.bodyOut += len;
      writeHead(x);
      ByteBuf b = ctx.alloc().buffer(len);
      b.writeBytes(x.filter.output(), 0, len);
      ctx.write(new io.netty.handler.codec.http.DefaultHttpContent(b));
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    Exchange x = current;
    if (x != null && x.upstream != null && ctx.channel().isWritable()) {
      x.upstream.config().setAutoRead(true);
    }
    super.channelWritabilityChanged(ctx);
  }

  /** The response went out whole. */
  private void complete(Exchange x) {
    x.upstreamNanos = System.nanoTime() - x.forwardedNanos;
    gw.metrics.upstream.record(x.upstreamNanos, TimeUnit.NANOSECONDS);
    if (x.filter != null) {
      x.record.records = x.filter.records();
    }
    x.record.bytes = x.bodyOut;
    Channel up = x.upstream;
    x.upstream = null;
    if (up != null) {
      ((UpstreamHandler) up.pipeline().get("upstream")).bind(null);
      up.config().setAutoRead(true);
      if (x.upstreamKeepAlive && up.isActive()) {
        gw.loop().give(x.upstreamKey, up);
      } else {
        up.close();
      }
    }
    finish(x, x.status, !x.keepAlive);
  }

  /** A response already started cannot become an error: the client connection is cut. */
  private void abort(Exchange x) {
    if (x.upstream != null) {
      x.upstream.close();
    }
    finish(x, x.status == 0 ? 502 : x.status, true);
    ctx.close();
  }

  private void refuse(Exchange x, HttpResponseStatus status, String code, String message) {
    gw.metrics.refused(code);
    FullHttpResponse r = Responses.error(status, code, message);
    boolean close =
        status.code() == 400
            || status.code() == 413
            || status.code() == 414
            || status.code() == 431;
    if (close) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    reply(x, r, false, close);
  }

  private void reply(Exchange x, FullHttpResponse r, boolean decided) {
    reply(x, r, decided, !x.keepAlive);
  }

  private void reply(Exchange x, FullHttpResponse r, boolean decided, boolean close) {
    x.status = r.status().code();
    x.responseStarted = true;
    if (x.head) {
      r.content().clear();
    }
    if (close) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    ctx.writeAndFlush(r);
    if (decided) {
      finish(x, x.status, close);
    } else {
      done(x, close);
    }
  }

  /** Feeds the decision back, then ends the exchange. */
  private void finish(Exchange x, int status, boolean close) {
    if (x.done) {
      return;
    }
    if (x.record != null) {
      if (x.filter != null) {
        x.record.records = x.filter.records();
      }
      if (x.responseStarted && x.upstreamKey != null) {
        x.record.bytes = x.bodyOut; // what was delivered, also when the response was cut
      }
      byte[] event =
          gw.loop()
              .writer
              .httpFeedback(
                  x.record,
                  x.outcome.name(),
                  x.reasons,
                  x.contract,
                  x.version,
                  x.provider,
                  x.decisionTime,
                  status,
                  x.upstreamNanos < 0 ? -1 : x.upstreamNanos / 1000);
      if (!gw.feedback.offer(x.record.consumer.getBytes(StandardCharsets.UTF_8), event)) {
        gw.metrics.failedOpen.increment();
      }
    }
    done(x, close);
  }

  private void done(Exchange x, boolean close) {
    x.done = true;
    if (x.outbound != null && x.retryable && x.outbound.refCnt() > 0) {
      x.outbound.release();
    }
    if (x.firstByte != null) {
      x.firstByte.cancel(false);
    }
    if (x.total != null) {
      x.total.cancel(false);
    }
    gw.metrics.status(x.status);
    gw.metrics.latency.record(System.nanoTime() - x.startNanos, TimeUnit.NANOSECONDS);
    x.request.release();
    current = null;
    if (close) {
      lingeringClose();
      return;
    }
    FullHttpRequest next = waiting.poll();
    if (next != null) {
      ctx.executor().execute(() -> serve(next)); // the clock stays paused, reads off
    } else {
      if (nextTimedOut) {
        nextTimedOut = false;
        requestTimeout();
        return;
      }
      if (!ctx.channel().config().isAutoRead()) {
        // a pipelined request had turned reads off and paused the clock: both go on
        ctx.channel().config().setAutoRead(true);
        ProxyPipeline.RequestClock clock = clock();
        if (clock != null) {
          clock.resume(ctx.pipeline().context(clock));
        }
      }
    }
  }

  /**
   * Closes after what was written: the output is shut first and what the client still sends is read
   * and dropped for up to two seconds, so that a client still sending (a refused body, say) reads
   * its response instead of a reset (nginx's lingering close).
   */
  private void lingeringClose() {
    closing = true;
    ProxyPipeline.RequestClock clock = clock();
    if (clock != null) {
      clock.pause(); // what still comes is dropped, never answered
    }
    ctx.flush();
    ctx.channel().config().setAutoRead(true);
    if (ctx.channel() instanceof io.netty.channel.socket.DuplexChannel d
        && ctx.pipeline().get(SslHandler.class) == null) {
      d.shutdownOutput()
          .addListener(
              f -> ctx.executor().schedule(() -> ctx.channel().close(), 2, TimeUnit.SECONDS));
    } else {
      ctx.channel().close();
    }
  }

  private boolean closing;

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    Exchange x = current;
    if (x != null && !x.done) {
      if (x.upstream != null) {
        x.upstream.close();
      }
      finish(x, 499, true);
    }
    FullHttpRequest r;
    while ((r = waiting.poll()) != null) {
      r.release();
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("client connection failed", cause);
    ctx.close();
  }

  static ByteBuf empty() {
    return Unpooled.EMPTY_BUFFER;
  }
}
