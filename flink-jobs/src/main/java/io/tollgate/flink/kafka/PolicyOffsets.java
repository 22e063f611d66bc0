package io.tollgate.flink.kafka;

import io.tollgate.enforcement.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Where the contracts on {@code tollgate.policies} end now: read once when a job is submitted. */
public final class PolicyOffsets {
  private PolicyOffsets() {}

  /**
   * By partition, one past the offset of the last committed record. (The log end offset would also
   * count transaction markers, which a reader never receives.) The topic is compacted and small: it
   * is read through once.
   */
  public static Map<Integer, Long> end(String bootstrapServers) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // a missing topic is an error to report, never one to create with the broker's defaults
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    try (var c =
        new KafkaConsumer<byte[], byte[]>(
            p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          c.partitionsFor(Topics.POLICIES, Duration.ofSeconds(30)).stream()
              .map(i -> new TopicPartition(Topics.POLICIES, i.partition()))
              .toList();
      if (parts.isEmpty()) {
        throw new IllegalStateException(
            Topics.POLICIES
                + " does not exist on "
                + bootstrapServers
                + ": create the topics first (tollgate topics create)");
      }
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
      Map<Integer, Long> out = new HashMap<>();
      parts.forEach(tp -> out.put(tp.partition(), 0L));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "could not read " + Topics.POLICIES + " to its end within 60 s");
        }
        for (var r : c.poll(Duration.ofMillis(200))) {
          out.put(r.partition(), r.offset() + 1);
        }
      }
      return out;
    } catch (KafkaException e) {
      throw new IllegalStateException("could not read " + Topics.POLICIES + ": " + e, e);
    }
  }
}
