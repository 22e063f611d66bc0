package io.tollgate.dev;

import io.tollgate.enforcement.TopicSpec;
import io.tollgate.enforcement.Topics;
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
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The explicit admin step that creates Tollgate's topics ({@link Topics#specs()}): {@code tollgate
 * topics create} on a cluster, {@code tollgate up} and the tests on their own broker. Topics that
 * exist already are left as they are.
 */
public final class TopicAdmin {
  private TopicAdmin() {}

  /**
   * What {@link #create} did: the topics it created, and how topics that already existed differ
   * from {@link Topics#specs()} (a policies topic with several partitions or without compaction,
   * say). Existing topics are never changed.
   */
  public record Result(List<String> created, List<String> mismatches) {}

  /**
   * Creates the missing topics and checks the existing ones.
   *
   * @param partitions partitions of every topic but the single-partition ones
   * @param replicationFactor replicas of every topic (1 on a single broker, 3 on a cluster)
   */
  public static Result create(String bootstrapServers, int partitions, short replicationFactor)
      throws InterruptedException {
    if (partitions < 1) {
      throw new IllegalArgumentException("expected at least 1 partition, found " + partitions);
    }
    if (replicationFactor < 1) {
      throw new IllegalArgumentException(
          "expected a replication factor of at least 1, found " + replicationFactor);
    }
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    try (Admin admin = Admin.create(p)) {
      Set<String> existing;
      try {
        existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException(
            "could not reach Kafka at " + bootstrapServers + " to list its topics: " + e, e);
      }
      List<NewTopic> missing = new ArrayList<>();
      List<TopicSpec> present = new ArrayList<>();
      for (TopicSpec t : Topics.specs()) {
        if (existing.contains(t.name())) {
          present.add(t);
        } else {
          missing.add(
              new NewTopic(t.name(), t.partitions(partitions), replicationFactor)
                  .configs(t.configs()));
        }
      }
      if (!missing.isEmpty()) {
        try {
          admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException(
                "could not create topics "
                    + names(missing)
                    + " on "
                    + bootstrapServers
                    + ": "
                    + e.getCause().getMessage(),
                e);
          }
        } catch (TimeoutException e) {
          throw new IllegalStateException(
              "Kafka at " + bootstrapServers + " did not create " + names(missing) + " within 60 s",
              e);
        }
      }
      return new Result(names(missing), mismatches(admin, present, partitions, replicationFactor));
    }
  }

  /**
   * How existing topics differ from their specs: partitions of single-partition topics, and
   * configs.
   */
  private static List<String> mismatches(
      Admin admin, List<TopicSpec> present, int partitions, short replicationFactor)
      throws InterruptedException {
    List<String> out = new ArrayList<>();
    if (present.isEmpty()) {
      return out;
    }
    try {
      var described =
          admin
              .describeTopics(present.stream().map(TopicSpec::name).toList())
              .allTopicNames()
              .get(30, TimeUnit.SECONDS);
      List<ConfigResource> resources =
          present.stream()
              .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t.name()))
              .toList();
      Map<ConfigResource, Config> configs =
          admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
      for (TopicSpec t : present) {
        var parts = described.get(t.name()).partitions();
        int n = parts.size();
        if (t.singlePartition() && n != 1) {
          out.add(t.name() + ": expected 1 partition, found " + n);
        } else if (!t.singlePartition() && n < partitions) {
          out.add(
              t.name()
                  + ": expected at least "
                  + partitions
                  + " partitions (--partitions), found "
                  + n);
        }
        int replicas = parts.stream().mapToInt(i -> i.replicas().size()).min().orElse(0);
        if (replicas < replicationFactor) {
          out.add(
              t.name()
                  + ": expected "
                  + replicationFactor
                  + " replicas (--replication-factor), found "
                  + replicas);
        }
        Config c = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, t.name()));
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(t.configs()).entrySet()) {
          var entry = c.get(e.getKey());
          String actual = entry == null ? null : entry.value();
          if (!e.getValue().equals(actual)) {
            out.add(
                t.name() + ": expected " + e.getKey() + "=" + e.getValue() + ", found " + actual);
          }
        }
      }
    } catch (ExecutionException | TimeoutException e) {
      out.add("could not describe the existing topics: " + e);
    }
    return out;
  }

  private static List<String> names(List<NewTopic> topics) {
    return topics.stream().map(NewTopic::name).toList();
  }
}
