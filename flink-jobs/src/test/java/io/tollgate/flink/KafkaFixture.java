package io.tollgate.flink;

import io.tollgate.dev.KafkaBroker;
import io.tollgate.dev.KafkaFacts;
import io.tollgate.dev.TopicAdmin;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A real broker with Tollgate's topics for one test class (started by the project's launcher), and
 * client helpers.
 */
final class KafkaFixture implements AutoCloseable {
  final KafkaBroker broker;
  final KafkaFacts facts;

  KafkaFixture() throws Exception {
    broker = KafkaBroker.temporary(Path.of("target", "kafka-it").toAbsolutePath()).start();
    TopicAdmin.create(broker.bootstrapServers(), 2, (short) 1);
    facts = new KafkaFacts(broker.bootstrapServers());
  }

  String bootstrap() {
    return broker.bootstrapServers();
  }

  KafkaProducer<byte[], byte[]> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 131072);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Every committed record of {@code topic}, up to its end now. */
  List<ConsumerRecord<byte[], byte[]>> committed(String topic) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    facts.readAll(topic, IsolationLevel.READ_COMMITTED, out::add);
    return out;
  }

  @Override
  public void close() {
    facts.close();
    broker.close();
  }
}
