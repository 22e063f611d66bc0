package io.tollgate.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
 * requests. Keep-alive connections, one request in flight each, a connection closed by the server
 * replaced. One event-loop thread, kept cheap (epoll, the request encoded once, responses decoded
 * but never aggregated) since on a small machine it shares the cores with what it measures.
 */
public final class ConstantRate {
  /** What a run measured. */
  public record Result(long sent, long ok, long errors, Histogram latencyMicros, double seconds) {}

  private ConstantRate() {}

  public static Result run(
      URI url, Map<String, String> headers, int rate, int connections, double seconds)
      throws Exception {
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, io);
    int port = url.getPort() > 0 ? url.getPort() : 80;
    Run run = new Run(request(url, port, headers));
    try {
      Bootstrap b =
          new Bootstrap()
              .group(group)
              .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
              .option(ChannelOption.TCP_NODELAY, true)
              .handler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      ch.pipeline().addLast(new HttpResponseDecoder()).addLast(run.new Conn());
                    }
                  });
      run.connect = () -> b.connect(url.getHost(), port);
      List<Channel> all = new ArrayList<>();
      for (int i = 0; i < connections; i++) {
        all.add(b.connect(url.getHost(), port).sync().channel());
      }
      group.next().submit(() -> run.idle.addAll(all)).sync();
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
                      run.sent++;
                      run.dispatch(at);
                    }
                  },
                  0,
                  200,
                  TimeUnit.MICROSECONDS);
      long deadline = start + (long) (seconds * 1e9) + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        long[] snapshot =
            group.next().submit(() -> new long[] {run.sent, run.ok + run.errors}).get();
        if (snapshot[0] >= total && snapshot[1] >= total) {
          break;
        }
        Thread.sleep(20);
      }
      tick.cancel(false);
      group.next().submit(() -> run.running = false).sync();
      double took = (System.nanoTime() - start) / 1e9;
      group.next().submit(() -> run.closeAll()).sync();
      Histogram copy = group.next().submit(run.latency::copy).get();
      long[] c = group.next().submit(() -> new long[] {run.sent, run.ok, run.errors}).get();
      return new Result(c[0], c[1], c[2], copy, took);
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
      run.request.release();
    }
  }

  /** The request's bytes, once: {@code GET target HTTP/1.1}, Host and the given headers. */
  private static ByteBuf request(URI url, int port, Map<String, String> headers) {
    StringBuilder s = new StringBuilder("GET ");
    s.append(url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath());
    if (url.getRawQuery() != null) {
      s.append('?').append(url.getRawQuery());
    }
    s.append(" HTTP/1.1\r\nHost: ").append(url.getHost()).append(':').append(port);
    s.append("\r\n");
    headers.forEach((k, v) -> s.append(k).append(": ").append(v).append("\r\n"));
    s.append("\r\n");
    return Unpooled.directBuffer().writeBytes(s.toString().getBytes(StandardCharsets.ISO_8859_1));
  }

  /** A run's state, touched only on its one event loop. */
  private static final class Run {
    final ByteBuf request;
    final Histogram latency = new Histogram(60_000_000L, 3);
    final ArrayDeque<Long> due = new ArrayDeque<>();
    final ArrayDeque<Channel> idle = new ArrayDeque<>();
    final List<Channel> open = new ArrayList<>();
    java.util.function.Supplier<io.netty.channel.ChannelFuture> connect;
    boolean running = true;
    long sent;
    long ok;
    long errors;

    Run(ByteBuf request) {
      this.request = request;
    }

    /** Request due at {@code at} goes out on a free connection, or waits for one. */
    void dispatch(long at) {
      Channel c = idle.poll();
      while (c != null && !c.isActive()) {
        c = idle.poll();
      }
      if (c != null) {
        send(c, at);
      } else {
        due.add(at);
      }
    }

    void send(Channel c, long at) {
      ((Conn) c.pipeline().last()).dueAt = at;
      c.writeAndFlush(request.retainedDuplicate());
    }

    void free(Channel c) {
      Long next = due.poll();
      if (next != null) {
        send(c, next);
      } else {
        idle.add(c);
      }
    }

    void closeAll() {
      for (Channel c : new ArrayList<>(open)) {
        c.close();
      }
    }

    /** One connection: times its request from when it was due. */
    final class Conn extends SimpleChannelInboundHandler<HttpObject> {
      long dueAt = -1;
      boolean success;
      boolean keepAlive;

      @Override
      public void channelActive(ChannelHandlerContext ctx) throws Exception {
        open.add(ctx.channel());
        super.channelActive(ctx);
      }

      @Override
      protected void channelRead0(ChannelHandlerContext ctx, HttpObject o) {
        if (o instanceof HttpResponse r) {
          success = r.status().code() / 100 == 2;
          keepAlive = HttpUtil.isKeepAlive(r);
        }
        if (o instanceof LastHttpContent && dueAt >= 0) {
          latency.recordValue(
              Math.min(60_000_000L, Math.max(0, (System.nanoTime() - dueAt) / 1000)));
          dueAt = -1;
          if (success) {
            ok++;
          } else {
            errors++;
          }
          if (keepAlive) {
            free(ctx.channel());
          } else {
            ctx.close(); // the server ends it: its replacement takes the next request
          }
        }
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        open.remove(ctx.channel());
        if (dueAt >= 0) {
          errors++; // its request got no whole response
          dueAt = -1;
        }
        if (running) {
          replace(ctx.channel().eventLoop());
        }
        super.channelInactive(ctx);
      }

      /** Another connection takes this one's place, and what waits; tried again every 100 ms. */
      private void replace(io.netty.channel.EventLoop loop) {
        connect
            .get()
            .addListener(
                (ChannelFutureListener)
                    f -> {
                      if (f.isSuccess()) {
                        free(f.channel());
                      } else if (running) {
                        loop.schedule(() -> replace(loop), 100, TimeUnit.MILLISECONDS);
                      }
                    });
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
      }
    }
  }
}
