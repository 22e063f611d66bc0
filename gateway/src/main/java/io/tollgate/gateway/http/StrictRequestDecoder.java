package io.tollgate.gateway.http;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

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

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    super.handleTransferEncodingChunkedWithContentLength(message);
    message.setDecoderResult(
        DecoderResult.failure(
            new IllegalArgumentException(
                "expected Content-Length or Transfer-Encoding, found both")));
  }
}
