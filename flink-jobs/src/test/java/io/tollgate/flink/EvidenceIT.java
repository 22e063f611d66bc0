package io.tollgate.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.dev.LocalFlink;
import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.records.CallRecord;
import io.tollgate.enforcement.records.EventWriter;
import io.tollgate.evidence.Checkpoint;
import io.tollgate.evidence.Entry;
import io.tollgate.evidence.EvidencePackage;
import io.tollgate.evidence.KeyRing;
import io.tollgate.evidence.Merkle;
import io.tollgate.evidence.SignedNote;
import io.tollgate.evidence.TileStore;
import io.tollgate.flink.evidence.EvidenceJob;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evidence job on a real broker and a MiniCluster: contracts, feedback (malformed records among
 * it) and usage in; one Merkle log out, holding every record read exactly once, its signed
 * checkpoints on {@code tollgate.evidence} each consistent with the one before; and a package
 * exported from it that verifies. The second test fails the task once right after the tiles of a
 * seal were written and before its checkpoint went out: the log does not fork, and nothing is
 * sealed twice or left out.
 */
class EvidenceIT {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  record Input(Set<String> coordinates, Map<String, Long> decisionsByContract) {}

  static Input produce(KafkaFixture kafka, int n) throws Exception {
    Set<String> coords = new HashSet<>();
    Map<String, Long> byContract = new HashMap<>();
    List<org.apache.kafka.clients.producer.RecordMetadata> sent = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
      for (String c : List.of("ct-bank-a", "ct-fleet-c")) {
        String consumer = c.substring(3);
        String text =
            "contract: "
                + c
                + "\nprovider: sh-credit-bureau\nconsumer: "
                + consumer
                + "\ndataset: credit-report\nactions: [read]\npurposes: [credit-assessment]\n"
                + "zone: Asia/Shanghai\nprice: {amount: \"0.01\", currency: CNY, per: call}\n";
        sent.add(
            p.send(new ProducerRecord<>(Topics.POLICIES, c.getBytes(), text.getBytes())).get());
      }
      EventWriter w = new EventWriter(new byte[] {1});
      Random r = new Random(11);
      long t0 = System.currentTimeMillis() - Duration.ofHours(2).toMillis();
      for (int i = 0; i < n; i++) {
        CallRecord c = new CallRecord();
        c.id = "c-" + i;
        c.consumer = r.nextBoolean() ? "bank-a" : "fleet-c";
        c.dataset = "credit-report";
        c.action = "read";
        c.purpose = r.nextInt(10) == 0 ? "marketing" : "credit-assessment";
        c.records = 1;
        c.bytes = 100;
        c.ts = t0 + i;
        c.ingestTs = c.ts;
        c.partition = 0;
        c.offset = i;
        String contract = "ct-" + c.consumer;
        boolean permit = c.purpose.equals("credit-assessment");
        byte[] v =
            w.feedback(
                c,
                permit ? "PERMIT" : "DENY",
                permit ? 0 : io.tollgate.policy.Reason.PURPOSE.bit(),
                contract,
                "v1",
                "sh-credit-bureau",
                c.ts + 3);
        byContract.merge(contract, 1L, Long::sum);
        p.send(new ProducerRecord<>(Topics.FEEDBACK, i % 2, null, null, v));
      }
      // malformed records are sealed too, as what they were
      p.send(new ProducerRecord<>(Topics.FEEDBACK, 0, null, null, "{not json".getBytes()));
      p.send(new ProducerRecord<>(Topics.FEEDBACK, 1, null, null, new byte[] {(byte) 0xff}));
      // an event time far ahead of its record (past 2^53 ms): sealed as the contract's decision,
      // at its record's time; and JSON the canonical form cannot hold, a lone surrogate
      byContract.merge("ct-bank-a", 1L, Long::sum);
      p.send(
          new ProducerRecord<>(
              Topics.FEEDBACK,
              0,
              null,
              null,
              "{\"v\":1,\"decision\":\"PERMIT\",\"contract\":\"ct-bank-a\",\"eventTime\":\"+300000-01-01T00:00:00Z\"}"
                  .getBytes(StandardCharsets.UTF_8)));
      p.send(
          new ProducerRecord<>(
              Topics.FEEDBACK,
              1,
              null,
              null,
              "{\"v\":1,\"decision\":\"DENY\",\"contract\":\"\\ud800\"}"
                  .getBytes(StandardCharsets.UTF_8)));
      // a closed usage period, and a running total that is not evidence
      String usage =
          "{\"specversion\":\"1.0\",\"id\":\"u1\",\"data\":{\"consumer\":\"bank-a\","
              + "\"contract\":\"ct-bank-a\",\"period\":\"2026-10\",\"final\":%s}}";
      p.send(
          new ProducerRecord<>(
              Topics.USAGE, String.format(usage, "true").getBytes(StandardCharsets.UTF_8)));
      p.send(
          new ProducerRecord<>(
              Topics.USAGE, String.format(usage, "false").getBytes(StandardCharsets.UTF_8)));
      p.flush();
    }
    for (ConsumerRecord<byte[], byte[]> rec : kafka.committed(Topics.POLICIES)) {
      coords.add(rec.topic() + "/" + rec.partition() + "@" + rec.offset());
    }
    for (ConsumerRecord<byte[], byte[]> rec : kafka.committed(Topics.FEEDBACK)) {
      coords.add(rec.topic() + "/" + rec.partition() + "@" + rec.offset());
    }
    for (ConsumerRecord<byte[], byte[]> rec : kafka.committed(Topics.USAGE)) {
      if (new String(rec.value(), StandardCharsets.UTF_8).contains("\"final\":true")) {
        coords.add(rec.topic() + "/" + rec.partition() + "@" + rec.offset());
      }
    }
    return new Input(coords, byContract);
  }

  EvidenceJob.Settings settings(KafkaFixture kafka) {
    EvidenceJob.Settings s = new EvidenceJob.Settings();
    s.bootstrapServers = kafka.bootstrap();
    String run = UUID.randomUUID().toString().substring(0, 8);
    s.groupId = "evidence-it-" + run;
    s.transactionalIdPrefix = "evidence-it-" + run;
    s.checkpointIntervalMs = 300;
    s.sealEvery = 700;
    s.sealMs = 200;
    s.logDir = tmp.resolve("log").toString();
    s.keysDir = tmp.resolve("keys").toString();
    s.origin = "tollgate.test/evidence-it";
    s.bounded = true;
    return s;
  }

  void run(EvidenceJob.Settings s, Configuration conf) throws Exception {
    try (LocalFlink flink = LocalFlink.start(conf, 1)) {
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
      EvidenceJob.build(env, s);
      JobID job = flink.submit(env, "evidence-it");
      assertThat(flink.awaitEnd(job, Duration.ofMinutes(3))).isEqualTo(JobStatus.FINISHED);
    }
  }

  /**
   * Every committed checkpoint verifies with the ring's key and is consistent with the one before
   * (by proofs from the tiles); the log holds each input record once; a package verifies.
   */
  void check(KafkaFixture kafka, EvidenceJob.Settings s, Input in) throws Exception {
    KeyRing ring = KeyRing.open(Path.of(s.keysDir), s.origin);
    List<Checkpoint> cps = new ArrayList<>();
    List<SignedNote> notes = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> rec : kafka.committed(Topics.EVIDENCE)) {
      SignedNote n = SignedNote.parse(new String(rec.value(), StandardCharsets.UTF_8));
      assertThat(n.verify(ring.all())).isNotEmpty();
      cps.add(Checkpoint.parse(n.text()));
      notes.add(n);
    }
    assertThat(cps).isNotEmpty();
    long last = cps.get(cps.size() - 1).size();
    assertThat(last).isEqualTo(in.coordinates().size());
    TileStore.Reader tree = TileStore.reader(Path.of(s.logDir), last);
    assertThat(Merkle.root(tree, last)).isEqualTo(cps.get(cps.size() - 1).root());
    for (int i = 1; i < cps.size(); i++) {
      Checkpoint a = cps.get(i - 1);
      Checkpoint b = cps.get(i);
      assertThat(b.size()).as("checkpoints grow").isGreaterThan(a.size());
      Merkle.verifyConsistency(
          a.size(),
          b.size(),
          a.root(),
          b.root(),
          Merkle.consistencyProof(tree, a.size(), b.size()));
    }
    // every record read, exactly once; each contract's chain without a gap
    Set<String> sealed = new HashSet<>();
    Map<String, long[]> chains = new HashMap<>();
    Map<String, Long> decisions = new HashMap<>();
    for (long i = 0; i < last; i++) {
      Entry e = Entry.decode(tree.entry(i));
      assertThat(e.index()).isEqualTo(i);
      assertThat(sealed.add(e.topic() + "/" + e.partition() + "@" + e.offset()))
          .as("sealed once: " + e.topic() + "/" + e.partition() + "@" + e.offset())
          .isTrue();
      String chain = e.contract() == null ? "" : e.contract();
      long[] c = chains.get(chain);
      assertThat(e.seq()).isEqualTo(c == null ? 1 : c[0] + 1);
      assertThat(e.prev()).isEqualTo(c == null ? null : c[1]);
      chains.put(chain, new long[] {e.seq(), i});
      if (e.kind().equals(Entry.DECISION) && e.contract() != null) {
        decisions.merge(e.contract(), 1L, Long::sum);
      }
    }
    assertThat(sealed).isEqualTo(in.coordinates());
    assertThat(decisions).isEqualTo(in.decisionsByContract());
    // the checkpoints beside the tiles are the committed ones
    try (var files = Files.list(Path.of(s.logDir, "checkpoints"))) {
      assertThat(files.count()).isEqualTo(cps.size());
    }
    // a package of one contract verifies, and holds its every decision
    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    EvidencePackage.export(
        new EvidencePackage.Log(
            tree,
            notes,
            ring.verifierKeys(),
            sha -> {
              try {
                return Files.readAllBytes(Path.of(s.logDir, "contracts", sha + ".yaml"));
              } catch (java.io.IOException e) {
                return null;
              }
            }),
        "ct-bank-a",
        Long.MIN_VALUE,
        Long.MAX_VALUE,
        Instant.now(),
        zip);
    EvidencePackage.Verified v =
        EvidencePackage.verify(new ByteArrayInputStream(zip.toByteArray()), ring.all());
    assertThat(v.kinds().get(Entry.DECISION)).isEqualTo(in.decisionsByContract().get("ct-bank-a"));
    assertThat(v.kinds().get(Entry.USAGE)).isEqualTo(1);
    assertThat(v.contractTexts()).hasSize(1);
    assertThat(v.violations()).containsKey("purpose");
  }

  @Test
  void everyRecordIsSealedOnceAndAPackageVerifies() throws Exception {
    try (KafkaFixture kafka = new KafkaFixture()) {
      Input in = produce(kafka, 5000);
      EvidenceJob.Settings s = settings(kafka);
      run(s, new Configuration());
      check(kafka, s, in);
    }
  }

  @Test
  void aFailureBetweenTilesAndCheckpointNeitherForksNorDuplicates() throws Exception {
    try (KafkaFixture kafka = new KafkaFixture()) {
      Input in = produce(kafka, 8000);
      EvidenceJob.Settings s = settings(kafka);
      s.drill = "evidence-it-" + UUID.randomUUID() + ":3000";
      Configuration conf = new Configuration();
      conf.setString("restart-strategy.type", "fixed-delay");
      conf.setString("restart-strategy.fixed-delay.attempts", "3");
      conf.setString("restart-strategy.fixed-delay.delay", "500 ms");
      run(s, conf);
      check(kafka, s, in);
    }
  }
}
