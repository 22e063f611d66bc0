package io.tollgate.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.enforcement.records.CallRecord;
import io.tollgate.enforcement.records.CallRecordCodec;
import io.tollgate.enforcement.records.DeadLetterEvent;
import io.tollgate.enforcement.records.DeliveredEvent;
import io.tollgate.enforcement.records.EventReader;
import io.tollgate.enforcement.records.FeedbackEvent;
import io.tollgate.enforcement.records.PolicyRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The keyed enforcement function in Flink's operator harness: decisions, outputs, state, restore.
 */
class EnforcementFunctionTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CONTRACT =
      String.join(
          "\n",
          "contract: fleet-rate",
          "provider: sh-cv-platform",
          "consumer: acme",
          "dataset: telemetry",
          "actions: [read]",
          "purposes: [navigation]",
          "fields: {allow: [speed, vin, lat], mask: {vin: hash, lat: redact}}",
          "limits: {rate: \"2/min\"}",
          "");
  static final long T0 = 1_772_413_200_000L; // 2026-03-02T01:00:00Z

  static KeyedBroadcastOperatorTestHarness<Long, CallRecord, PolicyRecord, Out> harness(
      Map<Integer, Long> policyEnd) throws Exception {
    return harness(
        new EnforcementFunction(policyEnd, 10_000, "k".getBytes(StandardCharsets.UTF_8), null));
  }

  static KeyedBroadcastOperatorTestHarness<Long, CallRecord, PolicyRecord, Out> harness(
      org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction<
              Long, CallRecord, PolicyRecord, Out>
          fn)
      throws Exception {
    return new KeyedBroadcastOperatorTestHarness<>(
        new CoBroadcastWithKeyedOperator<>(
            fn, List.of(EnforcementFunction.CONTRACTS, EnforcementFunction.POLICY_OFFSETS)),
        CallRecord::key,
        Types.LONG,
        1,
        1,
        0);
  }

  static PolicyRecord policy(String id, String text, long offset) {
    PolicyRecord p = new PolicyRecord();
    p.contractId = id;
    p.text = text;
    p.offset = offset;
    return p;
  }

  static CallRecord call(String id, long ts, String purpose) {
    String json =
        "{\"v\":1,\"id\":\""
            + id
            + "\",\"ts\":"
            + ts
            + ",\"consumer\":\"acme\",\"dataset\":\"telemetry\","
            + "\"action\":\"read\",\"purpose\":\""
            + purpose
            + "\","
            + "\"payload\":{\"speed\":52.5,\"vin\":\"LSV123\",\"lat\":31.2,\"secret\":{\"a\":1}}}";
    CallRecord r =
        new CallRecordCodec(300_000)
            .parse(null, json.getBytes(StandardCharsets.UTF_8), ts, new CallRecord());
    assertThat(r.error).isNull();
    return r;
  }

  /** The feedback events the harness emitted, read as every consumer reads them. */
  static List<FeedbackEvent> feedback(
      KeyedBroadcastOperatorTestHarness<Long, CallRecord, PolicyRecord, Out> h) {
    List<FeedbackEvent> out = new ArrayList<>();
    for (Out o : h.extractOutputValues()) {
      out.add(EventReader.feedback(o.value));
    }
    return out;
  }

  static List<DeliveredEvent> delivered(
      KeyedBroadcastOperatorTestHarness<Long, CallRecord, PolicyRecord, Out> h) {
    List<DeliveredEvent> out = new ArrayList<>();
    for (StreamRecord<Out> r : h.getSideOutput(EnforcementFunction.DELIVERED)) {
      out.add(EventReader.delivered(r.getValue().value));
    }
    return out;
  }

  static List<DeadLetterEvent> deadLetters(
      KeyedBroadcastOperatorTestHarness<Long, CallRecord, PolicyRecord, Out> h) {
    List<DeadLetterEvent> out = new ArrayList<>();
    for (StreamRecord<Out> r : h.getSideOutput(EnforcementFunction.DLQ)) {
      out.add(EventReader.deadLetter(r.getValue().value));
    }
    return out;
  }

  /** "DECISION[reasons]", as the JSON list reads: DENY["no-contract"]. */
  static String outcome(FeedbackEvent e) {
    return e.decision()
        + e.reasons().stream().map(r -> "\"" + r + "\"").collect(Collectors.joining(",", "[", "]"));
  }

  @Test
  void decidesProjectsMasksAndThrottles() throws Exception {
    try (var h = harness(Map.of(0, 0L))) {
      h.open();
      h.processBroadcastElement(policy("fleet-rate", CONTRACT, 0), 0);
      h.processElement(call("c1", T0, "navigation"), T0);
      h.processElement(call("c2", T0 + 1000, "advertising"), T0);
      h.processElement(call("c3", T0 + 2000, "navigation"), T0);
      h.processElement(call("c4", T0 + 3000, "navigation"), T0);

      List<FeedbackEvent> fb = feedback(h);
      assertThat(fb).extracting(n -> n.callId()).containsExactly("c1", "c2", "c3", "c4");
      assertThat(fb)
          .extracting(n -> n.decision().name())
          .containsExactly("PERMIT", "DENY", "PERMIT", "THROTTLE");
      assertThat(fb.get(1).reasons()).containsExactly("purpose");
      assertThat(fb.get(3).reasons()).containsExactly("rate");
      assertThat(fb.get(0).contract()).isEqualTo("fleet-rate");
      assertThat(fb.get(0).policyVersion()).hasSize(16);
      assertThat(fb.get(0).eventTime()).isEqualTo("2026-03-02T01:00:00Z");

      List<DeliveredEvent> dl = delivered(h);
      assertThat(dl).extracting(n -> n.callId()).containsExactly("c1", "c3");
      JsonNode payload = JSON.readTree(dl.get(0).payload()); // the consumer's data, not our record
      assertThat(payload.get("speed").asDouble()).isEqualTo(52.5);
      assertThat(payload.has("secret")).isFalse();
      assertThat(payload.get("lat").asText()).isEqualTo("[redacted]");
      assertThat(payload.get("vin").asText())
          .hasSize(32)
          .isNotEqualTo("LSV123")
          .isEqualTo(JSON.readTree(dl.get(1).payload()).get("vin").asText());
    }
  }

  @Test
  void countersSurviveSnapshotAndRestore() throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = harness(Map.of(0, 1L))) {
      h.open();
      h.processBroadcastElement(policy("fleet-rate", CONTRACT, 0), 0);
      h.processElement(call("c1", T0, "navigation"), T0);
      h.processElement(call("c2", T0 + 1000, "navigation"), T0);
      snapshot = h.snapshot(1, T0);
    }
    try (var h = harness(Map.of(0, 1L))) {
      h.initializeState(snapshot);
      h.open();
      // no policy record is replayed: the contract comes back from broadcast state, the two
      // calls already counted from keyed state, so the third call within the minute is throttled
      h.processElement(call("c3", T0 + 2000, "navigation"), T0);
      h.processElement(call("c4", T0 + 60_000, "navigation"), T0);
      assertThat(feedback(h))
          .extracting(n -> n.decision().name())
          .containsExactly("THROTTLE", "PERMIT");
    }
    try (var h = harness(Map.of(0, 1L))) {
      // the same calls without the restored state would both be permitted
      h.open();
      h.processBroadcastElement(policy("fleet-rate", CONTRACT, 0), 0);
      h.processElement(call("c3", T0 + 2000, "navigation"), T0);
      assertThat(feedback(h)).extracting(n -> n.decision().name()).containsExactly("PERMIT");
    }
  }

  @Test
  void callsWaitUntilThePoliciesAreRead() throws Exception {
    try (var h = harness(Map.of(0, 2L))) {
      h.open();
      h.setProcessingTime(1000);
      h.processElement(call("early", T0, "navigation"), T0);
      assertThat(h.extractOutputValues()).isEmpty();
      h.processBroadcastElement(policy("fleet-rate", CONTRACT, 0), 0);
      h.setProcessingTime(1100);
      assertThat(h.extractOutputValues()).isEmpty(); // policies read to offset 1 of 2
      h.processBroadcastElement(policy("other", null, 1), 0);
      h.setProcessingTime(1200);
      h.processElement(call("late", T0 + 1, "navigation"), T0);
      assertThat(feedback(h))
          .extracting(n -> n.callId() + ":" + n.decision())
          .containsExactly("early:PERMIT", "late:PERMIT");
    }
  }

  @Test
  void waitingIsBoundedByTheReadyTimeout() throws Exception {
    try (var h = harness(Map.of(0, 5L))) {
      h.open();
      h.setProcessingTime(1000);
      h.processElement(call("c1", T0, "navigation"), T0);
      h.setProcessingTime(5000);
      assertThat(h.extractOutputValues()).isEmpty();
      h.setProcessingTime(11_100);
      assertThat(feedback(h))
          .extracting(EnforcementFunctionTest::outcome)
          .containsExactly("DENY[\"no-contract\"]");
    }
  }

  @Test
  void parkingIsBounded() throws Exception {
    var fn =
        new EnforcementFunction(Map.of(0, 5L), 10_000, "k".getBytes(StandardCharsets.UTF_8), null)
            .parkingAtMost(2);
    try (var h =
        new KeyedBroadcastOperatorTestHarness<>(
            new CoBroadcastWithKeyedOperator<>(
                fn, List.of(EnforcementFunction.CONTRACTS, EnforcementFunction.POLICY_OFFSETS)),
            CallRecord::key,
            Types.LONG,
            1,
            1,
            0)) {
      h.open();
      h.setProcessingTime(1000);
      h.processBroadcastElement(policy("fleet-rate", CONTRACT, 0), 0);
      h.processElement(call("c1", T0, "navigation"), T0);
      h.processElement(call("c2", T0 + 1, "navigation"), T0);
      assertThat(h.extractOutputValues()).isEmpty();
      h.processElement(call("c3", T0 + 2, "navigation"), T0);
      assertThat(feedback(h)).extracting(n -> n.callId()).containsExactly("c1", "c2", "c3");
    }
  }

  @Test
  void revocationAndNewVersionsApplyToLaterCalls() throws Exception {
    try (var h = harness(Map.of())) {
      h.open();
      h.processBroadcastElement(policy("fleet-rate", CONTRACT, 0), 0);
      h.processElement(call("c1", T0, "navigation"), T0);
      h.processBroadcastElement(
          policy("fleet-rate", CONTRACT.replace("[navigation]", "[advertising]"), 1), 0);
      h.processElement(call("c2", T0 + 1, "navigation"), T0);
      h.processElement(call("c3", T0 + 2, "advertising"), T0);
      h.processBroadcastElement(policy("fleet-rate", null, 2), 0);
      h.processElement(call("c4", T0 + 3, "advertising"), T0);
      List<FeedbackEvent> fb = feedback(h);
      assertThat(fb)
          .extracting(EnforcementFunctionTest::outcome)
          .containsExactly("PERMIT[]", "DENY[\"purpose\"]", "PERMIT[]", "DENY[\"no-contract\"]");
      assertThat(fb.get(0).policyVersion()).isNotEqualTo(fb.get(2).policyVersion());
    }
  }

  @Test
  void aContractThatNoLongerCompilesIsSuspendedAndReported() throws Exception {
    try (var h = harness(Map.of())) {
      h.open();
      h.processBroadcastElement(policy("fleet-rate", CONTRACT, 0), 0);
      h.processBroadcastElement(
          policy("fleet-rate", CONTRACT.replace("actions: [read]", "actions: [reed]"), 1), 0);
      h.processBroadcastElement(policy("wrong-key", CONTRACT, 2), 0);
      h.processElement(call("c1", T0, "navigation"), T0);
      assertThat(feedback(h))
          .extracting(EnforcementFunctionTest::outcome)
          .containsExactly("DENY[\"no-contract\"]");
      List<DeadLetterEvent> dlq = deadLetters(h);
      assertThat(dlq).hasSize(2);
      assertThat(dlq.get(0).error()).contains("suspended").contains("/actions/0").contains("reed");
      assertThat(dlq.get(0).offset()).isEqualTo(1);
      assertThat(dlq.get(1).error()).contains("record key \\\"wrong-key\\\"".replace("\\", ""));
    }
  }

  @Test
  void anUnreadableUpdateSuspendsTheContract() throws Exception {
    try (var h = harness(Map.of())) {
      h.open();
      h.processBroadcastElement(policy("fleet-rate", CONTRACT, 0), 0);
      PolicyRecord bad = policy("fleet-rate", null, 1);
      bad.error = "expected UTF-8 text, found invalid bytes";
      bad.rawKey = "fleet-rate".getBytes(StandardCharsets.UTF_8);
      bad.rawValue = new byte[] {(byte) 0xc4, (byte) 0xe3};
      h.processBroadcastElement(bad, 0);
      h.processElement(call("c1", T0, "navigation"), T0);
      assertThat(feedback(h))
          .extracting(EnforcementFunctionTest::outcome)
          .containsExactly("DENY[\"no-contract\"]");
      DeadLetterEvent dead = deadLetters(h).get(0);
      assertThat(dead.error())
          .isEqualTo("contract suspended: expected UTF-8 text, found invalid bytes");
      assertThat(dead.value()).isEqualTo(new byte[] {(byte) 0xc4, (byte) 0xe3});
    }
  }

  static KeyedBroadcastOperatorTestHarness<Long, CallRecord, PolicyRecord, Out> sharded(
      Map<String, Integer> hot) throws Exception {
    CounterShards shards = new CounterShards(hot, 128);
    return new KeyedBroadcastOperatorTestHarness<>(
        new CoBroadcastWithKeyedOperator<>(
            new EnforcementFunction(Map.of(), 10_000, "k".getBytes(StandardCharsets.UTF_8), null)
                .sharded(shards),
            List.of(EnforcementFunction.CONTRACTS, EnforcementFunction.POLICY_OFFSETS)),
        shards,
        Types.LONG,
        128,
        1,
        0);
  }

  @Test
  void eachShardOfAHotConsumerSpendsItsPartOfTheLimits() throws Exception {
    try (var h = sharded(Map.of("acme", 2))) {
      h.open();
      h.processBroadcastElement(policy("fleet-rate", CONTRACT, 0), 0); // 2/min
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        ids.add("c" + i);
        h.processElement(call("c" + i, T0 + i, "navigation"), T0);
      }
      List<FeedbackEvent> fb = feedback(h);
      assertThat(fb).hasSize(20);
      List<String> permitted =
          fb.stream()
              .filter(e -> e.decision() == io.tollgate.policy.Outcome.PERMIT)
              .map(FeedbackEvent::callId)
              .toList();
      assertThat(permitted).as("one of 2/min per shard").hasSize(2);
      assertThat(permitted)
          .extracting(id -> CounterShards.shardOf(id, 2))
          .containsExactlyInAnyOrder(0, 1);
      for (String id : permitted) { // the first call of its shard
        int shard = CounterShards.shardOf(id, 2);
        assertThat(ids.stream().filter(c -> CounterShards.shardOf(c, 2) == shard).findFirst())
            .contains(id);
      }
      assertThat(delivered(h)).hasSize(2);
    }
  }

  @Test
  void aRestoreWithOtherShardsIsRefusedAndWithTheSameAccepted() throws Exception {
    org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
    try (var h = sharded(Map.of("acme", 2, "cold", 1))) {
      h.open();
      h.processBroadcastElement(policy("fleet-rate", CONTRACT, 0), 0);
      h.processElement(call("c1", T0, "navigation"), T0);
      snapshot = h.snapshot(1, 1);
    }
    try (var h = sharded(Map.of("acme", 2))) {
      h.initializeState(snapshot);
      h.open();
      h.processElement(call("c2", T0 + 1, "navigation"), T0);
      assertThat(feedback(h)).hasSize(1);
    }
    for (Map<String, Integer> other : List.of(Map.<String, Integer>of(), Map.of("acme", 4))) {
      try (var h = sharded(other)) {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> {
                  h.initializeState(snapshot);
                  h.open();
                })
            .hasStackTraceContaining("--hot-consumer differs from the state's")
            .hasStackTraceContaining("split as acme=2");
      }
    }
  }
}
