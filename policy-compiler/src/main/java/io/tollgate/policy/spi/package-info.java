/**
 * What implementers extend: the service-provider interface of the policy engine.
 *
 * <ul>
 *   <li>{@link io.tollgate.policy.spi.CounterStore}: where the counters of stateful limits live (in
 *       memory in this module, Flink keyed state in flink-jobs; a Redis store comes with the
 *       gateway). Every implementation extends the one contract test, {@code
 *       CounterStoreContractTest}, from this module's test jar.
 *   <li>{@link io.tollgate.policy.spi.CounterState} and {@link io.tollgate.policy.spi.QuotaKind}:
 *       the counters of one contract for one consumer, a plain POJO each store keeps its own way.
 *   <li>{@link io.tollgate.policy.spi.LimitSpec}: the exact arithmetic every store applies to a
 *       {@code CounterState}, so that every store and every replay decide the same.
 *   <li>{@link io.tollgate.policy.spi.Check}: a compiled stateless constraint, for extensions such
 *       as OPA modules.
 * </ul>
 *
 * <p>Users of the engine read {@link io.tollgate.policy} instead; {@code
 * io.tollgate.policy.internal} is neither API nor SPI. {@code PolicyBoundaryTest} keeps the three
 * apart: no SPI type depends on a package-private class of the API, and no public signature names
 * an internal type. Like the whole module, the SPI depends on no Flink, Kafka, Netty or Vert.x: a
 * store that needs one lives in the module of its runtime.
 */
package io.tollgate.policy.spi;
