package io.tollgate.enforcement.cli;

import java.io.PrintWriter;
import java.util.function.Consumer;

/**
 * Where {@code policy simulate} reads recorded calls when {@code --calls} names a topic. This
 * module holds no Kafka client; the composition root ({@code cli}) provides one through {@link
 * java.util.ServiceLoader}.
 */
public interface TopicCalls {
  /**
   * Gives every record value of {@code topic} to {@code each}, in partition and offset order, read
   * committed, from the beginning to the end offsets taken at the start; throws {@link
   * IllegalStateException} with a message for people when the topic cannot be read.
   */
  void read(String bootstrap, String topic, PrintWriter err, Consumer<byte[]> each);
}
