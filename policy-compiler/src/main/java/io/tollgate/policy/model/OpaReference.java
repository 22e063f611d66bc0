package io.tollgate.policy.model;

import java.util.Map;

/**
 * A reference to an Open Policy Agent policy compiled to WebAssembly ({@code opa build -t wasm}).
 *
 * @param wasm path of the {@code .wasm} module, relative to the contract's directory, or a {@code
 *     classpath:} resource
 * @param entrypoint the entrypoint to evaluate (for example {@code opa/wasm/test/allowed}); the
 *     constraint holds when it evaluates to {@code true}
 * @param input OPA input key to call attribute ({@code consumer}, {@code dataset}, {@code action},
 *     {@code purpose}, {@code region}, {@code channel}): only these reach OPA, which keeps results
 *     cacheable
 * @param dataJson the OPA {@code data} document as JSON, or null
 */
public record OpaReference(
    String wasm, String entrypoint, Map<String, String> input, String dataJson) {

  public OpaReference {
    input = Map.copyOf(input);
  }
}
