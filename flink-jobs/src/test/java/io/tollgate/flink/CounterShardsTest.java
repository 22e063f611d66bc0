package io.tollgate.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.enforcement.records.CallRecord;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.junit.jupiter.api.Test;

class CounterShardsTest {

  static CallRecord call(String consumer, String dataset, String id) {
    CallRecord r = new CallRecord();
    r.consumer = consumer;
    r.dataset = dataset;
    r.id = id;
    return r;
  }

  @Test
  void aColdConsumerKeepsItsKeyAndAHotOnesShardZeroToo() throws Exception {
    CounterShards shards = new CounterShards(Map.of("hot", 4), 128);
    CallRecord cold = call("cold", "telemetry", "x");
    assertThat(shards.getKey(cold)).isEqualTo(cold.key());
    for (int i = 0; i < 200; i++) {
      CallRecord r = call("hot", "telemetry", "id-" + i);
      long key = shards.getKey(r);
      assertThat(key == r.key())
          .as("call %d: shard 0 has the plain key", i)
          .isEqualTo(CounterShards.shardOf(r.id, 4) == 0);
      assertThat(new CounterShards(Map.of("hot", 4), 128).getKey(r))
          .as("the same key in every instance (upstream, downstream, after a restart)")
          .isEqualTo(key);
    }
  }

  @Test
  void nShardsLandOnNDifferentSubtasksAtParallelismN() {
    Random rnd = new Random(3);
    for (int n : new int[] {2, 4, 8}) {
      for (int trial = 0; trial < 500; trial++) {
        long base = rnd.nextLong();
        Set<Integer> subtasks = new HashSet<>();
        for (int shard = 0; shard < n; shard++) {
          long key = shard == 0 ? base : CounterShards.shardKey(base, shard, n, 128);
          subtasks.add(KeyGroupRangeAssignment.assignKeyToParallelOperator(key, 128, n));
        }
        assertThat(subtasks).as("%d shards of %x", n, base).hasSize(n);
      }
    }
    // and spread, if not one each, at other parallelisms: 4 shards over 2 subtasks, 2 each
    long base = 42;
    int[] per = new int[2];
    for (int shard = 0; shard < 4; shard++) {
      long key = shard == 0 ? base : CounterShards.shardKey(base, shard, 4, 128);
      per[KeyGroupRangeAssignment.assignKeyToParallelOperator(key, 128, 2)]++;
    }
    assertThat(per).containsExactly(2, 2);
  }

  @Test
  void callsSpreadEvenlyOverShards() {
    int n = 4;
    int[] count = new int[n];
    for (int i = 0; i < 400_000; i++) {
      count[CounterShards.shardOf(Integer.toString(i), n)]++;
    }
    for (int c : count) {
      assertThat(c).isBetween(99_000, 101_000); // 100,000 ± 3.5 standard deviations
    }
    assertThat(CounterShards.shardOf("anything", 1)).isZero();
    assertThat(CounterShards.shardOf(null, 4))
        .as("a call without an id (refused upstream)")
        .isZero();
  }

  @Test
  void badShardCountsAreRefusedWithTheOption() {
    Map<String, Integer> zero = new LinkedHashMap<>();
    zero.put("c", 0);
    assertThatThrownBy(() -> new CounterShards(zero, 128))
        .hasMessageContaining("--hot-consumer c=0")
        .hasMessageContaining("between 1 and the maximum parallelism (128)");
    assertThatThrownBy(() -> new CounterShards(Map.of("c", 129), 128))
        .hasMessageContaining("c=129");
    assertThatThrownBy(() -> new CounterShards(Map.of("", 2), 128)).hasMessageContaining("empty");
  }

  @Test
  void describesItselfCanonically() {
    Map<String, Integer> m = new LinkedHashMap<>();
    m.put("b", 4);
    m.put("a", 2);
    m.put("cold", 1);
    assertThat(new CounterShards(m, 128).describe()).isEqualTo("a=2,b=4");
    assertThat(new CounterShards(Map.of(), 128).describe()).isEmpty();
  }
}
