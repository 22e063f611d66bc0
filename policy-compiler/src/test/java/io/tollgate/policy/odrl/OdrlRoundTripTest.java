package io.tollgate.policy.odrl;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.CompiledPolicy;
import io.tollgate.policy.DataCall;
import io.tollgate.policy.Decision;
import io.tollgate.policy.InMemoryCounterStore;
import io.tollgate.policy.PolicyCompiler;
import io.tollgate.policy.PolicyEngine;
import io.tollgate.policy.RandomContracts;
import io.tollgate.policy.json.DecisionCodec;
import io.tollgate.policy.model.Policy;
import io.tollgate.policy.source.SourceResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every YAML contract has an exact ODRL equivalent: written by {@link OdrlExport} and read back by
 * {@link OdrlPolicySource}, it is the same model (the same version, a hash of the model) and
 * decides every call the same (outcome, reasons, projection, masks), counters and all. 300 random
 * contract sets of {@link RandomContracts}, 200 calls each, from fixed seeds.
 */
class OdrlRoundTripTest {
  static final long BASE_SEED = 0x0D41_2026L;

  @Test
  void exportedContractsReadBackAsTheSameModelAndDecideTheSame() throws Exception {
    int seeds = Integer.getInteger("tollgate.seeds", 300);
    long decisions = 0;
    for (int s = 0; s < seeds; s++) {
      long seed = BASE_SEED + s;
      RandomContracts rc = new RandomContracts(seed);
      List<Policy> yaml = rc.contracts();
      List<Policy> odrl = new ArrayList<>();
      for (Policy p : yaml) {
        String text = OdrlExport.text(p);
        SourceResult r = new OdrlPolicySource(OdrlRdf.Format.JSONLD).read("p.jsonld", null, text);
        assertThat(r.diagnostics()).as("seed %d:%n%s", seed, text).isEmpty();
        assertThat(r.policies()).hasSize(1);
        odrl.add(r.policies().get(0));
      }
      PolicyCompiler compiler = new PolicyCompiler();
      List<CompiledPolicy> a = compiler.compileAll(yaml);
      List<CompiledPolicy> b = compiler.compileAll(odrl);
      for (int i = 0; i < a.size(); i++) {
        assertThat(b.get(i).version())
            .as("seed %d, contract %s", seed, a.get(i).id())
            .isEqualTo(a.get(i).version());
      }
      PolicyEngine ea = PolicyEngine.of(a);
      PolicyEngine eb = PolicyEngine.of(b);
      InMemoryCounterStore ca = new InMemoryCounterStore();
      InMemoryCounterStore cb = new InMemoryCounterStore();
      DecisionCodec codec = new DecisionCodec();
      Decision da = new Decision();
      Decision db = new Decision();
      for (DataCall call : rc.calls(200, yaml)) {
        ea.decide(call, ca, da);
        String ja = codec.toJson(da);
        eb.decide(call, cb, db);
        assertThat(codec.toJson(db)).as("seed %d, call %s", seed, call.id()).isEqualTo(ja);
        decisions++;
      }
    }
    assertThat(decisions).isEqualTo(seeds * 200L);
  }

  @Test
  void theExampleContractsRoundTripWithPricesMasksAndGeofences() throws Exception {
    int n = 0;
    try (var files = java.nio.file.Files.list(java.nio.file.Path.of("../examples/contracts"))) {
      for (java.nio.file.Path f : files.sorted().toList()) {
        SourceResult y =
            new io.tollgate.policy.source.YamlContractSource()
                .read(f.toString(), f.getParent(), java.nio.file.Files.readString(f));
        assertThat(y.diagnostics()).isEmpty();
        for (Policy p : y.policies()) {
          String text = OdrlExport.text(p);
          SourceResult r =
              new OdrlPolicySource(OdrlRdf.Format.JSONLD).read(f + ".jsonld", f.getParent(), text);
          assertThat(r.diagnostics()).as(text).isEmpty();
          Policy back = r.policies().get(0);
          assertThat(back.price()).isEqualTo(p.price());
          assertThat(new PolicyCompiler().compile(back).version())
              .as(text)
              .isEqualTo(new PolicyCompiler().compile(p).version());
          n++;
        }
      }
    }
    assertThat(n).isGreaterThanOrEqualTo(4);
  }
}
