package io.tollgate.flink.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/** Tollgate's topics (see docs/events.md) and their creation. */
public final class Topics {
  public static final String POLICIES = "tollgate.policies";
  public static final String CALLS = "tollgate.calls";
  public static final String DELIVERED = "tollgate.delivered";
  public static final String FEEDBACK = "tollgate.feedback";
  public static final String DLQ = "tollgate.dlq";

  /** Largest output record: a 1 MiB call's delivered record or dead letter, with room to spare. */
  public static final int MAX_OUTPUT_RECORD_BYTES = 4 << 20;

  private Topics() {}

  /**
   * Creates the five topics where missing: {@code tollgate.policies} compacted with one partition
   * (every enforcement task reads all of it), the others with {@code partitions} partitions;
   * {@code tollgate.calls} with broker (log-append) timestamps, the outputs accepting records of
   * up to {@link #MAX_OUTPUT_RECORD_BYTES}.
   * Existing topics are left as they are.
   */
  public static void create(String bootstrapServers, int partitions) throws InterruptedException {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    try (Admin admin = Admin.create(p)) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      if (!existing.contains(POLICIES)) {
        missing.add(new NewTopic(POLICIES, 1, (short) 1).configs(Map.of(
            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
            TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "0",
            TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_OUTPUT_RECORD_BYTES + 65536))));
      }
      if (!existing.contains(CALLS)) {
        // the broker stamps each call when it arrives: the bounds on a call's ts rest on it
        missing.add(new NewTopic(CALLS, partitions, (short) 1).configs(Map.of(
            TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime")));
      }
      for (String t : List.of(DELIVERED, FEEDBACK, DLQ)) {
        if (!existing.contains(t)) {
          missing.add(new NewTopic(t, partitions, (short) 1).configs(Map.of(
              TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_OUTPUT_RECORD_BYTES))));
        }
      }
      if (!missing.isEmpty()) {
        try {
          admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("could not create topics " + missing + ": " + e.getCause(), e);
          }
        }
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("could not list topics on " + bootstrapServers + ": " + e, e);
    }
  }
}
