package io.tollgate.gateway.feedback;

import io.tollgate.enforcement.Topics;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feedback from the event loops to {@code tollgate.feedback}, never blocking them and losing
 * nothing: {@link #offer} puts an event in a bounded in-memory buffer; a spooler thread appends the
 * buffer to the on-disk {@link Spool} (a write-ahead log); a shipper thread sends the spool, in
 * order, in Kafka transactions, and acknowledges in the spool only what was committed. While Kafka
 * is down the spool fills and is shipped when it returns; a restart ships what the spool holds.
 * Consumers reading {@code read_committed} see each event once (but for a crash between a commit
 * and its acknowledgement, which replays that batch: events carry unique ids, docs/events.md).
 */
public final class FeedbackSink implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FeedbackSink.class);
  private static final int BATCH = 5000;
  private static final long LINGER_NANOS = 50_000_000L;
  private long lastCommit;

  private record Event(byte[] key, byte[] value) {}

  private final ArrayBlockingQueue<Event> buffer;
  private final Spool spool;
  private final String bootstrap;
  private final String transactionalId;
  private final String topic;
  private final Thread spooler;
  private final Thread shipper;
  private volatile boolean closing;
  private volatile boolean kafkaUp;
  private volatile boolean stopShipping;
  private final AtomicLong offered = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong shipped = new AtomicLong();
  private final Object spooled = new Object();

  public FeedbackSink(String bootstrap, String transactionalId, Spool spool, int bufferEvents) {
    this(bootstrap, transactionalId, spool, bufferEvents, Topics.FEEDBACK);
  }

  FeedbackSink(
      String bootstrap, String transactionalId, Spool spool, int bufferEvents, String topic) {
    this.bootstrap = bootstrap;
    this.transactionalId = transactionalId;
    this.spool = spool;
    this.topic = topic;
    this.buffer = new ArrayBlockingQueue<>(bufferEvents);
    spooler = new Thread(this::spoolLoop, "tollgate-feedback-spool");
    shipper = new Thread(this::shipLoop, "tollgate-feedback-ship");
    spooler.setDaemon(true);
    shipper.setDaemon(true);
  }

  public FeedbackSink start() {
    spooler.start();
    shipper.start();
    return this;
  }

  /**
   * True when an event offered now would be kept (the buffer has room and the spool is not full).
   */
  public boolean accepting() {
    // headroom: requests admitted now are fed back when they end, which may be a while
    return buffer.remainingCapacity()
            > Math.min(1024, buffer.size() + buffer.remainingCapacity() / 8)
        && spool.pending() + Math.min(1 << 20, spool.maxBytes() / 8) < spool.maxBytes();
  }

  /** Hands one event over without blocking; false when it cannot be kept. */
  public boolean offer(byte[] key, byte[] value) {
    if (spool.full() || !buffer.offer(new Event(key, value))) {
      refused.incrementAndGet();
      return false;
    }
    offered.incrementAndGet();
    return true;
  }

  public long offered() {
    return offered.get();
  }

  public long refused() {
    return refused.get();
  }

  public long shipped() {
    return shipped.get();
  }

  /** Bytes in the spool not yet on Kafka. */
  public long spoolBytes() {
    return spool.pending();
  }

  public int buffered() {
    return buffer.size();
  }

  public boolean kafkaUp() {
    return kafkaUp;
  }

  private void spoolLoop() {
    java.util.ArrayList<Event> batch = new java.util.ArrayList<>(BATCH);
    long lastSync = System.nanoTime();
    boolean unsynced = false;
    int idle = 0;
    while (true) {
      try {
        if (batch.isEmpty()) {
          // never a blocking poll: a spooler waiting on the queue's condition is woken (a futex
          // call and a context switch on the other core) by every offer, that is every request;
          // it naps instead, a millisecond while events come, longer once they stop
          if (buffer.drainTo(batch, BATCH) == 0) {
            // idle for 20 ms (not merely between two requests): what was appended goes to disk now
            if (unsynced && idle >= 20) {
              spool.sync();
              unsynced = false;
              lastSync = System.nanoTime();
            }
            if (closing && buffer.isEmpty()) {
              return;
            }
            idle = Math.min(idle + 1, 50);
            LockSupport.parkNanos(idle < 20 ? 1_000_000L : 20_000_000L);
            if (Thread.interrupted()) {
              return;
            }
            continue;
          }
          idle = 0;
        }
        while (spool.full() && !closing) {
          Thread.sleep(20); // the shipper frees room; meanwhile offer() refuses
        }
        java.util.List<byte[][]> records = new java.util.ArrayList<>(batch.size());
        for (Event ev : batch) {
          records.add(new byte[][] {ev.key, ev.value});
        }
        spool.appendAll(records); // all or nothing
        batch.clear();
        unsynced = true;
        if (System.nanoTime() - lastSync > 100_000_000L) {
          spool.sync();
          unsynced = false;
          lastSync = System.nanoTime();
        }
        synchronized (spooled) {
          spooled.notifyAll();
        }
      } catch (InterruptedException ie) {
        return;
      } catch (IOException io) {
        // the batch stays in memory and is tried again (the spool cut the failed write back off)
        LOG.error(
            "cannot write the feedback spool; {} events wait in memory",
            batch.size() + buffer.size(),
            io);
        try {
          Thread.sleep(1000);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  private KafkaProducer<byte[], byte[]> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "10000");
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "4000");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
    p.put(ProducerConfig.CLIENT_ID_CONFIG, transactionalId + "-feedback");
    return new KafkaProducer<>(p);
  }

  private void shipLoop() {
    KafkaProducer<byte[], byte[]> producer = null;
    long position = spool.acked();
    long backoff = 200;
    while (true) {
      try {
        if (producer == null) {
          producer = producer();
          producer.initTransactions();
          kafkaUp = true;
          backoff = 200;
        }
        long wait = lastCommit + LINGER_NANOS - System.nanoTime();
        if (wait > 0 && !closing && spool.end() - position < 256 * 1024) {
          // one transaction per LINGER at most, unless a lot is waiting: a transaction costs the
          // broker several requests and markers, whatever its size
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        List<Spool.Entry> entries = spool.read(position, BATCH, 4 << 20);
        if (entries.isEmpty()) {
          if (stopShipping || (closing && buffer.isEmpty() && !spooler.isAlive())) {
            break;
          }
          synchronized (spooled) {
            spooled.wait(20);
          }
          continue;
        }
        producer.beginTransaction();
        for (Spool.Entry e : entries) {
          producer.send(new ProducerRecord<>(topic, null, e.key(), e.value()));
        }
        producer.commitTransaction();
        lastCommit = System.nanoTime();
        position = entries.get(entries.size() - 1).next();
        spool.ack(position);
        shipped.addAndGet(entries.size());
        kafkaUp = true;
      } catch (InterruptedException ie) {
        break;
      } catch (IOException io) {
        LOG.error("cannot read the feedback spool", io);
        sleep(1000);
      } catch (RuntimeException e) {
        // Kafka unreachable or the transaction failed: nothing of this batch is committed (a
        // read_committed consumer never sees an aborted or unfinished transaction). Start over
        // with a new producer, which aborts what the old one left open, from the last ack.
        if (kafkaUp) {
          LOG.warn("feedback to Kafka failed ({}); spooling until it returns", e.toString());
        }
        kafkaUp = false;
        if (producer != null) {
          try {
            producer.close(Duration.ZERO);
          } catch (RuntimeException ignored) {
            // closing a broken producer
          }
          producer = null;
        }
        position = spool.acked();
        if (stopShipping || (closing && !spooler.isAlive())) {
          break; // what is left stays in the spool for the next start
        }
        sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops taking events, spools what is buffered and ships what it can within {@code timeout}; what
   * is left stays in the spool for the next start.
   */
  public void close(Duration timeout) throws InterruptedException, IOException {
    closing = true;
    spooler.join(timeout.toMillis());
    long deadline = System.nanoTime() + timeout.toNanos();
    while (spool.pending() > 0 && kafkaUp && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    stopShipping = true;
    shipper.join(10_000);
    if (shipper.isAlive()) {
      shipper.interrupt();
      shipper.join(5000);
    }
    spool.close();
  }

  @Override
  public void close() throws Exception {
    close(Duration.ofSeconds(10));
  }
}
