package io.tollgate.flink.dev;

import io.tollgate.flink.kafka.Topics;
import io.tollgate.policy.Diagnostic;
import io.tollgate.policy.source.ContractLoader;
import io.tollgate.policy.source.SourceResult;
import io.tollgate.policy.source.YamlContractSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Contract files as {@code tollgate.policies} records: one record per contract (YAML document),
 * key = contract id, value = the document's text. Every document is checked before anything is
 * published, so a bad file publishes nothing.
 */
public final class ContractRecords {
  private ContractRecords() {}

  /** Contract id to contract text, in file order, of the *.yaml/*.yml files or directories given. */
  public static Map<String, String> read(List<Path> paths) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    List<String> errors = new ArrayList<>();
    for (Path p : paths) {
      List<Path> files;
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.list(p)) {
          files = s.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted()
              .collect(Collectors.toList());
        }
      } else {
        files = List.of(p);
      }
      for (Path f : files) {
        if (Files.size(f) > ContractLoader.MAX_FILE_BYTES) {
          errors.add(f + ": larger than " + ContractLoader.MAX_FILE_BYTES + " bytes");
          continue;
        }
        for (String doc : documents(Files.readString(f, StandardCharsets.UTF_8))) {
          SourceResult r = new YamlContractSource().read(f.toString(), f.getParent(), doc);
          if (!r.ok()) {
            r.diagnostics().stream().map(Diagnostic::toString).forEach(errors::add);
          } else if (out.putIfAbsent(r.policies().get(0).uid(), doc) != null) {
            errors.add(f + ": contract " + r.policies().get(0).uid() + " is defined twice");
          }
        }
      }
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException("invalid contracts:\n  " + String.join("\n  ", errors));
    }
    return out;
  }

  /** The YAML documents of {@code text}, split at "---" lines; comment-only documents are dropped. */
  static List<String> documents(String text) {
    List<String> docs = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      if (line.stripTrailing().equals("---")) {
        add(docs, cur);
        cur.setLength(0);
      } else {
        cur.append(line).append('\n');
      }
    }
    add(docs, cur);
    return docs;
  }

  private static void add(List<String> docs, StringBuilder doc) {
    for (String line : doc.toString().split("\n")) {
      String t = line.strip();
      if (!t.isEmpty() && !t.startsWith("#")) {
        docs.add(doc.toString());
        return;
      }
    }
  }

  /** Publishes the contracts to tollgate.policies and waits until the broker has them. */
  public static void publish(Producer<byte[], byte[]> producer, Map<String, String> contracts)
      throws InterruptedException, ExecutionException {
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    contracts.forEach((id, text) -> sent.add(producer.send(new ProducerRecord<>(Topics.POLICIES,
        id.getBytes(StandardCharsets.UTF_8), text == null ? null : text.getBytes(StandardCharsets.UTF_8)))));
    producer.flush();
    for (Future<RecordMetadata> f : sent) {
      f.get();
    }
  }
}
