package io.tollgate.dev;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The facts that tests and tools end on, instead of seconds of quiet: a consumer group's committed
 * offsets, a topic's end offsets for committed and uncommitted readers, whether a job has drained
 * its input with every output transaction committed, and every record of a topic up to its end.
 */
public final class KafkaFacts implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(KafkaFacts.class);
  private final String bootstrap;
  // kept open between looks: a new client per look costs a connection and a metadata round each
  private KafkaConsumer<byte[], byte[]> committedReader;
  private KafkaConsumer<byte[], byte[]> uncommittedReader;
  private Admin admin;

  public KafkaFacts(String bootstrap) {
    this.bootstrap = bootstrap;
  }

  /**
   * The end offset of each partition of {@code topic}: the last stable offset for {@code
   * read_committed}.
   */
  public synchronized Map<TopicPartition, Long> endOffsets(String topic, IsolationLevel isolation) {
    KafkaConsumer<byte[], byte[]> c;
    if (isolation == IsolationLevel.READ_COMMITTED) {
      c = committedReader == null ? committedReader = consumer(isolation) : committedReader;
    } else {
      c = uncommittedReader == null ? uncommittedReader = consumer(isolation) : uncommittedReader;
    }
    return new HashMap<>(c.endOffsets(partitions(c, topic), Duration.ofSeconds(30)));
  }

  /**
   * The offsets {@code group} has committed on {@code topic} (partitions without one are absent).
   */
  public synchronized Map<TopicPartition, Long> committed(String group, String topic)
      throws Exception {
    if (admin == null) {
      Properties p = new Properties();
      p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      admin = Admin.create(p);
    }
    {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(30, TimeUnit.SECONDS);
      Map<TopicPartition, Long> out = new HashMap<>();
      offsets.forEach(
          (tp, o) -> {
            if (tp.topic().equals(topic) && o != null) {
              out.put(tp, o.offset());
            }
          });
      return out;
    }
  }

  /** Sum of the offsets {@code group} has committed on {@code topic}. */
  public long committedTotal(String group, String topic) throws Exception {
    return committed(group, topic).values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Whether a job reading {@code input} as consumer group {@code group} has drained it, and every
   * transaction it wrote to {@code outputs} is committed: the group's committed offsets (committed
   * with a completed checkpoint) equal the input's end offsets, and on every output partition the
   * last stable offset equals the log end (no open transaction holds records back).
   */
  public boolean drained(String group, String input, List<String> outputs) throws Exception {
    return notDrained(group, input, outputs) == null;
  }

  /** What keeps {@link #drained} from holding, or null when it holds. */
  public String notDrained(String group, String input, List<String> outputs) throws Exception {
    Map<TopicPartition, Long> end = endOffsets(input, IsolationLevel.READ_UNCOMMITTED);
    Map<TopicPartition, Long> done = committed(group, input);
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (e.getValue() > 0 && done.getOrDefault(e.getKey(), 0L) < e.getValue()) {
        return group
            + " has committed "
            + done.get(e.getKey())
            + " of "
            + e.getValue()
            + " on "
            + e.getKey();
      }
    }
    return openTransaction(outputs);
  }

  /** What keeps an output with an open transaction from being fully readable, or null. */
  public String openTransaction(List<String> outputs) {
    for (String t : outputs) {
      Map<TopicPartition, Long> stable = endOffsets(t, IsolationLevel.READ_COMMITTED);
      Map<TopicPartition, Long> logEnd = endOffsets(t, IsolationLevel.READ_UNCOMMITTED);
      if (!stable.equals(logEnd)) {
        return t
            + " has an open transaction: last stable offsets "
            + stable
            + ", log end "
            + logEnd;
      }
    }
    return null;
  }

  /**
   * Waits until {@link #drained} holds, checking {@code alive} (which throws when the job has
   * failed) between looks; fails when {@code timeout} passes first.
   */
  public void awaitDrained(
      String group, String input, List<String> outputs, Duration timeout, Check alive)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    long nextLog = System.nanoTime() + 2_000_000_000L;
    String why;
    while ((why = notDrained(group, input, outputs)) != null) {
      alive.check();
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not drained within " + timeout + ": " + why);
      }
      if (System.nanoTime() > nextLog) {
        LOG.info("waiting: {}", why);
        nextLog = System.nanoTime() + 2_000_000_000L;
      }
      Thread.sleep(100); // polls a condition the broker keeps: there is no event to wait on
    }
  }

  /** A liveness check that throws when what is being waited for has failed. */
  @FunctionalInterface
  public interface Check {
    void check() throws Exception;
  }

  /**
   * Reads every record of {@code topic} from the beginning up to its end offsets as they are now
   * (for {@code isolation}), handing each to {@code each}; returns how many it read.
   */
  public long readAll(
      String topic, IsolationLevel isolation, Consumer<ConsumerRecord<byte[], byte[]>> each) {
    try (KafkaConsumer<byte[], byte[]> c = consumer(isolation)) {
      List<TopicPartition> parts = partitions(c, topic);
      Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
      c.assign(parts);
      c.seekToBeginning(parts);
      long n = 0;
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "could not read " + topic + " to " + end + " within 5 min");
        }
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
            each.accept(r);
            n++;
          }
        }
      }
      return n;
    }
  }

  private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> c, String topic) {
    return c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
        .map(i -> new TopicPartition(topic, i.partition()))
        .toList();
  }

  private KafkaConsumer<byte[], byte[]> consumer(IsolationLevel isolation) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(
        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        isolation == IsolationLevel.READ_COMMITTED ? "read_committed" : "read_uncommitted");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20_000);
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Closes the clients kept between looks. */
  @Override
  public synchronized void close() {
    if (committedReader != null) {
      committedReader.close();
      committedReader = null;
    }
    if (uncommittedReader != null) {
      uncommittedReader.close();
      uncommittedReader = null;
    }
    if (admin != null) {
      admin.close();
      admin = null;
    }
  }
}
