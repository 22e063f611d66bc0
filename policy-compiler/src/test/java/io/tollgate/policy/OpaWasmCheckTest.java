package io.tollgate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.policy.opa.OpaWasmCheck;
import java.io.InputStream;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The demo policy shipped in opa-java-wasm: {@code allowed if data.role[input.user] == "admin"}.
 */
class OpaWasmCheckTest {
  private static final String CONTRACT =
      """
      contract: c-opa
      provider: p
      consumer: %s
      dataset: ds
      opa:
        wasm: "classpath:demo-policy.wasm"
        entrypoint: opa/wasm/test/allowed
        input: {user: consumer}
        data: {role: {alice: admin, bob: user}}
      """;

  private static byte[] demo() throws Exception {
    try (InputStream in =
        OpaWasmCheck.class.getClassLoader().getResourceAsStream("demo-policy.wasm")) {
      return in.readAllBytes();
    }
  }

  private static DataCall call(String consumer) {
    return new DataCall()
        .id("1")
        .ts(Instant.parse("2026-03-02T10:00:00Z"))
        .consumer(consumer)
        .dataset("ds")
        .action(Action.READ)
        .purpose("x");
  }

  @Test
  void permitsWhenThePolicySaysTrueAndDeniesWithReasonOpaOtherwise() {
    PolicyEngine alice = Contracts.engine(CONTRACT.formatted("alice"));
    PolicyEngine bob = Contracts.engine(CONTRACT.formatted("bob"));
    PolicyEngine carol = Contracts.engine(CONTRACT.formatted("carol"));
    InMemoryCounterStore counters = new InMemoryCounterStore();
    assertThat(alice.decide(call("alice"), counters).permitted()).isTrue();
    assertThat(bob.decide(call("bob"), counters).reasons()).containsExactly("opa");
    assertThat(carol.decide(call("carol"), counters).reasons())
        .as("undefined role")
        .containsExactly("opa");
  }

  @Test
  void resultsAreCachedByInput() throws Exception {
    OpaWasmCheck check =
        new OpaWasmCheck(
            demo(),
            "opa/wasm/test/allowed",
            Map.of("user", "consumer"),
            "{\"role\":{\"alice\":\"admin\"}}",
            100);
    for (int i = 0; i < 50; i++) {
      assertThat(check.failures(call("alice"))).isZero();
      assertThat(check.failures(call("mallory"))).isEqualTo(Reason.OPA.bit());
    }
    assertThat(check.evaluations()).isEqualTo(2);
  }

  @Test
  void inputIsEscapedSoACallCannotInjectKeys() throws Exception {
    OpaWasmCheck check =
        new OpaWasmCheck(
            demo(),
            "opa/wasm/test/allowed",
            Map.of("user", "consumer"),
            "{\"role\":{\"alice\":\"admin\"}}",
            100);
    assertThat(check.failures(call("bob\",\"user\":\"alice"))).isEqualTo(Reason.OPA.bit());
  }

  @Test
  void unknownEntrypointAndBrokenModulesAreRefused() throws Exception {
    assertThatThrownBy(() -> new OpaWasmCheck(demo(), "no/such/rule", Map.of(), null, 10))
        .hasMessageContaining(
            "entrypoint 'no/such/rule' not in module (it has [opa/wasm/test/allowed])");
    assertThatThrownBy(
            () -> new OpaWasmCheck(new byte[] {0, 'a', 's', 'm', 9}, "x", Map.of(), null, 10))
        .hasMessageContaining("not a loadable OPA Wasm module");
    assertThatThrownBy(() -> new OpaWasmCheck(demo(), "opa/wasm/test/allowed", Map.of(), "[1]", 10))
        .hasMessageContaining("OPA data must be a JSON object");
  }
}
