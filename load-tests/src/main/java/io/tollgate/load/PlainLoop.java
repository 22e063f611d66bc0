package io.tollgate.load;

import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.records.CallReader;
import io.tollgate.enforcement.records.CallRecord;
import io.tollgate.enforcement.records.EventWriter;
import io.tollgate.policy.CompiledPolicy;
import io.tollgate.policy.DataCall;
import io.tollgate.policy.Decision;
import io.tollgate.policy.InMemoryCounterStore;
import io.tollgate.policy.Outcome;
import io.tollgate.policy.PolicyEngine;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The stream load's third baseline: the enforcement job's work with no Flink, a plain Kafka
 * consume-transform-produce loop in one thread. It reads {@code tollgate.calls} ({@code
 * read_committed}), reads each call with the same {@link CallReader}, decides it with the same
 * compiled contracts (counters in memory), writes the same feedback, delivered and dead-letter
 * records with the same {@link EventWriter}, and commits output and input offsets together in one
 * Kafka transaction per interval, as the job does per checkpoint. What it lacks, next to the job:
 * durable counters, recovery, rescaling, watermarks, a network hop between source and keyed
 * operator. It is the nearest measure of what Kafka itself allows on this machine.
 */
final class PlainLoop implements AutoCloseable {
  private final Thread thread;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private volatile boolean stop;

  PlainLoop(
      String bootstrap,
      String group,
      List<CompiledPolicy> contracts,
      long commitIntervalMs,
      String compression) {
    thread =
        new Thread(
            () -> {
              try {
                run(bootstrap, group, contracts, commitIntervalMs, compression);
              } catch (Throwable t) {
                failure.set(t);
              }
            },
            "plain-loop");
    thread.setDaemon(true);
    thread.start();
  }

  /** Throws what stopped the loop, if it stopped. */
  void check() {
    Throwable t = failure.get();
    if (t != null) {
      throw new IllegalStateException("the plain Kafka loop failed", t);
    }
  }

  private void run(
      String bootstrap,
      String group,
      List<CompiledPolicy> contracts,
      long commitIntervalMs,
      String compression) {
    PolicyEngine engine = PolicyEngine.of(contracts);
    InMemoryCounterStore counters = new InMemoryCounterStore();
    CallReader reader = new CallReader(300_000, 3_600_000);
    CallRecord record = new CallRecord();
    DataCall call = new DataCall();
    Decision decision = new Decision();
    EventWriter writer = new EventWriter("tollgate-demo-mask-key".getBytes(StandardCharsets.UTF_8));
    Map<String, byte[]> keys = new HashMap<>();
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap, group);
        KafkaProducer<byte[], byte[]> producer = producer(bootstrap, group, compression)) {
      consumer.subscribe(List.of(Topics.CALLS));
      producer.initTransactions();
      producer.beginTransaction();
      long lastCommit = System.nanoTime();
      while (!stop) {
        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(100));
        long now = System.currentTimeMillis();
        for (ConsumerRecord<byte[], byte[]> r : batch) {
          CallRecord c = reader.read(r.key(), r.value(), r.timestamp(), record);
          c.partition = r.partition();
          c.offset = r.offset();
          if (c.malformed()) {
            producer.send(
                new ProducerRecord<>(
                    Topics.DLQ,
                    r.key(),
                    writer.deadLetter(
                        Topics.CALLS,
                        c.partition,
                        c.offset,
                        c.ingestTs,
                        c.error,
                        c.originalKey,
                        c.original)));
          } else {
            engine.decide(c.to(call), counters, decision);
            byte[] key = keys.computeIfAbsent(c.consumer, k -> k.getBytes(StandardCharsets.UTF_8));
            producer.send(
                new ProducerRecord<>(Topics.FEEDBACK, key, writer.feedback(c, decision, now)));
            if (decision.outcome() == Outcome.PERMIT) {
              producer.send(
                  new ProducerRecord<>(
                      Topics.DELIVERED,
                      key,
                      writer.delivered(
                          c,
                          decision.contractId(),
                          decision.policyVersion(),
                          decision.project(),
                          decision.masks())));
            }
          }
          offsets.put(
              new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }
        if (System.nanoTime() - lastCommit >= commitIntervalMs * 1_000_000L && !offsets.isEmpty()) {
          producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
          producer.commitTransaction();
          offsets.clear();
          producer.beginTransaction();
          lastCommit = System.nanoTime();
        }
      }
      producer.abortTransaction();
    }
  }

  private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String group) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private static KafkaProducer<byte[], byte[]> producer(
      String bootstrap, String group, String compression) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, group + "-plain");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    // the job's sink settings
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 131072);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 300_000);
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    thread.join(60_000);
  }
}
