package io.tollgate.flink.evidence;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Every record as it is: nothing is dropped on the way to the log, however malformed. */
public final class SourcedDeserializer implements KafkaRecordDeserializationSchema<Sourced> {
  private static final long serialVersionUID = 1L;

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<Sourced> out) {
    Sourced s = new Sourced();
    s.topic = r.topic();
    s.partition = r.partition();
    s.offset = r.offset();
    s.timestamp = r.timestamp();
    s.key = r.key();
    s.value = r.value();
    out.collect(s);
  }

  @Override
  public TypeInformation<Sourced> getProducedType() {
    return TypeInformation.of(Sourced.class);
  }
}
