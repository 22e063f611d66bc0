/**
 * Implementation details of the compiler: {@link io.tollgate.policy.internal.LocalClock} (local
 * time in a zone without allocating, from precomputed offset transitions) and {@link
 * io.tollgate.policy.internal.Fingerprint} (a policy's content hash, its version). Not an API.
 *
 * <p>Used only inside policy-compiler, and never named by a public signature of the API or SPI
 * ({@code PolicyBoundaryTest}); no other module may use it ({@code ModuleBoundaryTest} in the cli
 * module). Like the rest of the module it depends on no Flink, Kafka, Netty or Vert.x, and reads no
 * system clock.
 */
package io.tollgate.policy.internal;
