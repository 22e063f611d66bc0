package io.tollgate.dev;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.enforcement.Topics;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/**
 * The admin step on a real broker: topics made as specified; existing ones checked, never changed.
 */
class TopicAdminIT {
  @Test
  void createsTheMissingTopicsAsSpecifiedAndReportsExistingOnesThatDiffer() throws Exception {
    try (KafkaBroker broker =
            KafkaBroker.temporary(Path.of("target", "kafka-it").toAbsolutePath()).start();
        Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      // someone made the policies topic by hand: three partitions, no compaction
      admin
          .createTopics(List.of(new NewTopic(Topics.POLICIES, 3, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);

      TopicAdmin.Result r = TopicAdmin.create(broker.bootstrapServers(), 4, (short) 1);
      assertThat(r.created())
          .containsExactlyInAnyOrder(
              Topics.CALLS,
              Topics.DELIVERED,
              Topics.FEEDBACK,
              Topics.DLQ,
              Topics.USAGE,
              Topics.EVIDENCE);
      assertThat(r.mismatches())
          .containsExactlyInAnyOrder(
              "tollgate.policies: expected 1 partition, found 3",
              "tollgate.policies: expected cleanup.policy=compact, found delete",
              "tollgate.policies: expected max.message.bytes="
                  + (Topics.MAX_CONTRACT_BYTES + 65536)
                  + ", found 1048588");

      var calls = new ConfigResource(ConfigResource.Type.TOPIC, Topics.CALLS);
      assertThat(
              admin
                  .describeConfigs(List.of(calls))
                  .all()
                  .get(30, TimeUnit.SECONDS)
                  .get(calls)
                  .get("message.timestamp.type")
                  .value())
          .isEqualTo("LogAppendTime");
      assertThat(
              admin
                  .describeTopics(List.of(Topics.FEEDBACK))
                  .allTopicNames()
                  .get(30, TimeUnit.SECONDS)
                  .get(Topics.FEEDBACK)
                  .partitions())
          .hasSize(4);
      assertThat(TopicAdmin.create(broker.bootstrapServers(), 4, (short) 1).created())
          .as("a second run creates nothing")
          .isEmpty();
      assertThat(TopicAdmin.create(broker.bootstrapServers(), 8, (short) 3).mismatches())
          .as("asked for more than there is")
          .contains(
              "tollgate.feedback: expected at least 8 partitions (--partitions), found 4",
              "tollgate.feedback: expected 3 replicas (--replication-factor), found 1");
    }
  }
}
