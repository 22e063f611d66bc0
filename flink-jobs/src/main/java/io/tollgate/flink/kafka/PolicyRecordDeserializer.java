package io.tollgate.flink.kafka;

import io.tollgate.enforcement.records.PolicyRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Reads {@code tollgate.policies} ({@link PolicyRecord#read}); never throws on bad input. */
public final class PolicyRecordDeserializer
    implements KafkaRecordDeserializationSchema<PolicyRecord> {
  private static final long serialVersionUID = 1L;

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<PolicyRecord> out) {
    out.collect(
        PolicyRecord.read(
            record.key(), record.value(), record.partition(), record.offset(), record.timestamp()));
  }

  @Override
  public TypeInformation<PolicyRecord> getProducedType() {
    return TypeInformation.of(PolicyRecord.class);
  }
}
