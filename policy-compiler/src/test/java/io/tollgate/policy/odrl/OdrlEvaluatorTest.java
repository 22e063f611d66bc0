package io.tollgate.policy.odrl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/**
 * The evaluator's semantics, case by case, each checked by hand: time (equal instants, zones, a
 * date against an instant), collections, nested logical constraints, prohibitions against
 * permissions under each conflict strategy, duties, and the action hierarchy.
 */
class OdrlEvaluatorTest {
  static final String P =
      "@prefix odrl: <http://www.w3.org/ns/odrl/2/> .\n"
          + "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
          + "@prefix sotw: <https://w3id.org/force/sotw#> .\n"
          + "@prefix report: <https://w3id.org/force/compliance-report#> .\n"
          + "@prefix tg: <https://tollgate.io/odrl/> .\n"
          + "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
          + "@prefix ex: <https://ex.example/> .\n";

  static final String READ_X_BY_A =
      "ex:req a sotw:EvaluationRequest ; sotw:requestedAction odrl:read ;"
          + " sotw:requestingParty ex:a ; sotw:requestedTarget ex:x .";

  static ObjectNode eval(String policy, String request, String world) {
    OdrlReader.Result p = OdrlReader.read("p.ttl", P + policy, OdrlRdf.Format.TURTLE);
    assertThat(p.diagnostics()).isEmpty();
    OdrlInputs.Read<OdrlEvaluator.Request> r =
        request == null ? null : OdrlInputs.request("r.ttl", P + request, OdrlRdf.Format.TURTLE);
    if (r != null) {
      assertThat(r.diagnostics()).isEmpty();
    }
    OdrlInputs.Read<OdrlEvaluator.World> w =
        OdrlInputs.world("w.ttl", P + world, OdrlRdf.Format.TURTLE);
    assertThat(w.diagnostics()).isEmpty();
    return new OdrlEvaluator(
            p.policies().get(0), p.model(), r == null ? null : r.value(), w.value())
        .report();
  }

  static String world(String now, String more) {
    return "ex:w a sotw:SotW ; sotw:currentTime \"" + now + "\"^^xsd:dateTime .\n" + more;
  }

  static String permission(String constraint) {
    return "ex:p a odrl:Set ; odrl:permission [ odrl:assignee ex:a ; odrl:target ex:x ;"
        + " odrl:action odrl:use "
        + (constraint.isEmpty() ? "" : "; odrl:constraint " + constraint)
        + " ] .";
  }

  static String activation(ObjectNode r, int rule) {
    return r.get("report:ruleReport").get(rule).path("report:activationState").path("@id").asText();
  }

  static JsonNode premise(ObjectNode r, int rule, String type) {
    for (JsonNode p : r.get("report:ruleReport").get(rule).get("report:premiseReport")) {
      if (p.path("@type").asText().equals(type)) {
        return p;
      }
    }
    return null;
  }

  static String dateTime(String op, String value) {
    return "[ odrl:leftOperand odrl:dateTime ; odrl:operator odrl:"
        + op
        + " ; odrl:rightOperand "
        + value
        + " ]";
  }

  @Test
  void equalInstantsSatisfyLteqAndEqButNotLt() {
    String now = "2026-03-02T10:00:00Z";
    String v = "\"2026-03-02T10:00:00Z\"^^xsd:dateTime";
    assertThat(activation(eval(permission(dateTime("lt", v)), READ_X_BY_A, world(now, "")), 0))
        .isEqualTo("report:Inactive");
    assertThat(activation(eval(permission(dateTime("lteq", v)), READ_X_BY_A, world(now, "")), 0))
        .isEqualTo("report:Active");
    assertThat(activation(eval(permission(dateTime("gteq", v)), READ_X_BY_A, world(now, "")), 0))
        .isEqualTo("report:Active");
    assertThat(activation(eval(permission(dateTime("gt", v)), READ_X_BY_A, world(now, "")), 0))
        .isEqualTo("report:Inactive");
  }

  @Test
  void zonesCompareAsInstantsAndALocalTimeIsUtc() {
    String now = "2026-03-02T10:00:00Z";
    assertThat(
            activation(
                eval(
                    permission(dateTime("eq", "\"2026-03-02T18:00:00+08:00\"^^xsd:dateTime")),
                    READ_X_BY_A,
                    world(now, "")),
                0))
        .isEqualTo("report:Active");
    assertThat(
            activation(
                eval(
                    permission(dateTime("eq", "\"2026-03-02T10:00:00\"^^xsd:dateTime")),
                    READ_X_BY_A,
                    world(now, "")),
                0))
        .isEqualTo("report:Active");
    assertThat(
            activation(
                eval(
                    permission(dateTime("eq", "\"2026-03-02T10:00:00+01:00\"^^xsd:dateTime")),
                    READ_X_BY_A,
                    world(now, "")),
                0))
        .isEqualTo("report:Inactive");
  }

  @Test
  void aDateIsAWholeDayInThePolicysZone() {
    // 16:30 UTC on 31 December is already 1 January in Shanghai
    String now = "2026-12-31T16:30:00Z";
    String before2027 = dateTime("lt", "\"2027-01-01\"^^xsd:date");
    assertThat(activation(eval(permission(before2027), READ_X_BY_A, world(now, "")), 0))
        .isEqualTo("report:Active");
    String inShanghai =
        permission(before2027)
            .replace("ex:p a odrl:Set ;", "ex:p a odrl:Set ; tg:zone \"Asia/Shanghai\" ;");
    assertThat(activation(eval(inShanghai, READ_X_BY_A, world(now, "")), 0))
        .isEqualTo("report:Inactive");
    assertThat(
            activation(
                eval(
                    permission(dateTime("eq", "\"2026-12-31\"^^xsd:date")),
                    READ_X_BY_A,
                    world(now, "")),
                0))
        .isEqualTo("report:Active");
  }

  @Test
  void partiesAndAssetsInCollectionsByPartOf() {
    String policy =
        "ex:p a odrl:Set ; odrl:permission [ odrl:assignee ex:partners ; odrl:target ex:reports ;"
            + " odrl:action odrl:use ] .\nex:partners a odrl:PartyCollection .\nex:reports a odrl:AssetCollection .";
    String members = "ex:a odrl:partOf ex:partners .\nex:x odrl:partOf ex:reports .";
    ObjectNode in = eval(policy, READ_X_BY_A, world("2026-03-02T10:00:00Z", members));
    assertThat(
            premise(in, 0, "report:PartyReport")
                .path("report:satisfactionState")
                .path("@id")
                .asText())
        .isEqualTo("report:Satisfied");
    assertThat(
            premise(in, 0, "report:TargetReport")
                .path("report:satisfactionState")
                .path("@id")
                .asText())
        .isEqualTo("report:Satisfied");
    assertThat(in.get("tg:conclusion").asText()).isEqualTo("Permitted");
    ObjectNode out =
        eval(policy, READ_X_BY_A.replace("ex:a", "ex:b"), world("2026-03-02T10:00:00Z", members));
    assertThat(
            premise(out, 0, "report:PartyReport")
                .path("report:satisfactionState")
                .path("@id")
                .asText())
        .isEqualTo("report:Unsatisfied");
    assertThat(out.get("tg:conclusion").asText()).isEqualTo("NotPermitted");
  }

  @Test
  void nestedLogicalConstraints() {
    String purposeA =
        "[ odrl:leftOperand odrl:purpose ; odrl:operator odrl:eq ; odrl:rightOperand \"a\" ]";
    String countLe5 =
        "[ odrl:leftOperand odrl:count ; odrl:operator odrl:lteq ; odrl:rightOperand 5 ]";
    String cn =
        "[ odrl:leftOperand odrl:spatial ; odrl:operator odrl:eq ; odrl:rightOperand \"CN\" ]";
    String cnSh =
        "[ odrl:leftOperand odrl:spatial ; odrl:operator odrl:eq ; odrl:rightOperand \"CN-SH\" ]";
    String c =
        "[ odrl:or ( [ odrl:and ( "
            + purposeA
            + " "
            + countLe5
            + " ) ] [ odrl:xone ( "
            + cn
            + " "
            + cnSh
            + " ) ] ) ]";
    String values =
        "ex:w tg:value [ odrl:leftOperand odrl:purpose ; rdf:value \"a\" ] ,"
            + " [ odrl:leftOperand odrl:count ; rdf:value 6 ] , [ odrl:leftOperand odrl:spatial ; rdf:value \"CN\" ] .";
    ObjectNode r = eval(permission(c), READ_X_BY_A, world("2026-03-02T10:00:00Z", values));
    assertThat(activation(r, 0))
        .isEqualTo("report:Active"); // and fails (6 > 5), xone holds (CN only)
    JsonNode or = premise(r, 0, "report:ConstraintReport");
    assertThat(
            or.path("report:premiseReport")
                .get(0)
                .path("report:satisfactionState")
                .path("@id")
                .asText())
        .isEqualTo("report:Unsatisfied");
    assertThat(
            or.path("report:premiseReport")
                .get(1)
                .path("report:satisfactionState")
                .path("@id")
                .asText())
        .isEqualTo("report:Satisfied");
    // xone with both operands true does not hold
    String both =
        "[ odrl:xone ( "
            + purposeA
            + " [ odrl:leftOperand odrl:purpose ; odrl:operator odrl:isAnyOf ; odrl:rightOperand \"a\", \"b\" ] ) ]";
    assertThat(
            activation(
                eval(permission(both), READ_X_BY_A, world("2026-03-02T10:00:00Z", values)), 0))
        .isEqualTo("report:Inactive");
  }

  @Test
  void prohibitionsAgainstPermissionsUnderEachConflictStrategy() {
    String rules =
        " odrl:permission [ odrl:assignee ex:a ; odrl:target ex:x ; odrl:action odrl:use ] ;"
            + " odrl:prohibition [ odrl:assignee ex:a ; odrl:target ex:x ; odrl:action odrl:read ] .";
    String w = world("2026-03-02T10:00:00Z", "");
    assertThat(
            eval("ex:p a odrl:Set ; odrl:conflict odrl:perm ;" + rules, READ_X_BY_A, w)
                .get("tg:conclusion")
                .asText())
        .isEqualTo("Permitted");
    assertThat(
            eval("ex:p a odrl:Set ; odrl:conflict odrl:prohibit ;" + rules, READ_X_BY_A, w)
                .get("tg:conclusion")
                .asText())
        .isEqualTo("Prohibited");
    assertThat(eval("ex:p a odrl:Set ;" + rules, READ_X_BY_A, w).get("tg:conclusion").asText())
        .isEqualTo("Invalid");
    // a prohibition of another action does not conflict
    String display = READ_X_BY_A.replace("odrl:read", "odrl:display");
    assertThat(eval("ex:p a odrl:Set ;" + rules, display, w).get("tg:conclusion").asText())
        .isEqualTo("Permitted");
  }

  @Test
  void aViolatedDutyDeactivatesItsPermission() {
    String policy =
        "ex:p a odrl:Set ; odrl:permission [ odrl:assignee ex:a ; odrl:target ex:x ; odrl:action odrl:use ;"
            + " odrl:duty ex:pay ] .\nex:pay a odrl:Duty ; odrl:action odrl:compensate .";
    String t = "2026-03-02T10:00:00Z";
    ObjectNode none = eval(policy, READ_X_BY_A, world(t, ""));
    assertThat(
            none.at("/report:ruleReport/0/report:conditionReport/0/report:deonticState/@id")
                .asText())
        .isEqualTo("report:NonSet");
    assertThat(activation(none, 0)).isEqualTo("report:Active");
    ObjectNode violated =
        eval(
            policy,
            READ_X_BY_A,
            world(
                t,
                "ex:r a report:DutyReport ; report:rule ex:pay ; report:deonticState report:Violated ."));
    assertThat(activation(violated, 0)).isEqualTo("report:Inactive");
    assertThat(violated.get("tg:conclusion").asText()).isEqualTo("NotPermitted");
    ObjectNode done =
        eval(
            policy,
            READ_X_BY_A,
            world(
                t,
                "ex:r a report:DutyReport ; report:rule ex:pay ; report:performanceState report:Performed ."));
    assertThat(
            done.at("/report:ruleReport/0/report:conditionReport/0/report:deonticState/@id")
                .asText())
        .isEqualTo("report:Fulfilled");
  }

  @Test
  void anActionCoversTheActionsIncludedInIt() {
    assertThat(Odrl.covers(Odrl.NS + "use", Odrl.NS + "read")).isTrue();
    assertThat(Odrl.covers(Odrl.NS + "read", Odrl.NS + "use")).isFalse();
    assertThat(Odrl.covers(Odrl.NS + "play", Odrl.NS + "display")).isTrue();
    assertThat(Odrl.covers(Odrl.NS + "use", Odrl.NS + "display")).isTrue();
    assertThat(Odrl.covers(Odrl.NS + "transfer", Odrl.NS + "sell")).isTrue();
    assertThat(Odrl.covers(Odrl.NS + "use", Odrl.NS + "sell")).isFalse();
    String readOnly = permission("").replace("odrl:action odrl:use", "odrl:action odrl:read");
    ObjectNode r =
        eval(
            readOnly,
            READ_X_BY_A.replace("odrl:read", "odrl:use"),
            world("2026-03-02T10:00:00Z", ""));
    assertThat(
            premise(r, 0, "report:ActionReport")
                .path("report:satisfactionState")
                .path("@id")
                .asText())
        .isEqualTo("report:Unsatisfied");
  }

  @Test
  void withoutARequestRulesAreNotAttemptedAndNoConclusionIsDrawn() {
    ObjectNode r =
        eval(
            permission(dateTime("lt", "\"2027-01-01T00:00:00Z\"^^xsd:dateTime")),
            null,
            world("2026-03-02T10:00:00Z", ""));
    assertThat(r.at("/report:ruleReport/0/report:attemptState/@id").asText())
        .isEqualTo("report:NotAttempted");
    assertThat(activation(r, 0)).isEqualTo("report:Active");
    assertThat(r.has("tg:conclusion")).isFalse();
    assertThat(
            r.at(
                    "/report:ruleReport/0/report:premiseReport/0/report:constraintLeftOperand/0/@value")
                .asText())
        .isEqualTo("2026-03-02T10:00:00Z");
  }

  @Test
  void anOdrlRequestBringsItsOwnValues() {
    String policy =
        permission(
            "[ odrl:leftOperand odrl:purpose ; odrl:operator odrl:isAnyOf ; odrl:rightOperand \"credit\", \"risk\" ]");
    String request =
        "ex:q a odrl:Request ; odrl:permission ex:qr .\n"
            + "ex:qr odrl:assignee ex:a ; odrl:target ex:x ; odrl:action odrl:read ;"
            + " odrl:constraint [ odrl:leftOperand odrl:purpose ; odrl:operator odrl:eq ; odrl:rightOperand \"risk\" ] .";
    ObjectNode r = eval(policy, request, world("2026-03-02T10:00:00Z", ""));
    assertThat(r.at("/report:policyRequest/@id").asText()).isEqualTo("https://ex.example/q");
    assertThat(r.get("tg:conclusion").asText()).isEqualTo("Permitted");
    ObjectNode no =
        eval(
            policy,
            request.replace("\"risk\" ]", "\"marketing\" ]"),
            world("2026-03-02T10:00:00Z", ""));
    assertThat(no.get("tg:conclusion").asText()).isEqualTo("NotPermitted");
  }

  @Test
  void theTimeIsTheWorldsNeverTheRequests() {
    String request =
        "ex:q a odrl:Request ; odrl:permission ex:qr .\n"
            + "ex:qr odrl:assignee ex:a ; odrl:target ex:x ; odrl:action odrl:read ;"
            + " odrl:constraint [ odrl:leftOperand odrl:dateTime ; odrl:operator odrl:eq ;"
            + " odrl:rightOperand \"2026-03-02T10:00:00Z\"^^xsd:dateTime ] .";
    OdrlInputs.Read<OdrlEvaluator.Request> r =
        OdrlInputs.request("r.ttl", P + request, OdrlRdf.Format.TURTLE);
    assertThat(r.value()).isNull();
    assertThat(r.diagnostics().get(0).message()).contains("sotw:currentTime");
  }

  @Test
  void setOperatorsMeanWhatTheSpecAndTheCompilerSay() {
    String values =
        "ex:w tg:value [ odrl:leftOperand odrl:spatial ; rdf:value \"CN\" ] , [ odrl:leftOperand odrl:purpose ; rdf:value \"marketing\" ] .";
    String allOf =
        "[ odrl:leftOperand odrl:spatial ; odrl:operator odrl:isAllOf ; odrl:rightOperand \"CN-SH\", \"CN-BJ\" ]";
    assertThat(
            activation(
                eval(permission(allOf), READ_X_BY_A, world("2026-03-02T10:00:00Z", values)), 0))
        .isEqualTo("report:Inactive");
    String neq =
        "[ odrl:leftOperand odrl:purpose ; odrl:operator odrl:neq ; odrl:rightOperand \"marketing\", \"ads\" ]";
    assertThat(
            activation(
                eval(permission(neq), READ_X_BY_A, world("2026-03-02T10:00:00Z", values)), 0))
        .isEqualTo("report:Inactive");
    String eq =
        "[ odrl:leftOperand odrl:purpose ; odrl:operator odrl:eq ; odrl:rightOperand \"marketing\", \"ads\" ]";
    assertThat(
            activation(eval(permission(eq), READ_X_BY_A, world("2026-03-02T10:00:00Z", values)), 0))
        .isEqualTo("report:Active");
  }
}
