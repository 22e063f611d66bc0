package io.tollgate.policy;

import io.tollgate.policy.spi.CounterStore;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.model.Policy;
import io.tollgate.policy.reference.ReferenceInterpreter;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * The compiled evaluator decides exactly as the reference interpreter: outcome, contract, every
 * reason, projection and masks, call after call, with counters evolving along the sequence.
 * 1,000 random contract sets of 1 to 4 contracts, 300 calls each.
 */
class CompiledMatchesReferenceTest {
  private static final Map<Outcome, Long> SEEN = new EnumMap<>(Outcome.class);

  @Property(tries = 1000)
  void compiledDecidesAsTheReference(@ForAll long seed) throws PolicyException {
    RandomContracts random = new RandomContracts(seed);
    List<Policy> policies = random.contracts();
    PolicyCompiler compiler = new PolicyCompiler();
    PolicyEngine engine = PolicyEngine.of(compiler.compileAll(policies));
    ReferenceInterpreter reference = new ReferenceInterpreter(policies);
    CounterStore counters = new InMemoryCounterStore();
    Decision d = new Decision();
    for (DataCall call : random.calls(300, policies)) {
      engine.decide(call, counters, d);
      ReferenceInterpreter.Result expected = reference.decide(call);
      Map<String, String> masks = new LinkedHashMap<>();
      for (Obligations.Mask m : d.masks()) {
        masks.put(m.field(), m.method().term());
      }
      ReferenceInterpreter.Result actual = new ReferenceInterpreter.Result(d.outcome(), d.contractId(),
          d.reasons(), d.project() == null ? null : Arrays.asList(d.project()), masks);
      assertThat(actual).as("call %s against %s", call, policies).isEqualTo(expected);
      synchronized (SEEN) {
        SEEN.merge(d.outcome(), 1L, Long::sum);
      }
    }
  }

  @AfterContainer
  static void everyOutcomeWasExercised() {
    // A generator that never produced one outcome would make the property vacuous for it.
    System.out.println("outcomes over all tries: " + SEEN);
    assertThat(SEEN.keySet()).containsExactlyInAnyOrder(Outcome.values());
    for (long n : SEEN.values()) {
      assertThat(n).isGreaterThan(1000);
    }
  }
}
