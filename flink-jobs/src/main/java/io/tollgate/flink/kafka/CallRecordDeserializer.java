package io.tollgate.flink.kafka;

import io.tollgate.enforcement.records.CallRecord;
import io.tollgate.enforcement.records.CallRecordCodec;
import java.io.IOException;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Parses {@code tollgate.calls} records in the source reader. Never throws on bad input: a
 * malformed record comes out as a {@link CallRecord} carrying its error and original bytes.
 */
public final class CallRecordDeserializer implements KafkaRecordDeserializationSchema<CallRecord> {
  private static final long serialVersionUID = 1L;

  private final long maxFutureMillis;
  private final long maxLateMillis;
  private transient CallRecordCodec codec;

  public CallRecordDeserializer(long maxFutureMillis, long maxLateMillis) {
    this.maxFutureMillis = maxFutureMillis;
    this.maxLateMillis = maxLateMillis;
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    codec = new CallRecordCodec(maxFutureMillis, maxLateMillis);
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<CallRecord> out)
      throws IOException {
    if (codec == null) {
      codec = new CallRecordCodec(maxFutureMillis, maxLateMillis);
    }
    CallRecord r = codec.parse(record.key(), record.value(), record.timestamp(), new CallRecord());
    r.partition = record.partition();
    r.offset = record.offset();
    out.collect(r);
  }

  @Override
  public TypeInformation<CallRecord> getProducedType() {
    return TypeInformation.of(CallRecord.class);
  }
}
