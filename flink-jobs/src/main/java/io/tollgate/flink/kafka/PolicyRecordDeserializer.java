package io.tollgate.flink.kafka;

import io.tollgate.flink.events.PolicyRecord;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Reads {@code tollgate.policies}: key = contract id, value = contract text or null (revocation). */
public final class PolicyRecordDeserializer implements KafkaRecordDeserializationSchema<PolicyRecord> {
  private static final long serialVersionUID = 1L;
  /** Largest contract accepted, as for contract files. */
  public static final int MAX_BYTES = 4 << 20;

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<PolicyRecord> out) {
    PolicyRecord r = new PolicyRecord();
    r.partition = record.partition();
    r.offset = record.offset();
    r.publishedAt = record.timestamp();
    try {
      r.contractId = record.key() == null ? null : utf8(record.key());
      if (r.contractId == null || r.contractId.isEmpty()) {
        r.error = "expected the contract id as the record key, found none";
      } else if (record.value() != null && record.value().length > MAX_BYTES) {
        r.error = "expected a contract of at most " + MAX_BYTES + " bytes, found " + record.value().length;
      } else if (record.value() != null) {
        r.text = utf8(record.value());
      }
    } catch (CharacterCodingException e) {
      r.error = "expected UTF-8 text, found invalid bytes";
      r.text = null;
    }
    if (r.error != null) {
      r.rawKey = record.key();
      r.rawValue = record.value();
      if (r.contractId != null && r.contractId.isEmpty()) {
        r.contractId = null;
      }
    }
    out.collect(r);
  }

  private static String utf8(byte[] b) throws CharacterCodingException {
    return StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(b)).toString();
  }

  @Override
  public TypeInformation<PolicyRecord> getProducedType() {
    return TypeInformation.of(PolicyRecord.class);
  }
}
