/**
 * Where the job meets Kafka: the connector's (de)serialization schemas and the one plain consumer
 * the job uses.
 *
 * <ul>
 *   <li>{@link io.tollgate.flink.kafka.CallRecordDeserializer} parses {@code tollgate.calls} in the
 *       source reader with the enforcement core's {@code CallReader}; it never throws on bad input
 *       (a malformed record carries its error to the DLQ).
 *   <li>{@link io.tollgate.flink.kafka.PolicyRecordDeserializer} reads {@code tollgate.policies}
 *       through {@code PolicyRecord.read}, never throwing either.
 *   <li>{@link io.tollgate.flink.kafka.OutSerializer} writes an {@link io.tollgate.flink.Out} to
 *       its topic, leaving the Kafka timestamp to the producer.
 *   <li>{@link io.tollgate.flink.kafka.PolicyOffsets} reads, once, where the committed records of
 *       {@code tollgate.policies} end: called before the job graph is built, so that calls wait for
 *       the contracts up to there. It fails, naming {@code tollgate topics create}, when the topic
 *       is missing; it never creates it.
 * </ul>
 *
 * <p>These classes only translate between Kafka records and the enforcement core's records: the
 * schemas themselves live in {@code io.tollgate.enforcement.records}. Nothing here depends on the
 * dev module (no broker launcher, no topic admin), so all of it ships in the job jar.
 */
package io.tollgate.flink.kafka;
