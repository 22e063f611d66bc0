package io.tollgate.cli;

import io.tollgate.enforcement.cli.TopicCalls;
import java.io.PrintWriter;
import java.util.function.Consumer;

/** {@code policy simulate --calls TOPIC --bootstrap-servers ...}: the topic read to its end. */
public final class KafkaTopicCalls implements TopicCalls {
  @Override
  public void read(String bootstrap, String topic, PrintWriter err, Consumer<byte[]> each) {
    BillingCommand.read(
        bootstrap,
        topic,
        err,
        r -> {
          if (r.value() != null) {
            each.accept(r.value());
          }
        });
  }
}
