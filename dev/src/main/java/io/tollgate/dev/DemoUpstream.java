package io.tollgate.dev;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's credit-report API (a provider's upstream behind the gateway), and the hostile upstream
 * the gateway's tests need. Loopback only.
 *
 * <ul>
 *   <li>{@code GET|POST /reports/{creditCode}}: an enterprise credit report, about 1 KB of JSON;
 *   <li>{@code /echo}: the request line and headers the upstream received, as JSON;
 *   <li>{@code /slow?ms=N}: answers after N ms; {@code /deep?n=N}: JSON nested N levels; {@code
 *       /huge?mib=N}: one string of N MiB, streamed; {@code /gzip}, {@code /text}: a body the
 *       gateway cannot mask.
 * </ul>
 */
public final class DemoUpstream implements AutoCloseable {
  private final EventLoopGroup group;
  private final Channel channel;

  private DemoUpstream(EventLoopGroup group, Channel channel) {
    this.group = group;
    this.channel = channel;
  }

  public static DemoUpstream start(String host, int port, int threads) throws InterruptedException {
    EventLoopGroup g = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
    AtomicLong count = new AtomicLong();
    Channel ch =
        new ServerBootstrap()
            .group(g)
            .channel(NioServerSocketChannel.class)
            .childOption(io.netty.channel.ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel c) {
                    c.pipeline()
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpServerKeepAliveHandler())
                        .addLast(new HttpObjectAggregator(1 << 20))
                        .addLast(new Handler(count));
                  }
                })
            .bind(host, port)
            .sync()
            .channel();
    DemoUpstream u = new DemoUpstream(g, ch);
    u.counter = count;
    return u;
  }

  private AtomicLong counter;

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /** Requests served so far. */
  public long requests() {
    return counter.get();
  }

  private static final java.util.concurrent.ConcurrentHashMap<String, byte[]> REPORTS =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** The report's bytes, made once per code (at most 10,000 kept): the upstream costs little. */
  static byte[] reportBytes(String code) {
    byte[] b = REPORTS.get(code);
    if (b == null) {
      b = report(code).getBytes(StandardCharsets.UTF_8);
      if (REPORTS.size() < 10_000) {
        REPORTS.put(code, b);
      }
    }
    return b;
  }

  /** The report of one enterprise: the same bytes for the same code (the demo's data). */
  public static String report(String code) {
    int h = Math.abs(code.hashCode());
    return "{\"credit_code\":\""
        + code
        + "\","
        + "\"name\":\"上海示例供应链管理有限公司\","
        + "\"rating\":\""
        + "AAA,AA,A,BBB,BB".split(",")[h % 5]
        + "\","
        + "\"score\":"
        + (550 + h % 300)
        + ","
        + "\"overdue_90d\":"
        + (h % 7 == 0)
        + ","
        + "\"legal_rep_id\":\"31011519800101"
        + String.format("%04d", h % 10000)
        + "\","
        + "\"legal_rep_phone\":\"1380013"
        + String.format("%04d", h % 10000)
        + "\","
        + "\"registered_capital\":{\"amount\":"
        + (1_000_000 + h % 9_000_000)
        + ",\"currency\":\"CNY\"},"
        + "\"address\":\"上海市浦东新区世纪大道100号\","
        + "\"industry\":\"供应链管理服务\","
        + "\"shareholders\":[{\"name\":\"上海示例控股有限公司\",\"share\":0.6},{\"name\":\"张三\",\"share\":0.4}],"
        + "\"lawsuits\":[],"
        + "\"tax_grade\":\"A\","
        + "\"updated\":\"2026-11-30T00:00:00+08:00\","
        + "\"notes\":\""
        + "demo ".repeat(60).trim()
        + "\"}";
  }

  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final AtomicLong count;

    Handler(AtomicLong count) {
      this.count = count;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      count.incrementAndGet();
      String uri = req.uri();
      int q = uri.indexOf('?');
      String path = q < 0 ? uri : uri.substring(0, q);
      String query = q < 0 ? "" : uri.substring(q + 1);
      boolean keep = HttpUtil.isKeepAlive(req);
      if (path.startsWith("/reports/")) {
        send(
            ctx,
            keep,
            HttpResponseStatus.OK,
            "application/json",
            reportBytes(path.substring(9)),
            null);
      } else if (path.equals("/echo")) {
        Map<String, String> h = new TreeMap<>();
        for (Map.Entry<String, String> e : req.headers()) {
          h.merge(e.getKey().toLowerCase(), e.getValue(), (a, b) -> a + ", " + b);
        }
        StringBuilder b =
            new StringBuilder("{\"method\":")
                .append(q(req.method().name()))
                .append(",\"uri\":")
                .append(q(uri))
                .append(",\"body\":")
                .append(q(req.content().toString(StandardCharsets.UTF_8)))
                .append(",\"headers\":{");
        boolean first = true;
        for (Map.Entry<String, String> e : h.entrySet()) {
          if (!first) {
            b.append(',');
          }
          first = false;
          b.append(q(e.getKey())).append(':').append(q(e.getValue()));
        }
        send(ctx, keep, HttpResponseStatus.OK, "application/json", b.append("}}").toString(), null);
      } else if (path.equals("/slow")) {
        long ms = query.startsWith("ms=") ? Long.parseLong(query.substring(3)) : 5000;
        ctx.executor()
            .schedule(
                () ->
                    send(
                        ctx, keep, HttpResponseStatus.OK, "application/json", report("slow"), null),
                ms,
                TimeUnit.MILLISECONDS);
      } else if (path.equals("/deep")) {
        int n = query.startsWith("n=") ? Integer.parseInt(query.substring(2)) : 10_000;
        send(
            ctx,
            keep,
            HttpResponseStatus.OK,
            "application/json",
            "{\"credit_code\":" + "[".repeat(n) + "]".repeat(n) + "}",
            null);
      } else if (path.equals("/huge")) {
        int mib = query.startsWith("mib=") ? Integer.parseInt(query.substring(4)) : 100;
        huge(ctx, mib);
      } else if (path.equals("/gzip")) {
        send(ctx, keep, HttpResponseStatus.OK, "application/json", report("gzip"), "gzip");
      } else if (path.equals("/conflict")) {
        send(ctx, keep, HttpResponseStatus.CONFLICT, "application/json", report("conflict"), null);
      } else if (path.equals("/text")) {
        send(
            ctx,
            keep,
            HttpResponseStatus.OK,
            "text/plain",
            "legal_rep_id=310115198001010000",
            null);
      } else {
        send(
            ctx,
            keep,
            HttpResponseStatus.NOT_FOUND,
            "application/json",
            "{\"error\":\"not found\"}",
            null);
      }
    }

    private static void huge(ChannelHandlerContext ctx, int mib) {
      HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
      HttpUtil.setTransferEncodingChunked(head, true);
      ctx.write(head);
      ctx.write(
          new DefaultHttpContent(
              Unpooled.copiedBuffer("{\"legal_rep_id\":\"", StandardCharsets.US_ASCII)));
      byte[] chunk = new byte[1 << 20];
      java.util.Arrays.fill(chunk, (byte) 'x');
      writeChunks(ctx, chunk, mib);
    }

    private static void writeChunks(ChannelHandlerContext ctx, byte[] chunk, int left) {
      if (left == 0 || !ctx.channel().isActive()) {
        ctx.writeAndFlush(
            new DefaultHttpContent(Unpooled.copiedBuffer("\"}", StandardCharsets.US_ASCII)));
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        return;
      }
      ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk)))
          .addListener(
              f -> {
                if (f.isSuccess()) {
                  writeChunks(ctx, chunk, left - 1);
                }
              });
    }

    private static String q(String s) {
      return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static void send(
        ChannelHandlerContext ctx,
        boolean keep,
        HttpResponseStatus status,
        String type,
        String body,
        String encoding) {
      send(ctx, keep, status, type, body.getBytes(StandardCharsets.UTF_8), encoding);
    }

    private static void send(
        ChannelHandlerContext ctx,
        boolean keep,
        HttpResponseStatus status,
        String type,
        byte[] body,
        String encoding) {
      ByteBuf b = Unpooled.wrappedBuffer(body);
      FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, b);
      r.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, type + "; charset=utf-8")
          .set(HttpHeaderNames.CONTENT_LENGTH, b.readableBytes());
      if (encoding != null) {
        r.headers().set(HttpHeaderNames.CONTENT_ENCODING, encoding);
      }
      HttpUtil.setKeepAlive(r, keep);
      if (keep) {
        ctx.writeAndFlush(r);
      } else {
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
      }
    }
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
