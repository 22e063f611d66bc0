package io.tollgate.gateway.contracts;

import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.contracts.ContractRecords;
import io.tollgate.enforcement.records.PolicyRecord;
import io.tollgate.policy.CompiledPolicy;
import io.tollgate.policy.Diagnostic;
import io.tollgate.policy.PolicyCompiler;
import io.tollgate.policy.PolicyEngine;
import io.tollgate.policy.PolicyException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code tollgate.policies} from its beginning, as every replica does, and swaps the
 * compiled contracts atomically ({@link #engine()} is one volatile read per request). Same rules as
 * the stream job: a record that does not compile, or cannot be read, suspends the contract it names
 * (an older version never stays in force); a tombstone revokes. Ready once it has read up to the
 * end offsets the topic had when it started.
 */
public final class ContractFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ContractFollower.class);

  /** A contract in force (or suspended), and where it came from. */
  public record Entry(
      String id,
      String version,
      String consumer,
      String dataset,
      String origin,
      long publishedAt,
      String suspended) {}

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final PolicyCompiler compiler = new PolicyCompiler();
  private final Thread thread;
  private final CountDownLatch ready = new CountDownLatch(1);
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private volatile PolicyEngine engine = PolicyEngine.of(List.of());
  private volatile boolean closed;
  private volatile long applied;
  private volatile Throwable failure;

  public ContractFollower(String bootstrap, String groupHint) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "tollgate-gateway-policies-" + groupHint);
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50");
    consumer = new KafkaConsumer<>(p);
    thread = new Thread(this::run, "tollgate-policies");
    thread.setDaemon(true);
  }

  public ContractFollower start() {
    thread.start();
    return this;
  }

  /** The contracts in force now. */
  public PolicyEngine engine() {
    return engine;
  }

  /** True once the contracts present at start have been read. */
  public boolean ready() {
    return ready.getCount() == 0;
  }

  public boolean awaitReady(Duration timeout) throws InterruptedException {
    return ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public Collection<Entry> entries() {
    return entries.values();
  }

  /** Records applied so far. */
  public long applied() {
    return applied;
  }

  public Throwable failure() {
    return failure;
  }

  private void run() {
    try {
      List<TopicPartition> parts = new ArrayList<>();
      while (!closed && parts.isEmpty()) {
        List<PartitionInfo> infos = consumer.partitionsFor(Topics.POLICIES, Duration.ofSeconds(5));
        if (infos == null || infos.isEmpty()) {
          LOG.warn("topic {} not found; waiting for it", Topics.POLICIES);
          Thread.sleep(1000);
          continue;
        }
        for (PartitionInfo i : infos) {
          parts.add(new TopicPartition(i.topic(), i.partition()));
        }
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(parts));
      checkReady(end);
      while (!closed) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          apply(PolicyRecord.read(r.key(), r.value(), r.partition(), r.offset(), r.timestamp()));
          applied++;
        }
        if (ready.getCount() > 0) {
          checkReady(end);
        }
      }
    } catch (WakeupException e) {
      if (!closed) {
        failure = e;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      failure = e;
      LOG.error("following {} failed; contracts stay as they were", Topics.POLICIES, e);
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  private void checkReady(Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return;
      }
    }
    if (ready.getCount() > 0) {
      LOG.info("contracts read: {} in force", engine.size());
      ready.countDown();
    }
  }

  private void apply(PolicyRecord r) {
    String origin = Topics.POLICIES + "/" + r.partition + "@" + r.offset;
    if (r.error != null) {
      if (r.contractId != null) {
        suspend(r.contractId, origin, r.publishedAt, r.error);
      }
      LOG.warn("{}: {}", origin, r.error);
      return;
    }
    if (r.text == null) {
      engine = engine.without(r.contractId);
      entries.remove(r.contractId);
      LOG.info("contract {} revoked ({})", r.contractId, origin);
      return;
    }
    try {
      CompiledPolicy p = ContractRecords.compile(compiler, r.contractId, r.text, origin, null);
      engine = engine.with(p);
      entries.put(
          p.id(),
          new Entry(p.id(), p.version(), p.consumer(), p.dataset(), origin, r.publishedAt, null));
      LOG.info("contract {} version {} in force ({})", p.id(), p.version(), origin);
    } catch (PolicyException e) {
      String errors =
          e.diagnostics().stream().map(Diagnostic::toString).collect(Collectors.joining("; "));
      suspend(r.contractId, origin, r.publishedAt, errors);
    } catch (RuntimeException e) {
      suspend(r.contractId, origin, r.publishedAt, String.valueOf(e));
    }
  }

  private void suspend(String id, String origin, long at, String why) {
    engine = engine.without(id);
    entries.put(id, new Entry(id, null, null, null, origin, at, why));
    LOG.warn("contract {} suspended ({}): {}", id, origin, why);
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    consumer.wakeup();
    thread.join(5000);
  }
}
