/**
 * The records of Tollgate's topics ({@code docs/events.md}), read and written as bytes: one place
 * for each schema, so that no enforcement point, tool or test parses or writes one by hand.
 *
 * <ul>
 *   <li>Calls in: {@link io.tollgate.enforcement.records.CallRecordCodec} reads a {@code
 *       tollgate.calls} record into a {@link io.tollgate.enforcement.records.CallRecord} (the call
 *       attributes through the same {@code DataCallCodec} as {@code tollgate policy eval}, plus the
 *       payload's raw bytes and the spans of its top-level values). A bad record is never thrown at
 *       the caller: it comes back carrying its error and original bytes, bound for the DLQ.
 *   <li>Contracts in: {@link io.tollgate.enforcement.records.PolicyRecord#read} reads a {@code
 *       tollgate.policies} record the same way.
 *   <li>Records out: {@link io.tollgate.enforcement.records.EventWriter} writes feedback, delivered
 *       and dead-letter records; the delivered payload goes through {@link
 *       io.tollgate.enforcement.records.PayloadFilter} (projection, then masks), whose {@code hash}
 *       mask is {@link io.tollgate.enforcement.records.Pseudonyms} (keyed HMAC-SHA256 over
 *       canonical JSON text, the same pseudonym at every enforcement point).
 *   <li>Records read back: {@link io.tollgate.enforcement.records.EventReader} returns {@link
 *       io.tollgate.enforcement.records.FeedbackEvent}, {@link
 *       io.tollgate.enforcement.records.DeliveredEvent} and {@link
 *       io.tollgate.enforcement.records.DeadLetterEvent}; a record off its schema is a {@link
 *       io.tollgate.enforcement.records.MalformedRecordException}. The live figures, the stream
 *       load and the tests read through it, and so will metering and evidence.
 * </ul>
 *
 * <p>A newcomer reads {@code CallRecordCodec} and {@code EventWriter} first, with {@code
 * docs/events.md} beside them. The byte buffer ({@code JsonBytes}) and strict UTF-8 checks ({@code
 * Utf8}) are package-private. Writers, codecs and filters reuse their buffers and are not
 * thread-safe (one per operator); {@code EventReader} is.
 *
 * <p>Depends on {@code policy-compiler}'s API and on Jackson's streaming parser only: no Flink,
 * Kafka or Netty (the module's enforcer rule), so a Flink job and an HTTP gateway share it. {@code
 * CallRecord} and {@code PolicyRecord} are plain POJOs that Flink's own serializer handles without
 * a Flink type in sight.
 */
package io.tollgate.enforcement.records;
