package io.tollgate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class PolicyEngineTest {
  private static final long T0 = Instant.parse("2026-03-02T10:00:00Z").toEpochMilli(); // a Monday

  private static final String TWO_CONTRACTS =
      """
      contract: b-main
      provider: p
      consumer: acme
      dataset: ds
      purposes: [risk]
      fields: {allow: [a, b, c], mask: {c: redact}}
      limits: {rate: "1/s"}
      ---
      contract: a-trial
      provider: p
      consumer: acme
      dataset: ds
      purposes: [risk, marketing]
      fields: {allow: [a]}
      limits: {total: 2}
      """;

  private static DataCall call(String id) {
    return new DataCall()
        .id(id)
        .ts(T0)
        .consumer("acme")
        .dataset("ds")
        .action(Action.READ)
        .purpose("risk");
  }

  @Test
  void noContractIsADenyWithReasonNoContract() {
    PolicyEngine engine = Contracts.engine(TWO_CONTRACTS);
    Decision d = engine.decide(call("1").consumer("stranger"), new InMemoryCounterStore());
    assertThat(d.outcome()).isEqualTo(Outcome.DENY);
    assertThat(d.reasons()).containsExactly("no-contract");
    assertThat(d.contractId()).isNull();
    assertThat(engine.decide(call("2").dataset("other"), new InMemoryCounterStore()).reasons())
        .containsExactly("no-contract");
  }

  @Test
  void contractsAreTriedInIdOrderAndTheFirstThatPermitsApplies() {
    PolicyEngine engine = Contracts.engine(TWO_CONTRACTS);
    InMemoryCounterStore counters = new InMemoryCounterStore();
    // a-trial comes first by id, allows only field a
    Decision d = engine.decide(call("1").fields("a"), counters);
    assertThat(d.contractId()).isEqualTo("a-trial");
    assertThat(d.project()).containsExactly("a");
    // field b is outside a-trial: b-main applies
    d = engine.decide(call("2").fields("a", "b"), counters);
    assertThat(d.outcome()).isEqualTo(Outcome.PERMIT);
    assertThat(d.contractId()).isEqualTo("b-main");
    assertThat(d.masks()).extracting(Obligations.Mask::field).containsExactly("c");
  }

  @Test
  void throttleWhenSomeContractFailedOnlyOnRate() {
    PolicyEngine engine = Contracts.engine(TWO_CONTRACTS);
    InMemoryCounterStore counters = new InMemoryCounterStore();
    assertThat(engine.decide(call("1").fields("b"), counters).contractId()).isEqualTo("b-main");
    Decision d = engine.decide(call("2").fields("b"), counters);
    assertThat(d.outcome()).isEqualTo(Outcome.THROTTLE);
    assertThat(d.contractId()).isEqualTo("b-main");
    assertThat(d.reasons()).as("union over both contracts").containsExactly("fields", "rate");
  }

  @Test
  void denyWithTheUnionOfReasonsWhenNoContractFailedOnlyOnRate() {
    PolicyEngine engine = Contracts.engine(TWO_CONTRACTS);
    Decision d = engine.decide(call("1").purpose("resale").fields("z"), new InMemoryCounterStore());
    assertThat(d.outcome()).isEqualTo(Outcome.DENY);
    assertThat(d.contractId()).as("several candidates: none named").isNull();
    assertThat(d.reasons()).containsExactly("fields", "purpose");
  }

  @Test
  void statefulLimitsApplyOnlyWhenEveryStatelessCheckPassesAndMoveOnlyOnPermit() {
    PolicyEngine engine = Contracts.engine(TWO_CONTRACTS);
    InMemoryCounterStore counters = new InMemoryCounterStore();
    for (int i = 0; i < 5; i++) {
      // denied by purpose on b-main and by fields on a-trial: no counter moves
      engine.decide(call("x" + i).purpose("marketing").fields("b"), counters);
    }
    assertThat(counters.size()).isZero();
    assertThat(engine.decide(call("1").purpose("marketing").fields("a"), counters).contractId())
        .isEqualTo("a-trial");
    assertThat(engine.decide(call("2").purpose("marketing").fields("a"), counters).contractId())
        .isEqualTo("a-trial");
    Decision third = engine.decide(call("3").purpose("marketing").fields("a"), counters);
    assertThat(third.outcome()).isEqualTo(Outcome.DENY);
    assertThat(third.reasons()).containsExactly("purpose", "total");
  }

  @Test
  void aCallWithoutFieldsIsProjectedToTheAllowList() {
    PolicyEngine engine = Contracts.engine(TWO_CONTRACTS);
    Decision d = engine.decide(call("1").purpose("risk"), new InMemoryCounterStore());
    assertThat(d.contractId()).isEqualTo("a-trial");
    assertThat(d.project()).containsExactly("a");
  }

  @Test
  void aDeniedCallCarriesNoObligations() {
    PolicyEngine engine = Contracts.engine(TWO_CONTRACTS);
    Decision d = engine.decide(call("1").purpose("resale"), new InMemoryCounterStore());
    assertThat(d.project()).isNull();
    assertThat(d.masks()).isEmpty();
  }

  @Test
  void everyStatelessReasonIsReportedAtOnce() {
    PolicyEngine engine =
        Contracts.engine(
            """
        contract: c
        provider: p
        consumer: acme
        dataset: ds
        actions: [read]
        purposes: [risk]
        valid: {from: "2026-01-01T00:00:00Z", until: "2026-02-01T00:00:00Z"}
        hours: {from: "08:00", until: "09:00"}
        days: [SUN]
        fields: {allow: [a]}
        regions: [CN]
        geofence: [[121, 31], [122, 31], [122, 32], [121, 32]]
        channels: [http]
        """);
    DataCall c =
        call("1")
            .action(Action.DISTRIBUTE)
            .purpose("resale")
            .fields("b")
            .region("US-CA")
            .location(40.7, -74.0)
            .channel(Channel.KAFKA);
    Decision d = engine.decide(c, new InMemoryCounterStore());
    assertThat(d.contractId()).as("one candidate: named").isEqualTo("c");
    assertThat(d.reasons())
        .containsExactly(
            "action",
            "channel",
            "days",
            "fields",
            "geofence",
            "hours",
            "period",
            "purpose",
            "region");
  }

  @Test
  void countryCodeCoversSubdivisionsButNotTheOtherWayRound() {
    PolicyEngine engine =
        Contracts.engine(
            """
        contract: c
        provider: p
        consumer: acme
        dataset: ds
        regions: [CN, DE-BE]
        """);
    InMemoryCounterStore counters = new InMemoryCounterStore();
    assertThat(engine.decide(call("1").region("CN-SH"), counters).permitted()).isTrue();
    assertThat(engine.decide(call("2").region("CN"), counters).permitted()).isTrue();
    assertThat(engine.decide(call("3").region("DE-BE"), counters).permitted()).isTrue();
    assertThat(engine.decide(call("4").region("DE"), counters).reasons()).containsExactly("region");
    assertThat(engine.decide(call("5").region("DE-BY"), counters).reasons())
        .containsExactly("region");
    assertThat(engine.decide(call("6"), counters).permitted()).as("no region given").isTrue();
  }

  @Test
  void actionHierarchy() {
    PolicyEngine engine =
        Contracts.engine("contract: c\nprovider: p\nconsumer: acme\ndataset: ds\n");
    InMemoryCounterStore counters = new InMemoryCounterStore();
    for (Action a :
        new Action[] {Action.USE, Action.READ, Action.QUERY, Action.SUBSCRIBE, Action.STREAM}) {
      assertThat(engine.decide(call("1").action(a), counters).permitted()).as(a.term()).isTrue();
    }
    for (Action a : new Action[] {Action.TRANSFER, Action.DISTRIBUTE, Action.SELL}) {
      assertThat(engine.decide(call("1").action(a), counters).reasons())
          .as(a.term())
          .containsExactly("action");
    }
  }

  @Test
  void hoursWindowWrappingMidnightInTheContractZone() {
    PolicyEngine engine =
        Contracts.engine(
            """
        contract: c
        provider: p
        consumer: acme
        dataset: ds
        hours: {from: "22:00", until: "06:00", zone: Asia/Shanghai}
        """);
    InMemoryCounterStore counters = new InMemoryCounterStore();
    long at2330 = Instant.parse("2026-03-02T15:30:00Z").toEpochMilli();
    long at0559 = Instant.parse("2026-03-02T21:59:59Z").toEpochMilli();
    long at0600 = Instant.parse("2026-03-02T22:00:00Z").toEpochMilli();
    long at2200 = Instant.parse("2026-03-02T14:00:00Z").toEpochMilli();
    assertThat(engine.decide(call("1").ts(at2330), counters).permitted()).isTrue();
    assertThat(engine.decide(call("2").ts(at0559), counters).permitted()).isTrue();
    assertThat(engine.decide(call("3").ts(at0600), counters).reasons()).containsExactly("hours");
    assertThat(engine.decide(call("4").ts(at2200), counters).permitted()).isTrue();
    assertThat(engine.decide(call("5").ts(at2200 - 1), counters).reasons())
        .containsExactly("hours");
  }

  @Test
  void validFromIsInclusiveAndUntilExclusive() {
    PolicyEngine engine =
        Contracts.engine(
            """
        contract: c
        provider: p
        consumer: acme
        dataset: ds
        valid: {from: "2026-03-02T10:00:00Z", until: "2026-03-02T11:00:00Z"}
        """);
    InMemoryCounterStore counters = new InMemoryCounterStore();
    assertThat(engine.decide(call("1").ts(T0 - 1), counters).reasons()).containsExactly("period");
    assertThat(engine.decide(call("2").ts(T0), counters).permitted()).isTrue();
    assertThat(engine.decide(call("3").ts(T0 + 3_599_999), counters).permitted()).isTrue();
    assertThat(engine.decide(call("4").ts(T0 + 3_600_000), counters).reasons())
        .containsExactly("period");
  }

  @Test
  void revocationAndReplacementSwapTheEngine() throws PolicyException {
    PolicyCompiler compiler = new PolicyCompiler();
    PolicyEngine engine = PolicyEngine.of(compiler.compileAll(Contracts.yaml(TWO_CONTRACTS)));
    PolicyEngine revoked = engine.without("a-trial").without("b-main");
    assertThat(revoked.decide(call("1"), new InMemoryCounterStore()).reasons())
        .containsExactly("no-contract");
    assertThat(engine.decide(call("1"), new InMemoryCounterStore()).permitted())
        .as("the old engine is unchanged")
        .isTrue();
    CompiledPolicy stricter =
        compiler.compile(
            Contracts.yaml(TWO_CONTRACTS.replace("[risk, marketing]", "[marketing]")).get(1));
    PolicyEngine replaced = engine.with(stricter);
    assertThat(replaced.size()).isEqualTo(2);
    assertThat(replaced.contract("a-trial").version())
        .isNotEqualTo(engine.contract("a-trial").version());
    assertThat(replaced.decide(call("1").fields("a"), new InMemoryCounterStore()).contractId())
        .as("a-trial no longer permits risk")
        .isEqualTo("b-main");
  }
}
