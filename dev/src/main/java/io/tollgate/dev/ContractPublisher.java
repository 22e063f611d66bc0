package io.tollgate.dev;

import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.contracts.ContractLoader;
import io.tollgate.policy.CompiledPolicy;
import io.tollgate.policy.Diagnostic;
import io.tollgate.policy.PolicyCompiler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Publishes contracts to {@code tollgate.policies}: one record per contract, key = contract id,
 * value = the contract's own YAML document as written (a null value revokes it).
 */
public final class ContractPublisher {
  private ContractPublisher() {}

  /**
   * Contract id to contract text of every contract under {@code paths}, read and compiled by the
   * one {@link ContractLoader} (the rules of {@code tollgate policy check}), in load order.
   *
   * @throws IllegalArgumentException listing every problem when any contract has one: a bad file
   *     publishes nothing
   */
  public static Map<String, String> load(List<Path> paths) {
    ContractLoader.Compiled c = new ContractLoader().compile(paths, new PolicyCompiler());
    if (!c.ok()) {
      throw new IllegalArgumentException(
          "invalid contracts:\n  "
              + c.diagnostics().stream()
                  .map(Diagnostic::toString)
                  .collect(Collectors.joining("\n  ")));
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (CompiledPolicy p : c.contracts()) {
      out.put(p.id(), p.source().origin().text());
    }
    return out;
  }

  /** Publishes the records (id to text, null to revoke) and waits until the broker has them all. */
  public static void publish(Producer<byte[], byte[]> producer, Map<String, String> contracts)
      throws InterruptedException, ExecutionException {
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    contracts.forEach(
        (id, text) ->
            sent.add(
                producer.send(
                    new ProducerRecord<>(
                        Topics.POLICIES,
                        id.getBytes(StandardCharsets.UTF_8),
                        text == null ? null : text.getBytes(StandardCharsets.UTF_8)))));
    producer.flush();
    for (Future<RecordMetadata> f : sent) {
      f.get();
    }
  }
}
