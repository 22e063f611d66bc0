package io.tollgate.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The gateway's own responses: a JSON body {@code {"error": code, "message": text, ...}}. */
public final class Responses {
  private Responses() {}

  public static FullHttpResponse error(HttpResponseStatus status, String code, String message) {
    return json(status, "{\"error\":" + quote(code) + ",\"message\":" + quote(message) + "}");
  }

  public static FullHttpResponse denied(String contract, List<String> reasons, String callId) {
    StringBuilder b =
        new StringBuilder(
            "{\"error\":\"denied\",\"message\":\"the contract does not permit this call\",\"reasons\":[");
    for (int i = 0; i < reasons.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append(quote(reasons.get(i)));
    }
    b.append("],\"contract\":").append(contract == null ? "null" : quote(contract));
    b.append(",\"callId\":").append(quote(callId)).append('}');
    return json(HttpResponseStatus.FORBIDDEN, b.toString());
  }

  public static FullHttpResponse json(HttpResponseStatus status, String body) {
    ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8")
        .set(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
    return r;
  }

  public static String quote(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
