package io.tollgate.gateway.http;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/** The pipeline of a client connection: TLS, the strict decoder, the aggregator, the proxy. */
public final class ProxyPipeline extends ChannelInitializer<SocketChannel> {
  private final GatewayContext gw;
  private final SslContext ssl;

  public ProxyPipeline(GatewayContext gw, SslContext ssl) {
    this.gw = gw;
    this.ssl = ssl;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ChannelPipeline p = ch.pipeline();
    if (ssl != null) {
      p.addLast(ssl.newHandler(ch.alloc()));
    }
    var limits = gw.config.limits();
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
    p.addLast(new StrictRequestDecoder(limits.maxUriBytes(), limits.maxHeaderBytes()));
    p.addLast(
        new HttpObjectAggregator(
            (int) Math.min(Integer.MAX_VALUE, limits.maxRequestBytes()), true));
    p.addLast(new ProxyHandler(gw));
  }
}
