package io.tollgate.policy.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.policy.Action;
import io.tollgate.policy.Channel;
import io.tollgate.policy.DataCall;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DataCallCodecTest {
  private final DataCallCodec codec = new DataCallCodec();
  private static final String OK =
      "{\"id\":\"c1\",\"ts\":\"2026-03-02T18:00:00+08:00\",\"consumer\":\"acme\","
          + "\"dataset\":\"ds\",\"action\":\"read\",\"purpose\":\"risk\"";

  @Test
  void parsesEveryAttributeAndRoundTrips() throws Exception {
    DataCall c =
        codec.parse(
            OK
                + ",\"fields\":[\"a\",\"b\"],\"region\":\"CN-SH\",\"location\":{\"lat\":31.2,\"lon\":121.4},"
                + "\"channel\":\"kafka\",\"records\":3,\"bytes\":420,\"payload\":{\"speed\":[1,2,{\"x\":null}]}}",
            new DataCall());
    assertThat(c.id()).isEqualTo("c1");
    assertThat(c.ts()).isEqualTo(Instant.parse("2026-03-02T10:00:00Z").toEpochMilli());
    assertThat(c.action()).isEqualTo(Action.READ);
    assertThat(c.fields()).containsExactly("a", "b");
    assertThat(c.lat()).isEqualTo(31.2);
    assertThat(c.lon()).isEqualTo(121.4);
    assertThat(c.channel()).isEqualTo(Channel.KAFKA);
    assertThat(c.records()).isEqualTo(3);
    assertThat(c.bytes()).isEqualTo(420);
    assertThat(codec.parse(codec.toJson(c), new DataCall())).isEqualTo(c);
  }

  @Test
  void epochMillisAreAcceptedAndOptionalAttributesDefault() throws Exception {
    DataCall c =
        codec.parse(
            OK.replace("\"2026-03-02T18:00:00+08:00\"", "1772445600000") + "}", new DataCall());
    assertThat(c.ts()).isEqualTo(1772445600000L);
    assertThat(c.hasFields()).isFalse();
    assertThat(c.region()).isNull();
    assertThat(c.hasLocation()).isFalse();
    assertThat(c.records()).isEqualTo(1);
  }

  @Test
  void parsingResetsTheReusedInstance() throws Exception {
    DataCall reused = new DataCall();
    codec.parse(OK + ",\"fields\":[\"a\"],\"region\":\"CN\"}", reused);
    codec.parse(OK + "}", reused);
    assertThat(reused.hasFields()).isFalse();
    assertThat(reused.region()).isNull();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "not json|expected valid JSON",
        "[1,2]|expected a JSON object, found a list",
        "{\"id\":\"x\"}|ts: required, missing",
        "{\"id\":\"x\",\"ts\":\"yesterday\"}|ts: expected an ISO-8601 instant with offset or epoch milliseconds, found \"yesterday\"",
        "{\"id\":\"x\",\"ts\":true}|ts: expected an instant, found a boolean",
        "{\"id\":5}|id: expected text, found a number",
        "{\"id\":\"\"}|id: expected 1 to 1024 characters, found 0",
        "{\"id\":\"x\",\"ts\":1,\"consumer\":\"a\",\"dataset\":\"d\",\"action\":\"teleport\"}|action: expected one of use, read",
        "OK,\"channel\":\"fax\"}|channel: expected http, kafka or mqtt, found \"fax\"",
        "OK,\"fields\":\"a,b\"}|fields: expected a list of field names, found text",
        "OK,\"fields\":[1]}|fields/0: expected text, found a number",
        "OK,\"location\":{\"lat\":91,\"lon\":0}}|location: expected lat in [-90, 90]",
        "OK,\"location\":{\"lat\":1}}|location: expected lat in [-90, 90] and lon in [-180, 180], found lat=1.0 lon=NaN",
        "OK,\"location\":{\"lat\":\"N31\",\"lon\":0}}|location/lat: expected a number, found text",
        "OK,\"records\":-1}|records: expected a whole number of at least 0, found a number -1",
        "OK,\"records\":1e3}|records: expected a whole number of at least 0, found a number",
        "OK,\"bytes\":99999999999999999999999}|bytes: expected a whole number of at least 0",
        "OK} {}|expected one JSON object, found trailing content",
        "{\"id\":\"x\",\"ts\":1,\"consumer\":\"a\",\"dataset\":\"d\",\"action\":\"read\"}|purpose: required, missing",
        "OK,\"purpose\":\"nav\"}|Duplicate field 'purpose'",
        "OK,\"region\":\"CN-ANYTHING-AT-ALL\"}|region: expected an ISO 3166-2 code such as CN or CN-SH, found \"CN-ANYTHING-AT-ALL\"",
        "OK,\"region\":\"cn-sh\"}|region: expected an ISO 3166-2 code",
        "{\"id\":\"x\",\"ts\":-1}|ts: expected an instant from 1970 to 2199, found 1969-12-31T23:59:59.999Z",
        "{\"id\":\"x\",\"ts\":9223372036854775807}|ts: expected an instant from 1970 to 2199",
        "{\"id\":\"x\",\"ts\":\"2200-01-01T00:00:00Z\"}|ts: expected an instant from 1970 to 2199",
        "{\"id\":\"x\",\"ts\":99999999999999999999}|ts: expected an instant, found a number",
      })
  void malformedCallsAreExplained(String json, String expected) {
    String text = json.replace("OK", OK);
    assertThatThrownBy(() -> codec.parse(text, new DataCall()))
        .isInstanceOf(MalformedCallException.class)
        .hasMessageContaining(expected);
  }

  @Test
  void deeplyNestedPayloadIsRefusedNotAStackOverflow() {
    String deep = OK + ",\"payload\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
    assertThatThrownBy(() -> codec.parse(deep, new DataCall()))
        .isInstanceOf(MalformedCallException.class)
        .hasMessageContaining("nesting depth");
  }

  @Test
  void overlongValuesAreRefused() {
    String longId = OK.replace("\"c1\"", "\"" + "x".repeat(5000) + "\"") + "}";
    assertThatThrownBy(() -> codec.parse(longId, new DataCall()))
        .hasMessageContaining("id: expected 1 to 1024 characters, found 5000");
  }
}
