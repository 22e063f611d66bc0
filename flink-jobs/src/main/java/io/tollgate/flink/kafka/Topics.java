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

  private Topics() {}

  /**
   * Creates the five topics where missing: {@code tollgate.policies} compacted with one partition
   * (every enforcement task reads all of it), the others with {@code partitions} partitions.
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
            TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "0")));
      }
      for (String t : List.of(CALLS, DELIVERED, FEEDBACK, DLQ)) {
        if (!existing.contains(t)) {
          missing.add(new NewTopic(t, partitions, (short) 1));
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
