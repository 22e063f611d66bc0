package io.tollgate.flink.kafka;

import io.tollgate.flink.Out;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes {@link Out} records to one topic. The Kafka timestamp is left to the producer (the time of
 * writing): event times travel in the body, and an old event time as the record timestamp would let
 * retention delete fresh records of a replay.
 */
public final class OutSerializer implements KafkaRecordSerializationSchema<Out> {
  private static final long serialVersionUID = 1L;
  private final String topic;

  public OutSerializer(String topic) {
    this.topic = topic;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(Out e, KafkaSinkContext context, Long timestamp) {
    return new ProducerRecord<>(topic, null, null, e.key, e.value);
  }
}
