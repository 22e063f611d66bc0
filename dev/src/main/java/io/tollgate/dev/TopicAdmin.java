package io.tollgate.dev;

import io.tollgate.enforcement.TopicSpec;
import io.tollgate.enforcement.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The explicit admin step that creates Tollgate's topics ({@link Topics#specs()}): {@code tollgate
 * topics create} on a cluster, {@code tollgate up} and the tests on their own broker. Topics that
 * exist already are left as they are.
 */
public final class TopicAdmin {
  private TopicAdmin() {}

  /**
   * Creates the missing topics.
   *
   * @param partitions partitions of every topic but the single-partition ones
   * @param replicationFactor replicas of every topic (1 on a single broker, 3 on a cluster)
   * @return the topics created
   */
  public static List<String> create(String bootstrapServers, int partitions, short replicationFactor)
      throws InterruptedException {
    if (partitions < 1) {
      throw new IllegalArgumentException("expected at least 1 partition, found " + partitions);
    }
    if (replicationFactor < 1) {
      throw new IllegalArgumentException("expected a replication factor of at least 1, found " + replicationFactor);
    }
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    try (Admin admin = Admin.create(p)) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (TopicSpec t : Topics.specs()) {
        if (!existing.contains(t.name())) {
          missing.add(new NewTopic(t.name(), t.partitions(partitions), replicationFactor).configs(t.configs()));
        }
      }
      if (!missing.isEmpty()) {
        try {
          admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("could not create topics " + names(missing) + " on " + bootstrapServers
                + ": " + e.getCause().getMessage(), e);
          }
        }
      }
      return names(missing);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("could not list topics on " + bootstrapServers + ": " + e, e);
    }
  }

  private static List<String> names(List<NewTopic> topics) {
    return topics.stream().map(NewTopic::name).toList();
  }
}
