package io.tollgate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.policy.model.AtomicConstraint;
import io.tollgate.policy.model.LeftOperand;
import io.tollgate.policy.model.LogicalConstraint;
import io.tollgate.policy.model.Operator;
import io.tollgate.policy.model.Origin;
import io.tollgate.policy.model.Policy;
import io.tollgate.policy.model.Rate;
import io.tollgate.policy.model.Rule;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyCompilerTest {
  private static final String BASE =
      "contract: c1\nprovider: p\nconsumer: acme\ndataset: ds\npurposes: [risk]\n";

  private static Policy policy(
      List<io.tollgate.policy.model.Constraint> constraints, List<Rule> prohibitions) {
    return new Policy(
        "c1",
        Policy.PolicyType.AGREEMENT,
        "p",
        "acme",
        "ds",
        ZoneOffset.UTC,
        List.of(
            new Rule(
                Rule.Kind.PERMISSION,
                List.of(Action.USE),
                constraints,
                List.of(),
                "/permission/0")),
        prohibitions,
        null,
        new Origin("odrl.json", null, Map.of("/permission/0/constraint/0", new int[] {7, 9})));
  }

  @Test
  void theSameContractWrittenDifferentlyHasTheSameVersionAndIsCompiledOnce()
      throws PolicyException {
    PolicyCompiler compiler = new PolicyCompiler();
    CompiledPolicy a = compiler.compile(Contracts.yaml(BASE).get(0));
    CompiledPolicy b =
        compiler.compile(
            Contracts.yaml(
                    "# reformatted\ndataset: ds\nconsumer: acme\n"
                        + "purposes:\n  - risk\nprovider: p\ncontract: c1\n")
                .get(0));
    assertThat(b).isSameAs(a);
    CompiledPolicy c =
        compiler.compile(Contracts.yaml(BASE + "zone: UTC\nprice: {amount: \"1.50\"}\n").get(0));
    CompiledPolicy d =
        compiler.compile(Contracts.yaml(BASE + "price: {amount: 1.5, currency: CNY}\n").get(0));
    assertThat(d)
        .as("same meaning: UTC is the default zone, 1.50 = 1.5, CNY the default currency")
        .isSameAs(c);
    assertThat(compiler.cachedPolicies()).isEqualTo(2);
  }

  @Test
  void theVersionIsUnambiguous() throws PolicyException {
    PolicyCompiler compiler = new PolicyCompiler();
    CompiledPolicy two =
        compiler.compile(Contracts.yaml(BASE.replace("[risk]", "[nav, marketing]")).get(0));
    CompiledPolicy one =
        compiler.compile(Contracts.yaml(BASE.replace("[risk]", "[\"nav, marketing\"]")).get(0));
    assertThat(one.version()).isNotEqualTo(two.version());
    assertThat(one).isNotSameAs(two);
    DataCall c =
        new DataCall()
            .id("1")
            .ts(Instant.parse("2026-03-02T10:00:00Z"))
            .consumer("acme")
            .dataset("ds")
            .action(Action.READ)
            .purpose("marketing");
    assertThat(PolicyEngine.of(List.of(one)).decide(c, new InMemoryCounterStore()).reasons())
        .containsExactly("purpose");
  }

  @Test
  void anyChangeOfMeaningChangesTheVersion() throws PolicyException {
    PolicyCompiler compiler = new PolicyCompiler();
    String v = compiler.compile(Contracts.yaml(BASE).get(0)).version();
    assertThat(
            compiler
                .compile(Contracts.yaml(BASE.replace("[risk]", "[risk, audit]")).get(0))
                .version())
        .isNotEqualTo(v);
    assertThat(
            compiler.compile(Contracts.yaml(BASE + "limits: {rate: \"1/s\"}\n").get(0)).version())
        .isNotEqualTo(v);
    assertThat(compiler.compile(Contracts.yaml(BASE + "zone: Asia/Shanghai\n").get(0)).version())
        .isNotEqualTo(v);
    assertThat(v).hasSize(16).matches("[0-9a-f]{16}");
  }

  @Test
  void unsupportedOperatorIsAnErrorWithThePositionOfTheConstraint() {
    Policy p =
        policy(
            List.of(
                new AtomicConstraint(
                    LeftOperand.PURPOSE, Operator.GT, List.of("x"), "/permission/0/constraint/0")),
            List.of());
    assertThatThrownBy(() -> new PolicyCompiler().compile(p))
        .isInstanceOf(PolicyException.class)
        .hasMessage(
            "odrl.json:7:9: /permission/0/constraint/0: left operand purpose takes operator isAnyOf, eq, isNoneOf, neq, found gt");
  }

  @Test
  void wrongRightOperandTypeIsAnError() {
    Policy p =
        policy(
            List.of(
                new AtomicConstraint(
                    LeftOperand.DATE_TIME, Operator.LT, "tomorrow", "/permission/0/constraint/0")),
            List.of());
    assertThatThrownBy(() -> new PolicyCompiler().compile(p))
        .hasMessageContaining(
            "left operand dateTime expects an ISO-8601 instant as right operand, found tomorrow");
  }

  @Test
  void prohibitionsAreRefusedNotIgnored() {
    Rule prohibition =
        new Rule(
            Rule.Kind.PROHIBITION,
            List.of(Action.DISTRIBUTE),
            List.of(),
            List.of(),
            "/prohibition/0");
    assertThatThrownBy(() -> new PolicyCompiler().compile(policy(List.of(), List.of(prohibition))))
        .hasMessageContaining("prohibitions are not supported by the compiler yet");
  }

  @Test
  void limitsInsideALogicalConstraintAreRefused() {
    LogicalConstraint or =
        new LogicalConstraint(
            LogicalConstraint.Op.OR,
            List.of(
                new AtomicConstraint(
                    LeftOperand.RATE,
                    Operator.LTEQ,
                    new Rate(1, 1000),
                    "/permission/0/constraint/0/or/0"),
                new AtomicConstraint(
                    LeftOperand.PURPOSE, Operator.EQ, "x", "/permission/0/constraint/0/or/1")),
            "/permission/0/constraint/0");
    assertThatThrownBy(() -> new PolicyCompiler().compile(policy(List.of(or), List.of())))
        .hasMessageContaining("must be a top-level constraint of the permission");
  }

  @Test
  void xoneIsRefusedNotIgnored() {
    LogicalConstraint xone =
        new LogicalConstraint(
            LogicalConstraint.Op.XONE,
            List.of(new AtomicConstraint(LeftOperand.PURPOSE, Operator.EQ, "x", "/a")),
            "/permission/0/constraint/0");
    assertThatThrownBy(() -> new PolicyCompiler().compile(policy(List.of(xone), List.of())))
        .hasMessageContaining("logical operator xone is not supported yet");
  }

  @Test
  void orConstraintHoldsWhenAnyBranchHoldsAndReportsAllBranchesWhenNone() throws PolicyException {
    LogicalConstraint or =
        new LogicalConstraint(
            LogicalConstraint.Op.OR,
            List.of(
                new AtomicConstraint(LeftOperand.PURPOSE, Operator.EQ, "research", "/or/0"),
                new AtomicConstraint(
                    LeftOperand.SPATIAL, Operator.IS_ANY_OF, List.of("CN"), "/or/1")),
            "/or");
    PolicyEngine engine =
        PolicyEngine.of(List.of(new PolicyCompiler().compile(policy(List.of(or), List.of()))));
    DataCall c =
        new DataCall()
            .id("1")
            .ts(Instant.parse("2026-03-02T10:00:00Z"))
            .consumer("acme")
            .dataset("ds")
            .action(Action.READ)
            .purpose("research")
            .region("US-CA");
    InMemoryCounterStore counters = new InMemoryCounterStore();
    assertThat(engine.decide(c, counters).permitted()).isTrue();
    assertThat(engine.decide(c.purpose("ads").region("CN-SH"), counters).permitted()).isTrue();
    assertThat(engine.decide(c.purpose("ads").region("US-CA"), counters).reasons())
        .containsExactly("purpose", "region");
  }

  /** A contract read from {@code dir} whose only constraint is an OPA module at {@code wasm}. */
  private static Policy opaContractIn(java.nio.file.Path dir, String wasm) {
    Policy p =
        policy(
            List.of(
                new AtomicConstraint(
                    LeftOperand.OPA,
                    Operator.EQ,
                    new io.tollgate.policy.model.OpaReference(wasm, "x", Map.of(), null),
                    "/permission/0/constraint/0")),
            List.of());
    return new Policy(
        p.uid(),
        p.type(),
        p.assigner(),
        p.assignee(),
        p.target(),
        p.zone(),
        p.permissions(),
        p.prohibitions(),
        null,
        new Origin("c.yaml", dir, Map.of()));
  }

  @Test
  void opaModulesOutsideTheContractDirectoryAreRefused(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path contracts = java.nio.file.Files.createDirectory(dir.resolve("contracts"));
    java.nio.file.Files.write(dir.resolve("outside.wasm"), new byte[] {0, 'a', 's', 'm'});
    assertThatThrownBy(
            () -> new PolicyCompiler().compile(opaContractIn(contracts, "../outside.wasm")))
        .hasMessageContaining(
            "expected a readable OPA Wasm module, found a .wasm path inside the contract's directory, not ../outside.wasm");
  }

  @Test
  void opaModulesLinkedFromOutsideTheContractDirectoryAreRefused(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path contracts = java.nio.file.Files.createDirectory(dir.resolve("contracts"));
    java.nio.file.Path outside =
        java.nio.file.Files.write(dir.resolve("secret.txt"), new byte[] {1, 2, 3});
    java.nio.file.Files.createSymbolicLink(contracts.resolve("linked.wasm"), outside);
    assertThatThrownBy(() -> new PolicyCompiler().compile(opaContractIn(contracts, "linked.wasm")))
        .hasMessageContaining("not a link out of it: linked.wasm");
  }

  @Test
  void aLargeCombShapedGeofenceCompilesAndDecidesLikeJavaAwtGeom() throws PolicyException {
    // teeth as tall as the polygon: every edge spans every band, the worst case for the band index
    int teeth = 2496;
    List<double[]> ring = new java.util.ArrayList<>();
    for (int i = 0; i < teeth; i++) {
      double x = 100 + i * 0.01;
      ring.add(new double[] {x, 10});
      ring.add(new double[] {x, 30});
      ring.add(new double[] {x + 0.005, 30});
      ring.add(new double[] {x + 0.005, 10.5});
    }
    ring.add(new double[] {100 + teeth * 0.01, 10.5});
    ring.add(new double[] {100 + teeth * 0.01, 9});
    ring.add(new double[] {100, 9});
    double[] lon = ring.stream().mapToDouble(q -> q[0]).toArray();
    double[] lat = ring.stream().mapToDouble(q -> q[1]).toArray();
    io.tollgate.policy.model.Polygon polygon = new io.tollgate.policy.model.Polygon(lon, lat);
    Policy p =
        policy(
            List.of(
                new AtomicConstraint(
                    LeftOperand.SPATIAL_COORDINATES, Operator.IS_PART_OF, polygon, "/g")),
            List.of());
    PolicyEngine engine = PolicyEngine.of(List.of(new PolicyCompiler().compile(p)));
    java.awt.geom.Path2D.Double path =
        new java.awt.geom.Path2D.Double(java.awt.geom.Path2D.WIND_EVEN_ODD);
    path.moveTo(lon[0], lat[0]);
    for (int i = 1; i < lon.length; i++) {
      path.lineTo(lon[i], lat[i]);
    }
    path.closePath();
    java.util.Random random = new java.util.Random(3);
    InMemoryCounterStore counters = new InMemoryCounterStore();
    int inside = 0;
    for (int i = 0; i < 20_000; i++) {
      double x = 99.9 + random.nextDouble() * 25.2;
      double y = 8.5 + random.nextDouble() * 22;
      DataCall c =
          new DataCall()
              .id("g")
              .ts(Instant.parse("2026-03-02T10:00:00Z"))
              .consumer("acme")
              .dataset("ds")
              .action(Action.READ)
              .purpose("x")
              .location(y, x);
      boolean expected = path.contains(x, y);
      inside += expected ? 1 : 0;
      assertThat(engine.decide(c, counters).permitted()).as("(%s, %s)", x, y).isEqualTo(expected);
    }
    assertThat(inside).isBetween(2_000, 18_000);
  }

  @Test
  void aModelValueNoSourceProducesIsAnErrorNotACrash() {
    Policy p =
        policy(
            List.of(
                new AtomicConstraint(
                    LeftOperand.PURPOSE,
                    Operator.IS_ANY_OF,
                    new StringBuilder("x"),
                    "/permission/0/constraint/0")),
            List.of());
    assertThatThrownBy(() -> new PolicyCompiler().compile(p))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("could not compile");
  }

  @Test
  void aCallBoundBeforeTheVocabularyGrewIsBoundAgain() throws PolicyException {
    PolicyCompiler compiler = new PolicyCompiler();
    CompiledPolicy first = compiler.compile(Contracts.yaml(BASE).get(0));
    DataCall c =
        new DataCall()
            .id("1")
            .ts(Instant.parse("2026-03-02T10:00:00Z"))
            .consumer("acme")
            .dataset("ds")
            .action(Action.READ)
            .purpose("audit");
    PolicyEngine engine = PolicyEngine.of(List.of(first));
    assertThat(engine.decide(c, new InMemoryCounterStore()).reasons()).containsExactly("purpose");
    // a new version excludes audit via isNoneOf: the call, bound when "audit" was unknown, must see
    // it now
    Policy none =
        policy(
            List.of(
                new AtomicConstraint(
                    LeftOperand.PURPOSE, Operator.IS_NONE_OF, List.of("audit"), "/p")),
            List.of());
    PolicyEngine updated = engine.with(compiler.compile(none));
    assertThat(updated.decide(c, new InMemoryCounterStore()).reasons()).containsExactly("purpose");
    assertThat(updated.decide(c.purpose("risk"), new InMemoryCounterStore()).permitted()).isTrue();
  }

  @Test
  void missingOpaModuleIsAnErrorAtTheConstraint() {
    String yaml = BASE + "opa: {wasm: missing.wasm, entrypoint: x}\n";
    assertThatThrownBy(() -> new PolicyCompiler().compile(Contracts.yaml(yaml).get(0)))
        .hasMessageContaining(
            "test.yaml:6:13: /opa/wasm: expected a readable OPA Wasm module, found no file missing.wasm");
  }
}
