package io.tollgate.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pipeline of a client connection: TLS, idle close, the strict decoder, the aggregator (which
 * never answers by itself: an oversized request reaches the proxy in its turn, as {@link
 * Oversized}), the request clock, the proxy. Connections beyond {@code limits.maxConnections} are
 * closed on accept.
 */
public final class ProxyPipeline extends ChannelInitializer<SocketChannel> {
  private final GatewayContext gw;
  private final SslContext ssl;
  private final AtomicInteger open = new AtomicInteger();

  /** A request whose body is over the limit: answered 413, in order, by the proxy. */
  static final class Oversized {
    final HttpMessage request;

    Oversized(HttpMessage request) {
      this.request = request;
    }
  }

  /** The request timeout has run out for a request that started arriving. */
  static final Object REQUEST_TIMEOUT = new Object();

  public ProxyPipeline(GatewayContext gw, SslContext ssl) {
    this.gw = gw;
    this.ssl = ssl;
  }

  public int openConnections() {
    return open.get();
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    var limits = gw.config.limits();
    if (open.incrementAndGet() > limits.maxConnections()) {
      open.decrementAndGet();
      gw.metrics.refused("too-many-connections");
      ch.close();
      return;
    }
    ch.closeFuture().addListener(f -> open.decrementAndGet());
    ChannelPipeline p = ch.pipeline();
    if (ssl != null) {
      p.addLast(ssl.newHandler(ch.alloc()));
    }
    p.addLast(
        new IdleStateHandler(0, 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS) {
          @Override
          protected void channelIdle(
              io.netty.channel.ChannelHandlerContext ctx,
              io.netty.handler.timeout.IdleStateEvent evt) {
            ctx.close();
          }
        });
    p.addLast(new HttpResponseEncoder());
    p.addLast("clock", new RequestClock(limits.requestTimeout().toMillis()));
    p.addLast(new StrictRequestDecoder(limits.maxUriBytes(), limits.maxHeaderBytes()));
    p.addLast(
        new HttpObjectAggregator(
            (int) Math.min(Integer.MAX_VALUE, limits.maxRequestBytes()), true) {
          @Override
          protected Object newContinueResponse(
              HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
            return null; // no 100 Continue before the request is authenticated; clients send anyway
          }

          @Override
          protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            ctx.fireChannelRead(new Oversized(oversized));
          }
        });
    p.addLast(new ProxyHandler(gw));
  }

  /**
   * Starts a request's clock at its first byte (not when the previous response ended, so an idle
   * keep-alive connection is left to the idle timeout); when the clock runs out before the whole
   * request arrived, the proxy answers 408.
   */
  static final class RequestClock extends ChannelInboundHandlerAdapter {
    private final long timeoutMillis;
    private boolean waiting = true;
    private ScheduledFuture<?> deadline;

    RequestClock(long timeoutMillis) {
      this.timeoutMillis = timeoutMillis;
    }

    private StrictRequestDecoder decoder;
    private boolean paused;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      boolean bytes = msg instanceof ByteBuf b && b.isReadable();
      if (waiting && bytes) {
        start(ctx);
      }
      ctx.fireChannelRead(msg);
      // the decoder has taken these bytes: if a request ended in them (its clock stopped) and the
      // next one began, no later read may come to start that one's clock; it starts now
      if (bytes && waiting) {
        if (decoder == null) {
          decoder = ctx.pipeline().get(StrictRequestDecoder.class);
        }
        if (decoder != null && decoder.midRequest()) {
          start(ctx);
        }
      }
    }

    private void start(ChannelHandlerContext ctx) {
      if (paused) {
        return;
      }
      waiting = false;
      deadline =
          ctx.executor()
              .schedule(
                  () -> ctx.pipeline().fireUserEventTriggered(REQUEST_TIMEOUT),
                  timeoutMillis,
                  TimeUnit.MILLISECONDS);
    }

    /**
     * The request arrived whole: the clock stops, and the next byte (of the next request, even
     * while this one is served) starts it again.
     */
    void received() {
      if (deadline != null) {
        deadline.cancel(false);
        deadline = null;
      }
      waiting = true;
    }

    /** Stops the clock while the gateway itself does not read (pipelined requests queued). */
    void pause() {
      paused = true;
      if (deadline != null) {
        deadline.cancel(false);
        deadline = null;
      }
    }

    /** Reads go on: a request already begun gets a whole timeout from now, or the next byte. */
    void resume(ChannelHandlerContext ctx) {
      paused = false;
      if (decoder == null) {
        decoder = ctx.pipeline().get(StrictRequestDecoder.class);
      }
      if (decoder != null && decoder.midRequest()) {
        start(ctx);
      } else {
        waiting = true;
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      received();
      super.channelInactive(ctx);
    }

    static boolean full(Object msg) {
      return msg instanceof FullHttpRequest;
    }
  }
}
