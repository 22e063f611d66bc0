package io.tollgate.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * A constant-rate HTTP load generator with coordinated-omission correction (as wrk2 does): request
 * i is due at {@code start + i / rate}; its latency runs from when it was due, not from when a
 * connection was free to send it, so a stall shows in the figures instead of hiding behind fewer
 * requests. Keep-alive connections, one request in flight each. One event-loop thread.
 */
public final class ConstantRate {
  /** What a run measured. */
  public record Result(long sent, long ok, long errors, Histogram latencyMicros, double seconds) {}

  private ConstantRate() {}

  public static Result run(
      URI url, Map<String, String> headers, int rate, int connections, double seconds)
      throws Exception {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    Histogram h = new Histogram(60_000_000L, 3);
    long[] counts = new long[3]; // sent, ok, errors
    ArrayDeque<Long> due = new ArrayDeque<>();
    ArrayDeque<Channel> idle = new ArrayDeque<>();
    boolean[] running = {true};
    Bootstrap[] boot = new Bootstrap[1];
    Runnable reconnect =
        () ->
            boot[0]
                .connect(url.getHost(), url.getPort() > 0 ? url.getPort() : 80)
                .addListener(
                    f -> {
                      if (f.isSuccess()) {
                        Channel c = ((io.netty.channel.ChannelFuture) f).channel();
                        Long next = due.poll();
                        if (next != null) {
                          send(c, url, headers, next);
                        } else {
                          idle.add(c);
                        }
                      }
                    });
    try {
      Bootstrap b =
          new Bootstrap()
              .group(group)
              .channel(NioSocketChannel.class)
              .option(ChannelOption.TCP_NODELAY, true)
              .handler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      ch.pipeline()
                          .addLast(new HttpClientCodec())
                          .addLast(new HttpObjectAggregator(16 << 20))
                          .addLast(
                              new SimpleChannelInboundHandler<FullHttpResponse>() {
                                @Override
                                protected void channelRead0(
                                    ChannelHandlerContext ctx, FullHttpResponse r) {
                                  long sentAt = ctx.channel().attr(DUE).get();
                                  ctx.channel().attr(BUSY).set(Boolean.FALSE);
                                  h.recordValue(
                                      Math.min(
                                          60_000_000L,
                                          Math.max(0, (System.nanoTime() - sentAt) / 1000)));
                                  if (r.status().code() / 100 == 2) {
                                    counts[1]++;
                                  } else {
                                    counts[2]++;
                                  }
                                  Long next = due.poll();
                                  if (next != null) {
                                    send(ctx.channel(), url, headers, next);
                                  } else {
                                    idle.add(ctx.channel());
                                  }
                                }

                                @Override
                                public void exceptionCaught(
                                    ChannelHandlerContext ctx, Throwable cause) {
                                  counts[2]++;
                                  ctx.close();
                                }
                              });
                    }
                  });
      boot[0] = b;
      int port = url.getPort() > 0 ? url.getPort() : 80;
      List<Channel> all = new ArrayList<>();
      for (int i = 0; i < connections; i++) {
        Channel c = b.connect(url.getHost(), port).sync().channel();
        all.add(c);
      }
      group.next().submit(() -> idle.addAll(all)).sync();
      long start = System.nanoTime();
      long total = (long) (rate * seconds);
      long[] issued = {0};
      var tick =
          group
              .next()
              .scheduleAtFixedRate(
                  () -> {
                    long now = System.nanoTime();
                    while (issued[0] < total) {
                      long at = start + issued[0] * 1_000_000_000L / rate;
                      if (at > now) {
                        break;
                      }
                      issued[0]++;
                      counts[0]++;
                      Channel c = idle.poll();
                      while (c != null && !c.isActive()) {
                        c = idle.poll();
                      }
                      if (c != null) {
                        send(c, url, headers, at);
                      } else {
                        due.add(at);
                      }
                    }
                  },
                  0,
                  200,
                  TimeUnit.MICROSECONDS);
      long deadline = start + (long) (seconds * 1e9) + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        long[] snapshot =
            group
                .next()
                .submit(() -> new long[] {counts[0], counts[1] + counts[2], due.size()})
                .get();
        if (snapshot[0] >= total && snapshot[1] >= total) {
          break;
        }
        Thread.sleep(20);
      }
      tick.cancel(false);
      group.next().submit(() -> running[0] = false).sync();
      double took = (System.nanoTime() - start) / 1e9;
      for (Channel c : all) {
        c.close();
      }
      Histogram copy = group.next().submit(h::copy).get();
      long[] c = group.next().submit(() -> counts.clone()).get();
      return new Result(c[0], c[1], c[2], copy, took);
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  private static final io.netty.util.AttributeKey<Long> DUE =
      io.netty.util.AttributeKey.valueOf("due");

  private static final io.netty.util.AttributeKey<Boolean> BUSY =
      io.netty.util.AttributeKey.valueOf("busy");

  private static void send(Channel c, URI url, Map<String, String> headers, long dueAt) {
    c.attr(DUE).set(dueAt);
    c.attr(BUSY).set(Boolean.TRUE);
    String target = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
    FullHttpRequest r =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, HttpMethod.GET, target, Unpooled.EMPTY_BUFFER);
    r.headers().set(HttpHeaderNames.HOST, url.getHost() + ":" + url.getPort());
    headers.forEach((k, v) -> r.headers().set(k, v));
    c.writeAndFlush(r);
  }
}
