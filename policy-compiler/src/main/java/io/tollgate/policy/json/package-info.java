/**
 * The JSON line formats of {@code tollgate policy eval}: {@link
 * io.tollgate.policy.json.DataCallCodec} reads a data call into a reusable {@link
 * io.tollgate.policy.DataCall} (strictly: wrong types, unknown actions or channels, duplicate or
 * missing keys, a {@code ts} outside 1970 to 2199 are a {@link
 * io.tollgate.policy.json.MalformedCallException} saying what and where), and {@link
 * io.tollgate.policy.json.DecisionCodec} writes a {@link io.tollgate.policy.Decision}.
 *
 * <p>Part of the API: every enforcement point reads call attributes through {@code DataCallCodec},
 * so the stream job (through the enforcement core's {@code CallRecordCodec}) and {@code policy
 * eval} accept and refuse exactly the same calls. The records of Tollgate's topics (feedback,
 * delivered, dead letters) are not here: they live in the enforcement-core module.
 *
 * <p>Depends on the API package and Jackson only; no Flink, Kafka, Netty or Vert.x (the module's
 * enforcer rule), and nothing of {@code io.tollgate.policy.internal} in a public signature ({@code
 * PolicyBoundaryTest}).
 */
package io.tollgate.policy.json;
