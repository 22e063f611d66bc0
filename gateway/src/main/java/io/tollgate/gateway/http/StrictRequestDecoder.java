package io.tollgate.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;

/**
 * Netty's request decoder, strict: bare LF line ends refused, headers validated, duplicate {@code
 * Content-Length} refused, and a request with both {@code Content-Length} and {@code
 * Transfer-Encoding} marked failed (RFC 9112 §6.1 lets a server reject it; a gateway must, since
 * the upstream may read the other length: request smuggling).
 */
public final class StrictRequestDecoder extends HttpRequestDecoder {
  public StrictRequestDecoder(int maxInitialLine, int maxHeaderBytes) {
    super(
        new HttpDecoderConfig()
            .setMaxInitialLineLength(maxInitialLine)
            .setMaxHeaderSize(maxHeaderBytes)
            .setMaxChunkSize(64 * 1024)
            .setValidateHeaders(true)
            .setAllowDuplicateContentLengths(false)
            .setStrictLineParsing(true));
  }

  /** Bytes of a request were taken that did not end it yet. */
  private boolean partial;

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out)
      throws Exception {
    int before = buffer.readerIndex();
    int n = out.size();
    super.decode(ctx, buffer, out);
    boolean ended = false;
    for (int i = n; i < out.size(); i++) {
      if (out.get(i) instanceof LastHttpContent) {
        ended = true;
      }
    }
    if (ended) {
      partial = false;
    } else if (buffer.readerIndex() != before) {
      partial = true;
    }
  }

  /**
   * Whether part of a request has come (the request clock runs for it) though not the whole: a
   * request sent in the same packet as the one before it, say, which no later read announces.
   */
  boolean midRequest() {
    return partial || actualReadableBytes() > 0;
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    super.handleTransferEncodingChunkedWithContentLength(message);
    message.setDecoderResult(
        DecoderResult.failure(
            new IllegalArgumentException(
                "expected Content-Length or Transfer-Encoding, found both")));
  }
}
