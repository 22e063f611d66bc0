/**
 * Open Policy Agent constraints: {@link io.tollgate.policy.opa.OpaWasmCheck}, a {@link
 * io.tollgate.policy.spi.Check} that evaluates an OPA policy compiled to WebAssembly in process
 * (opa-java-wasm on Chicory, pure Java: no sidecar, no network on the decision path) and holds only
 * when the entrypoint evaluates to {@code true}; anything else fails with reason {@code opa}.
 *
 * <p>Only the call attributes the contract maps into {@code input} reach OPA, so results are cached
 * in a bounded Caffeine cache keyed by that input; this is the one check that allocates. The
 * compiler builds it from a contract's {@code opa} key ({@code docs/contracts.md}); why OPA runs
 * this way: {@code docs/adr/0003-opa-in-process-wasm.md}.
 *
 * <p>Depends on the API and SPI packages, opa-java-wasm and Caffeine; no Flink, Kafka, Netty or
 * Vert.x. The contract model does not depend on this package ({@code PolicyBoundaryTest}).
 */
package io.tollgate.policy.opa;
