package io.tollgate.policy.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.Action;
import io.tollgate.policy.Channel;
import io.tollgate.policy.Diagnostic;
import io.tollgate.policy.model.AtomicConstraint;
import io.tollgate.policy.model.LeftOperand;
import io.tollgate.policy.model.Policy;
import io.tollgate.policy.model.Quota;
import io.tollgate.policy.model.Rate;
import io.tollgate.policy.model.TimeWindow;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class YamlContractSourceTest {
  private static final String MINIMAL = "contract: c1\nprovider: p\nconsumer: acme\ndataset: ds\n";

  private static SourceResult read(String yaml) {
    return new YamlContractSource().read("t.yaml", null, yaml);
  }

  private static Diagnostic onlyError(String yaml) {
    SourceResult r = read(yaml);
    assertThat(r.policies()).as("no policy from a document with an error").isEmpty();
    assertThat(r.diagnostics()).hasSize(1);
    return r.diagnostics().get(0);
  }

  private static Object operand(Policy p, LeftOperand left) {
    return p.permissions().get(0).constraints().stream()
        .filter(c -> c instanceof AtomicConstraint a && a.leftOperand() == left)
        .map(c -> ((AtomicConstraint) c).rightOperand())
        .findFirst()
        .orElseThrow();
  }

  @Test
  void readsEveryKeyOfAFullContract() {
    SourceResult r =
        read(
            MINIMAL
                + """
        actions: [read, stream]
        purposes: [navigation, research]
        valid: {from: "2026-01-01T00:00:00+08:00", until: "2027-01-01T00:00:00Z"}
        hours: {from: "22:00", until: "06:30", zone: Asia/Shanghai}
        days: [MON, FRI]
        fields: {allow: [a, b, c], mask: {b: hash, c: drop}}
        regions: [CN-SH, CN]
        geofence: [[121.0, 31.0], [122.0, 31.0], [122.0, 32.0], [121.0, 31.0]]
        channels: [kafka, http]
        limits: {rate: "10/min", quota: "500/month", total: 9000}
        price: {amount: 0.25, currency: CNY, per: record}
        """);
    assertThat(r.diagnostics()).isEmpty();
    Policy p = r.policies().get(0);
    assertThat(p.uid()).isEqualTo("c1");
    assertThat(p.assignee()).isEqualTo("acme");
    assertThat(p.zone()).isEqualTo(ZoneId.of("Asia/Shanghai"));
    assertThat(read(MINIMAL + "zone: UTC\n").policies().get(0).zone())
        .as("UTC normalised")
        .isEqualTo(java.time.ZoneOffset.UTC);
    assertThat(p.permissions().get(0).actions()).containsExactly(Action.READ, Action.STREAM);
    assertThat(operand(p, LeftOperand.PURPOSE)).isEqualTo(List.of("navigation", "research"));
    assertThat(operand(p, LeftOperand.DATE_TIME)).isEqualTo(Instant.parse("2025-12-31T16:00:00Z"));
    assertThat(operand(p, LeftOperand.TIME_OF_DAY))
        .isEqualTo(new TimeWindow(LocalTime.of(22, 0), LocalTime.of(6, 30)));
    assertThat(operand(p, LeftOperand.DAY_OF_WEEK))
        .isEqualTo(List.of(DayOfWeek.MONDAY, DayOfWeek.FRIDAY));
    assertThat(operand(p, LeftOperand.FIELD)).isEqualTo(List.of("a", "b", "c"));
    assertThat(p.permissions().get(0).duties())
        .extracting(d -> d.field() + ":" + d.method().term())
        .containsExactly("b:hash", "c:drop");
    assertThat(operand(p, LeftOperand.SPATIAL_COORDINATES).toString())
        .as("the repeated closing point is dropped")
        .isEqualTo("[[121.0,31.0],[122.0,31.0],[122.0,32.0]]");
    assertThat(operand(p, LeftOperand.DELIVERY_CHANNEL))
        .isEqualTo(List.of(Channel.KAFKA, Channel.HTTP));
    assertThat(operand(p, LeftOperand.RATE)).isEqualTo(new Rate(10, 60_000));
    assertThat(operand(p, LeftOperand.QUOTA)).isEqualTo(new Quota(500, Quota.Period.MONTH));
    assertThat(operand(p, LeftOperand.COUNT)).isEqualTo(9000L);
    assertThat(p.price().amount()).isEqualByComparingTo("0.25");
  }

  @Test
  void actionsDefaultToUseAndZoneToUtc() {
    Policy p = read(MINIMAL).policies().get(0);
    assertThat(p.permissions().get(0).actions()).containsExactly(Action.USE);
    assertThat(p.zone().getId()).isEqualTo("Z");
  }

  @Test
  void readsSeveralDocumentsAndReportsErrorsOfEachWithTheirLine() {
    SourceResult r =
        read(
            MINIMAL
                + "---\n"
                + MINIMAL.replace("c1", "c2")
                + "---\n"
                + MINIMAL.replace("c1", "c3")
                + "purposes: []\n---\n");
    assertThat(r.policies()).extracting(Policy::uid).containsExactly("c1", "c2");
    assertThat(r.diagnostics()).hasSize(1);
    Diagnostic d = r.diagnostics().get(0);
    assertThat(d.line()).isEqualTo(15);
    assertThat(d.pointer()).isEqualTo("/purposes");
    assertThat(d.toString())
        .isEqualTo(
            "t.yaml:15:1: /purposes: expected a non-empty list of purposes"
                + " (an empty list would permit nothing), found []");
  }

  @Test
  void unknownKeySuggestsTheNearestOne() {
    Diagnostic d = onlyError(MINIMAL + "purpose: [x]\n");
    assertThat(d.line()).isEqualTo(5);
    assertThat(d.pointer()).isEqualTo("/purpose");
    assertThat(d.message())
        .startsWith("unknown key 'purpose' (did you mean 'purposes'?); expected one of [");
  }

  @Test
  void unknownNestedKey() {
    Diagnostic d = onlyError(MINIMAL + "limits:\n  rate: \"5/s\"\n  burst: 10\n");
    assertThat(d.line()).isEqualTo(7);
    assertThat(d.pointer()).isEqualTo("/limits/burst");
    assertThat(d.message()).contains("unknown key 'burst'").contains("[quota, rate, total]");
  }

  @Test
  void missingRequiredKeysAreEachReported() {
    SourceResult r = read("contract: c1\npurposes: [x]\n");
    assertThat(r.diagnostics())
        .extracting(Diagnostic::message)
        .containsExactly(
            "expected key 'provider', found none",
            "expected key 'consumer', found none",
            "expected key 'dataset', found none");
  }

  @Test
  void untilBeforeFromIsAnError() {
    Diagnostic d =
        onlyError(
            MINIMAL
                + "valid:\n  from: \"2026-06-01T00:00:00Z\"\n  until: \"2026-01-01T00:00:00Z\"\n");
    assertThat(d.pointer()).isEqualTo("/valid/until");
    assertThat(d.line()).isEqualTo(7);
    assertThat(d.message())
        .isEqualTo(
            "expected an instant after from (2026-06-01T00:00:00Z), found 2026-01-01T00:00:00Z");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "valid: {from: \"2026-13-01T00:00:00Z\"}|/valid/from|expected an ISO-8601 instant with offset",
        "valid: {from: \"2026-01-01T00:00:00\"}|/valid/from|expected an ISO-8601 instant with offset",
        "valid: {from: 20260101}|/valid/from|found number 20260101",
        "valid: {}|/valid|expected 'from', 'until' or both, found neither",
        "hours: {from: \"8:00\", until: \"18:00\"}|/hours/from|expected a time \"HH:MM\" from 00:00 to 23:59, found \"8:00\"",
        "hours: {from: \"08:00\", until: \"08:00\"}|/hours/until|an empty window permits nothing",
        "hours: {from: \"08:00\"}|/hours|expected key 'until', found none",
        "hours: {from: \"08:00\", until: \"18:00\", zone: Mars/Olympus}|/hours/zone|expected a time zone id",
        "days: [MON, FUNDAY]|/days/1|expected one of days MON, TUE, WED, THU, FRI, SAT, SUN, found \"FUNDAY\"",
        "days: [MON, mon]|/days/1|expected one of days MON, TUE, WED, THU, FRI, SAT, SUN, found \"mon\"",
        "days: [MON, MON]|/days/1|expected distinct values",
        "fields: {}|/fields|expected allow, mask or both, found neither",
        "fields: {mask: {}}|/fields/mask|expected at least one field to mask, found {}",
        "limits: {}|/limits|expected rate, quota, total or several, found none",
        "price: {amount: 1e999999999}|/price/amount|expected a decimal amount such as 0.25",
        "price: {amount: \"-1\"}|/price/amount|not negative",
        "price: {amount: -1}|/price/amount|not negative",
        "price: {amount: 0.0000000000001}|/price/amount|12 decimals",
        "price: {amount: 1234567890123456}|/price/amount|15 digits",
        "valid: {until: \"+300000000-01-01T00:00:00Z\"}|/valid/until|expected an instant from 1970 to 2199",
        "valid: {from: \"1969-12-31T23:59:59Z\"}|/valid/from|expected an instant from 1970 to 2199",
        "geofence: [[179, 0], [-179, 0], [-179, 1], [179, 1]]|/geofence|expected a polygon that does not cross the antimeridian",
        "opa: {wasm: ../../etc/hostname, entrypoint: x}|/opa/wasm|expected a .wasm file inside the contract's directory",
        "opa: {wasm: /etc/x.wasm, entrypoint: x}|/opa/wasm|expected a .wasm file inside the contract's directory",
        "opa: {wasm: a/../../x.wasm, entrypoint: x}|/opa/wasm|expected a .wasm file inside the contract's directory",
        "fields: {allow: []}|/fields/allow|expected a non-empty list of field names",
        "fields: {allow: [a], mask: {b: hash}}|/fields/mask/b|expected a field of fields.allow [a], found \"b\"",
        "fields: {allow: [a], mask: {a: encrypt}}|/fields/mask/a|expected a mask method hash, redact or drop",
        "regions: [CN-SH, shanghai]|/regions/1|found \"shanghai\"",
        "regions: [NO]|/regions/0|quote it",
        "regions: CN|/regions|expected a list of ISO 3166-2 codes",
        "purposes: [a, a]|/purposes/1|expected distinct values, found \"a\" twice",
        "geofence: [[121, 31], [122, 31]]|/geofence|expected a polygon of at least 3 distinct points, found 2",
        "geofence: [[121, 31], [122, 31], [122]]|/geofence/2|expected a point [lon, lat] of two numbers",
        "geofence: [[121, 31], [122, 31], [31, 121]]|/geofence/2|points are [lon, lat]",
        "geofence: [[0, 0], [2, 2], [2, 0], [0, 2]]|/geofence|edge 0-1 crosses edge 2-3",
        "geofence: [[0, 0], [1, 1], [2, 2]]|/geofence|collinear",
        "geofence: \"POLYGON((0 0, 1 0, 1 1))\"|/geofence|expected a polygon [[lon, lat], ...]",
        "channels: [http, carrier-pigeon]|/channels/1|expected a channel http, kafka or mqtt",
        "actions: [read, teleport]|/actions/1|expected an action (use, read",
        "limits: {rate: \"10/sec\"}|/limits/rate|expected a rate \"N/s\", \"N/min\" or \"N/h\", found text \"10/sec\"",
        "limits: {rate: \"0/s\"}|/limits/rate|expected N from 1 to 1000000000, found 0",
        "limits: {quota: \"10/week\"}|/limits/quota|expected a quota \"N/day\" or \"N/month\"",
        "limits: {total: -1}|/limits/total|expected a whole number of calls of at least 1, found number -1",
        "limits: {total: 1.5}|/limits/total|found number 1.5",
        "price: {amount: free}|/price/amount|expected a decimal amount such as 0.25 (at most 15 digits, 12 decimals, not negative), found text \"free\"",
        "price: {amount: 1, currency: yuan}|/price/currency|expected an ISO 4217 currency code",
        "zone: 8|/zone|expected a time zone id such as Asia/Shanghai or UTC, found number 8",
        "opa: {wasm: x.wasm}|/opa|expected key 'entrypoint', found none",
        "opa: {wasm: x.wasm, entrypoint: e, input: {user: password}}|/opa/input/user|expected a call attribute",
      })
  void precise(String line, String pointer, String expected) {
    Diagnostic d = onlyError(MINIMAL + line + "\n");
    assertThat(d.pointer()).isEqualTo(pointer);
    assertThat(d.file()).isEqualTo("t.yaml");
    assertThat(d.line()).as("line of %s", pointer).isEqualTo(5);
    assertThat(d.message()).contains(expected);
  }

  @Test
  void everyProblemOfADocumentIsReported() {
    SourceResult r = read(MINIMAL + "purposes: []\nregions: [x]\nlimits: {rate: fast}\nbogus: 1\n");
    assertThat(r.diagnostics())
        .extracting(Diagnostic::pointer)
        .containsExactlyInAnyOrder("/purposes", "/regions/0", "/limits/rate", "/bogus");
    assertThat(r.policies()).isEmpty();
  }

  @Test
  void smallAndLargeValidAmountsAreKeptExactly() {
    assertThat(read(MINIMAL + "price: {amount: 0.0000001}\n").policies().get(0).price().amount())
        .isEqualByComparingTo("0.0000001");
    assertThat(
            read(MINIMAL + "price: {amount: 999999999999999}\n").policies().get(0).price().amount())
        .isEqualByComparingTo("999999999999999");
    assertThat(
            read(MINIMAL + "price: {amount: \"0.000000000001\"}\n")
                .policies()
                .get(0)
                .price()
                .amount())
        .isEqualByComparingTo("1e-12");
  }

  @Test
  void keysWithControlCharactersStayOnOneLine() {
    Diagnostic d = onlyError(MINIMAL + "\"bad\\nkey\": 1\n");
    assertThat(d.toString()).doesNotContain("\n").contains("bad\\nkey");
  }

  @Test
  void hoursZoneAndContractZoneMustAgree() {
    Diagnostic d =
        onlyError(
            MINIMAL
                + "zone: UTC\nhours: {from: \"08:00\", until: \"18:00\", zone: Asia/Shanghai}\n");
    assertThat(d.pointer()).isEqualTo("/hours/zone");
    assertThat(d.message()).contains("hours, days and quotas share one zone");
  }

  @Test
  void syntaxErrorsNameTheLine() {
    Diagnostic d = onlyError(MINIMAL + "purposes: [a, b\nregions: [CN]\n");
    assertThat(d.message()).startsWith("expected valid YAML, found a syntax error");
    assertThat(d.line()).isGreaterThanOrEqualTo(5);
  }

  @Test
  void duplicateKeysAreAnError() {
    Diagnostic d = onlyError(MINIMAL + "purposes: [a]\npurposes: [b]\n");
    assertThat(d.message()).contains("syntax error").contains("purposes");
  }

  @Test
  void aDocumentThatIsNotAMappingIsAnError() {
    Diagnostic d = onlyError("- just\n- a list\n");
    assertThat(d.message())
        .isEqualTo("expected a contract (a mapping of keys), found a list [\"just\",\"a list\"]");
  }

  @Test
  void anEmptyFileIsAnError() {
    assertThat(read("# nothing here\n").diagnostics())
        .extracting(Diagnostic::message)
        .containsExactly("expected at least one contract, found an empty document");
  }

  @Test
  void yamlAliasesAndAnchorsAreRefusedNotReadAsNames() {
    Diagnostic alias = onlyError(MINIMAL.replace("consumer: acme", "consumer: *acme"));
    assertThat(alias.message()).contains("YAML aliases (*acme) are not supported");
    assertThat(alias.line()).isEqualTo(3);
    Diagnostic anchored =
        onlyError(
            MINIMAL
                .replace("provider: p", "provider: &p x")
                .replace("consumer: acme", "consumer: *p"));
    assertThat(anchored.message())
        .as("the alias of a real anchor is refused too")
        .contains("YAML aliases (*p) are not supported");
    Diagnostic block = onlyError(MINIMAL + "fields: &f {allow: [a]}\n");
    assertThat(block.message()).contains("YAML anchors (&f) are not supported");
    assertThat(read(MINIMAL + "purposes: [*marketing]\n").policies()).isEmpty();
  }

  @Test
  void oversizedDocumentsAreRefusedQuickly() {
    StringBuilder longList = new StringBuilder(MINIMAL + "purposes: [");
    for (int i = 0; i <= LocatedDocuments.MAX_LIST; i++) {
      longList.append(i == 0 ? "" : ",").append('p').append(i);
    }
    assertThat(onlyError(longList + "]\n").message())
        .isEqualTo(
            "expected a contract within Tollgate's limits, found that a list holds at most 10000 items");
    String deep = MINIMAL + "price: " + "{a: ".repeat(40) + "1" + "}".repeat(40) + "\n";
    assertThat(onlyError(deep).message()).contains("nest");
    assertThat(onlyError(MINIMAL + "k".repeat(300) + ": 1\n").message())
        .contains("a key has at most 200 characters");
  }

  @Test
  void aLargeValidGeofenceAndAllowListAreCheckedInReasonableTime() {
    int n = 9000;
    StringBuilder fence = new StringBuilder(MINIMAL + "geofence: [");
    for (int i = 0; i < n; i++) {
      double a = 2 * Math.PI * i / n;
      fence
          .append(i == 0 ? "" : ",")
          .append('[')
          .append(121 + Math.cos(a))
          .append(',')
          .append(31 + Math.sin(a))
          .append(']');
    }
    fence.append("]\nfields: {allow: [");
    for (int i = 0; i < n; i++) {
      fence.append(i == 0 ? "" : ",").append('f').append(i);
    }
    SourceResult r = read(fence + "]}\n");
    assertThat(r.diagnostics()).isEmpty();
    assertThat(r.policies()).hasSize(1);
  }

  @Test
  void syntaxErrorsFromTheYamlScannerHaveALine() {
    Diagnostic d = onlyError(MINIMAL + "purposes: [a\n  b: c\n");
    assertThat(d.line()).isGreaterThan(0);
  }

  @Test
  void hostileIdsAreRefused() {
    Diagnostic d = onlyError(MINIMAL.replace("contract: c1", "contract: \"../../etc/passwd\""));
    assertThat(d.pointer()).isEqualTo("/contract");
    assertThat(d.message()).startsWith("expected an id of letters, digits");
  }

  @Test
  void everyPriceModelIsRead() {
    io.tollgate.policy.model.Price t =
        read(MINIMAL
                + "price:\n  per: call\n  tiers:\n    mode: volume\n    steps:\n"
                + "      - {upTo: 10000, amount: 0.01}\n      - {upTo: 50000, amount: 0.008}\n"
                + "      - {amount: \"0.005\"}\n"
                + "  minimum: 100\n  commission: {rate: 0.05, min: 0.01, max: 50}\n")
            .policies()
            .get(0)
            .price();
    assertThat(t.tiers().mode()).isEqualTo(io.tollgate.policy.model.Price.TierMode.VOLUME);
    assertThat(t.tiers().steps()).hasSize(3);
    assertThat(t.tiers().steps().get(2).upTo()).isNull();
    assertThat(t.minimum()).isEqualByComparingTo("100");
    assertThat(t.commission().rate()).isEqualByComparingTo("0.05");
    assertThat(t.currency()).isEqualTo("CNY");

    io.tollgate.policy.model.Price pack =
        read(MINIMAL + "price: {per: MB, package: {size: 1000, amount: 2.5}}\n")
            .policies()
            .get(0)
            .price();
    assertThat(pack.pack().size()).isEqualTo(1000);
    assertThat(pack.per()).isEqualTo("MB");

    io.tollgate.policy.model.Price sub =
        read(MINIMAL + "price: {subscription: {monthly: 500, included: 100000, overage: 0.004}}\n")
            .policies()
            .get(0)
            .price();
    assertThat(sub.subscription().included()).isEqualTo(100_000);

    // the first form's monthly fee: a subscription that includes everything
    io.tollgate.policy.model.Price month =
        read(MINIMAL + "price: {amount: 300, per: month}\n").policies().get(0).price();
    assertThat(month.amount()).isNull();
    assertThat(month.subscription().monthly()).isEqualByComparingTo("300");
    assertThat(month.subscription().included()).isEqualTo(-1);
  }

  @Test
  void aBadPriceIsALocatedErrorNeverAFreeContract() {
    assertThat(onlyError(MINIMAL + "price: {currency: CNY}\n").message())
        .contains("exactly one of amount, tiers, package and subscription")
        .contains("none");
    assertThat(
            onlyError(MINIMAL + "price: {amount: 1, package: {size: 10, amount: 1}}\n").message())
        .contains("found amount, package");
    assertThat(
            onlyError(
                    MINIMAL
                        + "price:\n  tiers:\n    steps:\n      - {upTo: 100, amount: 1}\n"
                        + "      - {upTo: 50, amount: 1}\n      - {amount: 1}\n")
                .pointer())
        .isEqualTo("/price/tiers/steps/1/upTo");
    assertThat(
            onlyError(MINIMAL + "price:\n  tiers:\n    steps:\n      - {upTo: 100, amount: 1}\n")
                .message())
        .contains("the last tier has no upTo");
    assertThat(
            onlyError(
                    MINIMAL
                        + "price:\n  tiers:\n    steps:\n      - {amount: 1}\n      - {amount: 2}\n")
                .pointer())
        .isEqualTo("/price/tiers/steps/0");
    assertThat(
            onlyError(MINIMAL + "price: {tiers: {mode: flat, steps: [{amount: 1}]}}\n").pointer())
        .isEqualTo("/price/tiers/mode");
    assertThat(onlyError(MINIMAL + "price: {package: {size: 0, amount: 1}}\n").pointer())
        .isEqualTo("/price/package/size");
    assertThat(
            onlyError(MINIMAL + "price: {subscription: {monthly: 500, overage: 0.004}}\n")
                .pointer())
        .isEqualTo("/price/subscription/included");
    assertThat(onlyError(MINIMAL + "price: {amount: 1, commission: {rate: 5}}\n").pointer())
        .isEqualTo("/price/commission/rate");
    assertThat(
            onlyError(MINIMAL + "price: {amount: 1, commission: {rate: 0.1, min: 5, max: 1}}\n")
                .pointer())
        .isEqualTo("/price/commission");
    assertThat(onlyError(MINIMAL + "price: {amount: 1, minimum: -3}\n").pointer())
        .isEqualTo("/price/minimum");
    assertThat(onlyError(MINIMAL + "price: {amount: 1, currency: ABC}\n").pointer())
        .as("three capitals that are no ISO 4217 code")
        .isEqualTo("/price/currency");
    assertThat(
            onlyError(MINIMAL + "price: {per: month, tiers: {steps: [{amount: 1}]}}\n").pointer())
        .isEqualTo("/price/per");
  }
}
