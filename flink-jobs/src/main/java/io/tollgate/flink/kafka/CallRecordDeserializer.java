package io.tollgate.flink.kafka;

import io.tollgate.enforcement.records.CallReader;
import io.tollgate.enforcement.records.CallRecord;
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
  private transient CallReader reader;
  private transient CallRecord reused;

  public CallRecordDeserializer(long maxFutureMillis, long maxLateMillis) {
    this.maxFutureMillis = maxFutureMillis;
    this.maxLateMillis = maxLateMillis;
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    reader = new CallReader(maxFutureMillis, maxLateMillis);
    reused = new CallRecord();
  }

  /**
   * Reads each record into one reused {@link CallRecord}: the source emits it synchronously into
   * the operators chained to it (the triage, then the network serializer of the keyBy), none of
   * which keeps it (the job runs with object reuse).
   */
  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<CallRecord> out)
      throws IOException {
    if (reader == null) {
      open(null);
    }
    CallRecord r = reader.read(record.key(), record.value(), record.timestamp(), reused);
    r.partition = record.partition();
    r.offset = record.offset();
    out.collect(r);
  }

  @Override
  public TypeInformation<CallRecord> getProducedType() {
    return TypeInformation.of(CallRecord.class);
  }
}
