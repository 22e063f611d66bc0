package io.tollgate.enforcement;

import java.util.Map;

/**
 * How one of Tollgate's topics is created.
 *
 * @param name the topic
 * @param singlePartition true when the topic must have exactly one partition, whatever the
 *     deployment asks for (the compacted policies topic)
 * @param configs topic-level configs (Kafka's names), set when the topic is created
 */
public record TopicSpec(String name, boolean singlePartition, Map<String, String> configs) {
  public TopicSpec {
    configs = Map.copyOf(configs);
  }

  /** The partitions this topic gets when a deployment asks for {@code requested}. */
  public int partitions(int requested) {
    return singlePartition ? 1 : requested;
  }
}
