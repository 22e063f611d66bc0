package io.tollgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.gateway.config.Route;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PathNormalizerTest {
  @ParameterizedTest
  @CsvSource({
    "/a/b, /a/b",
    "//a//b, /a/b",
    "/a/./b, /a/b",
    "/a/x/../b, /a/b",
    "/a/%62, /a/b",
    "/a/%7e, /a/~",
    "/a/%e4%b8%ad, /a/%E4%B8%AD",
    "/a/b/, /a/b/",
    "/a/%20b, /a/%20b",
    "/, /",
  })
  void normalises(String raw, String want) throws Exception {
    assertThat(PathNormalizer.normalize(raw).path()).isEqualTo(want);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/a%2fb",
        "/a%2Fb",
        "/a%5cb",
        "/a\\b",
        "/a;p=1",
        "/a%3bp",
        "/a%00",
        "/a%0a",
        "/a%7f",
        "/a%c0%ae",
        "/a%e0%80%ae",
        "/a%ed%a0%80",
        "/a%c3",
        "/a%zz",
        "/a%2",
        "/..",
        "/a/../..",
        "/a b",
        "/a\u00e9",
        "a/b",
        "",
        "/a#b",
        "/a[b]",
      })
  void refuses(String raw) {
    assertThatThrownBy(() -> PathNormalizer.normalize(raw))
        .isInstanceOf(PathNormalizer.BadPath.class);
  }

  @Test
  void prefixesMatchOnSegmentBoundaries() {
    Router r = new Router(List.of(route("/api"), route("/api/v2")));
    assertThat(r.match("/api").prefix()).isEqualTo("/api");
    assertThat(r.match("/api/x").prefix()).isEqualTo("/api");
    assertThat(r.match("/api/v2/x").prefix()).isEqualTo("/api/v2");
    assertThat(r.match("/apix")).isNull();
    assertThat(r.match("/ap")).isNull();
  }

  static Route route(String prefix) {
    return new Route(
        prefix.substring(1).replace('/', '-'),
        null,
        null,
        null,
        prefix,
        URI.create("http://127.0.0.1:1"),
        Set.of("GET"),
        Route.defaultActions(),
        1024,
        1024,
        Duration.ofSeconds(1),
        Duration.ofSeconds(1),
        Duration.ofSeconds(1),
        false,
        Map.of());
  }
}
