package io.tollgate.flink.metering;

import io.tollgate.enforcement.records.EventReader;
import io.tollgate.enforcement.records.FeedbackEvent;
import java.time.Instant;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code tollgate.feedback}. An event without an id (written before ids existed) or that
 * cannot be read is skipped and logged: it cannot be deduplicated, so counting it could count it
 * twice.
 */
public final class FeedbackDeserializer implements KafkaRecordDeserializationSchema<Metered> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(FeedbackDeserializer.class);

  /** The most records, and bytes, one call may deliver: sums of them never overflow. */
  static final long MAX_RECORDS = 1L << 40;

  static final long MAX_BYTES = 1L << 40;

  /** How far ahead of its record's timestamp an event's time may be: a clock a day off, at most. */
  static final long FUTURE_MS = 86_400_000L;

  private transient org.apache.flink.metrics.Counter skipped;

  @Override
  public void open(
      org.apache.flink.api.common.serialization.DeserializationSchema.InitializationContext ctx) {
    skipped = ctx.getMetricGroup().counter("feedbackSkipped");
  }

  private void skip() {
    if (skipped != null) {
      skipped.inc();
    }
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Metered> out) {
    FeedbackEvent e;
    long ts;
    try {
      e = EventReader.feedback(record.value());
      ts = Instant.parse(e.eventTime()).toEpochMilli();
    } catch (RuntimeException ex) {
      LOG.warn(
          "skipping unreadable feedback at {}-{}@{}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          ex.getMessage());
      skip();
      return;
    }
    if (ts < 0
        || ts >= io.tollgate.metering.UsageLedger.HORIZON
        || (record.timestamp() >= 0 && ts > record.timestamp() + FUTURE_MS)) {
      // an event from the future would close every month before it: never let it move time
      LOG.warn(
          "skipping feedback at {}-{}@{}: its time {} is more than a day after its record's {}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.eventTime(),
          Instant.ofEpochMilli(record.timestamp()));
      skip();
      return;
    }
    String bad = bad(e);
    if (bad != null) {
      LOG.warn(
          "skipping feedback at {}-{}@{}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          bad);
      skip();
      return;
    }
    if (e.id() == null) {
      LOG.warn(
          "skipping feedback without an id at {}-{}@{}",
          record.topic(),
          record.partition(),
          record.offset());
      skip();
      return;
    }
    Metered m = new Metered();
    m.consumer = e.consumer();
    m.provider = e.provider();
    m.contract = e.contract();
    m.dataset = e.dataset();
    m.key = m.consumer + "|" + m.provider + "|" + m.contract + "|" + m.dataset;
    m.id = e.id();
    m.decision = e.decision().name();
    m.reasons = String.join(",", e.reasons());
    m.version = e.policyVersion();
    m.eventTime = ts;
    m.records = e.records();
    m.bytes = e.bytes();
    out.collect(m);
  }

  /** What metering cannot count in a readable event, or null. */
  static String bad(FeedbackEvent e) {
    if (e.records() < 0 || e.bytes() < 0) {
      return "negative records or bytes";
    }
    if (e.records() > MAX_RECORDS || e.bytes() > MAX_BYTES) {
      return "more than 2^40 records or bytes in one call";
    }
    if (longer(e.id(), 256) || longer(e.policyVersion(), 256)) {
      return "an id or policyVersion over 256 characters";
    }
    if (longer(e.consumer(), 1024)
        || longer(e.provider(), 1024)
        || longer(e.contract(), 1024)
        || longer(e.dataset(), 1024)
        || String.join(",", e.reasons()).length() > 1024) {
      return "a consumer, provider, contract, dataset or reason list over 1,024 characters";
    }
    return null;
  }

  private static boolean longer(String s, int max) {
    return s != null && s.length() > max;
  }

  @Override
  public TypeInformation<Metered> getProducedType() {
    return TypeInformation.of(Metered.class);
  }
}
