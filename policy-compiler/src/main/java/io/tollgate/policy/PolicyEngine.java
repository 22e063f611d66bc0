package io.tollgate.policy;

import io.tollgate.policy.spi.CounterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides data calls against a set of compiled contracts. Immutable: {@link #with} and {@link
 * #without} return a new engine, so an enforcement point swaps contract sets atomically by
 * replacing one reference. The contracts of one engine come from one {@link PolicyCompiler}.
 *
 * <h2>Semantics</h2>
 *
 * <ol>
 *   <li>No contract for (consumer, dataset): DENY, reason {@code no-contract}, contract null.
 *   <li>The candidates are tried in contract-id order. For each, the stateless constraints are
 *       evaluated (every failing one is reported). Only when all hold are the stateful limits
 *       applied through the {@link CounterStore}, which consumes a call only when every limit has
 *       room.
 *   <li>The first candidate that permits is applied: PERMIT with its obligations (a call that names
 *       no fields is projected to the contract's allow-list, if it has one; a call that names
 *       fields is projected to them).
 *   <li>When none permits: THROTTLE, naming the first contract that failed only on {@code rate}, if
 *       there is one; else DENY, naming the contract when there was exactly one candidate. The
 *       reasons are the union over all candidates.
 * </ol>
 */
public final class PolicyEngine {
  private static final CompiledPolicy[] NONE = new CompiledPolicy[0];
  private static final Obligations.Mask[] NO_MASKS = new Obligations.Mask[0];
  private static final int NO_CONTRACT = Reason.NO_CONTRACT.bit();
  private static final int RATE = Reason.RATE.bit();

  private final Map<String, CompiledPolicy> byId;
  private final Vocabulary vocabulary;
  private final CandidateTable index;

  private PolicyEngine(Map<String, CompiledPolicy> byId) {
    this.byId = byId;
    Vocabulary v = null;
    for (CompiledPolicy p : byId.values()) {
      if (v == null) {
        v = p.vocabulary();
      } else if (v != p.vocabulary()) {
        throw new IllegalArgumentException(
            "contract "
                + p.id()
                + " was compiled by another PolicyCompiler: an engine's contracts share one compiler");
      }
    }
    this.vocabulary = v;
    Map<Long, List<CompiledPolicy>> grouped = new HashMap<>();
    for (CompiledPolicy p : byId.values()) {
      grouped
          .computeIfAbsent(
              CandidateTable.key(p.consumerId(), p.datasetId()), k -> new ArrayList<>())
          .add(p);
    }
    List<CompiledPolicy[]> groups = new ArrayList<>();
    for (List<CompiledPolicy> list : grouped.values()) {
      CompiledPolicy[] arr = list.toArray(NONE);
      Arrays.sort(arr, Comparator.comparing(CompiledPolicy::id));
      groups.add(arr);
    }
    this.index = new CandidateTable(groups);
  }

  /** An engine over these contracts; contract ids must be unique. */
  public static PolicyEngine of(Collection<CompiledPolicy> policies) {
    Map<String, CompiledPolicy> byId = new LinkedHashMap<>();
    for (CompiledPolicy p : policies) {
      if (byId.put(p.id(), p) != null) {
        throw new IllegalArgumentException("duplicate contract id " + p.id());
      }
    }
    return new PolicyEngine(byId);
  }

  /** An engine with {@code policy} added, or replacing the contract with the same id. */
  public PolicyEngine with(CompiledPolicy policy) {
    Map<String, CompiledPolicy> copy = new LinkedHashMap<>(byId);
    copy.put(policy.id(), policy);
    return new PolicyEngine(copy);
  }

  /** An engine without the contract {@code id} (a revocation). */
  public PolicyEngine without(String id) {
    if (!byId.containsKey(id)) {
      return this;
    }
    Map<String, CompiledPolicy> copy = new LinkedHashMap<>(byId);
    copy.remove(id);
    return new PolicyEngine(copy);
  }

  /** The contract with this id, or null. */
  public CompiledPolicy contract(String id) {
    return byId.get(id);
  }

  public Collection<CompiledPolicy> contracts() {
    return byId.values();
  }

  public int size() {
    return byId.size();
  }

  /** The contracts for (consumer, dataset) in contract-id order. Do not modify. */
  public CompiledPolicy[] candidates(String consumer, String dataset) {
    if (vocabulary == null) {
      return NONE;
    }
    return index.get(vocabulary.nameId(consumer), vocabulary.nameId(dataset));
  }

  /** Decides {@code call} into {@code out}. Allocation-free (OPA constraints excepted). */
  public void decide(DataCall call, CounterStore counters, Decision out) {
    CompiledPolicy[] candidates = NONE;
    if (vocabulary != null) {
      call.bind(vocabulary);
      candidates = index.get(call.consumerId(), call.datasetId());
    }
    if (candidates.length == 0) {
      out.set(call.id(), call.ts(), Outcome.DENY, null, NO_CONTRACT, null, NO_MASKS);
      return;
    }
    int union = 0;
    CompiledPolicy throttledBy = null;
    for (CompiledPolicy p : candidates) {
      int failed = p.evaluate(call);
      if (failed == 0 && p.limits() != null) {
        failed = counters.tryAcquire(p.counterKey(), p.limits(), call.ts());
      }
      if (failed == 0) {
        Obligations o = p.obligations();
        String[] project = call.hasFields() ? call.fields() : o.project();
        out.set(call.id(), call.ts(), Outcome.PERMIT, p, 0, project, o.masks());
        return;
      }
      if (failed == RATE && throttledBy == null) {
        throttledBy = p;
      }
      union |= failed;
    }
    if (throttledBy != null) {
      out.set(call.id(), call.ts(), Outcome.THROTTLE, throttledBy, union, null, NO_MASKS);
    } else {
      out.set(
          call.id(),
          call.ts(),
          Outcome.DENY,
          candidates.length == 1 ? candidates[0] : null,
          union,
          null,
          NO_MASKS);
    }
  }

  /** Decides {@code call} into a new {@link Decision}. */
  public Decision decide(DataCall call, CounterStore counters) {
    Decision d = new Decision();
    decide(call, counters, d);
    return d;
  }

  /**
   * (consumer id, dataset id) to candidates: an open-addressing table over ints, so a bound call
   * finds its contracts without comparing a character. Immutable after construction.
   */
  private static final class CandidateTable {
    private final int mask;
    private final long[] keys;
    private final CompiledPolicy[][] values;

    CandidateTable(List<CompiledPolicy[]> groups) {
      int capacity = Integer.highestOneBit(Math.max(4, groups.size() * 2 - 1)) << 1;
      mask = capacity - 1;
      keys = new long[capacity];
      values = new CompiledPolicy[capacity][];
      for (CompiledPolicy[] group : groups) {
        long key = key(group[0].consumerId(), group[0].datasetId());
        int i = slot(key);
        while (values[i] != null) {
          i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = group;
      }
    }

    static long key(int consumerId, int datasetId) {
      return ((long) consumerId << 32) | (datasetId & 0xFFFFFFFFL);
    }

    private int slot(long key) {
      return (int) ((key * 0x9E3779B97F4A7C15L) >>> 40) & mask;
    }

    CompiledPolicy[] get(int consumerId, int datasetId) {
      if (consumerId < 0 || datasetId < 0) {
        return NONE;
      }
      long key = key(consumerId, datasetId);
      for (int i = slot(key); ; i = (i + 1) & mask) {
        CompiledPolicy[] v = values[i];
        if (v == null) {
          return NONE;
        }
        if (keys[i] == key) {
          return v;
        }
      }
    }
  }
}
