package io.tollgate.policy.odrl;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.Diagnostic;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Broken ODRL gives located errors, and a policy with any problem is never returned. */
class OdrlReaderTest {
  static final String P =
      "@prefix odrl: <http://www.w3.org/ns/odrl/2/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n";

  static List<Diagnostic> turtle(String text) {
    OdrlReader.Result r = OdrlReader.read("p.ttl", text, null);
    assertThat(r.policies()).as("no policy from a document with a problem").isEmpty();
    return r.diagnostics();
  }

  static List<Diagnostic> jsonld(String text) {
    OdrlReader.Result r = OdrlReader.read("p.jsonld", text, null);
    assertThat(r.policies()).isEmpty();
    return r.diagnostics();
  }

  @Test
  void brokenTurtleNamesItsLine() {
    List<Diagnostic> d =
        turtle(P + "<urn:p> a odrl:Set ;\n  odrl:permission [ odrl:action odrl:use \n");
    assertThat(d).hasSize(1);
    assertThat(d.get(0).line())
        .as("the end of the text, where the bracket is missing")
        .isEqualTo(5);
    assertThat(d.get(0).message()).startsWith("expected Turtle, found: ");
  }

  @Test
  void anUndeclaredPrefixIsAnError() {
    List<Diagnostic> d = turtle(P + "ex:p a odrl:Set .\n");
    assertThat(d.get(0).line()).isEqualTo(3);
    assertThat(d.get(0).message()).contains("'ex'");
  }

  @Test
  void aDanglingBlankNodeIsAnError() {
    List<Diagnostic> d =
        turtle(
            P
                + "<urn:p> a odrl:Set ; odrl:permission [ odrl:action odrl:use ; odrl:constraint _:c ] .\n");
    assertThat(d).extracting(Diagnostic::message).anyMatch(m -> m.contains("dangling"));
    assertThat(d.get(0).pointer()).isEqualTo("/permission/0/constraint/0");
  }

  @Test
  void cyclesOfPartOfAndInheritFromAreErrors() {
    assertThat(
            turtle(
                P
                    + "<urn:a> odrl:partOf <urn:b> .\n<urn:b> odrl:partOf <urn:a> .\n"
                    + "<urn:p> a odrl:Set ; odrl:permission [ odrl:action odrl:use ; odrl:assignee <urn:a> ] .\n"))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("cycle of partOf"));
    assertThat(
            turtle(
                P
                    + "<urn:p> a odrl:Set ; odrl:inheritFrom <urn:q> ; odrl:permission [ odrl:action odrl:use ] .\n"
                    + "<urn:q> a odrl:Set ; odrl:inheritFrom <urn:p> ; odrl:permission [ odrl:action odrl:read ] .\n"))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("cycle of inheritFrom"));
    assertThat(
            turtle(
                P
                    + "<urn:p> a odrl:Set ; odrl:inheritFrom <urn:gone> ; odrl:permission [ odrl:action odrl:use ] .\n"))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("parent policy urn:gone"));
  }

  @Test
  void aLiteralOfTheWrongDatatypeIsAnError() {
    List<Diagnostic> d =
        turtle(
            P
                + "<urn:p> a odrl:Set ; odrl:permission [ odrl:action odrl:use ; odrl:constraint [\n"
                + "  odrl:leftOperand odrl:dateTime ; odrl:operator odrl:lt ; odrl:rightOperand \"soon\" ] ] .\n");
    assertThat(d.get(0).message())
        .contains("expected an xsd:dateTime or xsd:date for odrl:dateTime, found \"soon\"");
    assertThat(d.get(0).pointer()).isEqualTo("/permission/0/constraint/0/rightOperand");
    assertThat(
            turtle(
                P
                    + "<urn:p> a odrl:Set ; odrl:permission [ odrl:action odrl:use ; odrl:constraint [\n"
                    + "  odrl:leftOperand odrl:dateTime ; odrl:operator odrl:lt ; odrl:rightOperand \"2026-13-45\"^^xsd:date ] ] .\n"))
        .isNotEmpty();
  }

  @Test
  void whatTheEngineCannotEvaluateIsNamedNeverIgnored() {
    List<Diagnostic> d =
        turtle(
            P
                + "<urn:p> a odrl:Set ; odrl:profile <https://other.example/profile> ;\n"
                + " odrl:permission [ odrl:action odrl:use ; odrl:constraint\n"
                + "  [ odrl:leftOperand <https://other.example/temperature> ; odrl:operator odrl:lt ; odrl:rightOperand 3 ],\n"
                + "  [ odrl:leftOperand odrl:count ; odrl:operator odrl:within ; odrl:rightOperand 3 ] ] .\n");
    assertThat(d)
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("https://other.example/profile"))
        .anyMatch(m -> m.contains("https://other.example/temperature"))
        .anyMatch(m -> m.contains("odrl:within"));
    assertThat(turtle(P + "<urn:p> a odrl:Set ; odrl:permission [ odrl:action odrl:fly ] .\n"))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("http://www.w3.org/ns/odrl/2/fly"));
    assertThat(
            turtle(
                P
                    + "<urn:p> a odrl:Set ; odrl:permission [ odrl:action odrl:use ; odrl:constrant [] ] .\n"))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("odrl:constrant"));
  }

  @Test
  void jsonLdTermsThatWouldBeDroppedAreErrorsWithTheirPlace() {
    List<Diagnostic> d =
        jsonld(
            "{\"@context\": \"http://www.w3.org/ns/odrl.jsonld\",\n \"@type\": \"Set\", \"uid\": \"urn:p\",\n"
                + " \"permission\": [{\"action\": \"use\",\n   \"constrint\": []}]}");
    assertThat(d).hasSize(1);
    assertThat(d.get(0).line()).isEqualTo(4);
    assertThat(d.get(0).pointer()).isEqualTo("/permission/0/constrint");
  }

  @Test
  void aRemoteContextIsNeverFetched() {
    List<Diagnostic> d =
        jsonld("{\"@context\": \"https://evil.example/ctx.jsonld\", \"@type\": \"Set\"}");
    assertThat(d.get(d.size() - 1).message())
        .contains("https://evil.example/ctx.jsonld is not fetched");
  }

  @Test
  void aPolicyNeedsAUidAndRulesWithOneAction() {
    assertThat(turtle(P + "[] a odrl:Set ; odrl:permission [ odrl:action odrl:use ] .\n"))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("uid"));
    assertThat(turtle(P + "<urn:p> a odrl:Set .\n"))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("at least one permission"));
    assertThat(turtle(P + "<urn:p> a odrl:Set ; odrl:permission [ odrl:target <urn:x> ] .\n"))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("expected an action"));
    assertThat(
            turtle(
                P + "<urn:p> a odrl:Set ; odrl:permission [ odrl:action odrl:use, odrl:read ] .\n"))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("expected one action, found 2"));
  }

  @Test
  void policyLevelTargetsPartiesAndActionsApplyToEveryRuleAndSeveralTargetsMakeSeveralRules() {
    OdrlReader.Result r =
        OdrlReader.read(
            "p.ttl",
            P
                + "<urn:p> a odrl:Agreement ; odrl:assigner <urn:prov> ; odrl:assignee <urn:cons> ;\n"
                + " odrl:permission [ odrl:action odrl:read ; odrl:target <urn:x>, <urn:y> ] ;\n"
                + " odrl:prohibition [ odrl:action odrl:distribute ; odrl:target <urn:x> ] .\n",
            null);
    assertThat(r.diagnostics()).isEmpty();
    List<Odrl.Rule> rules = r.policies().get(0).rules();
    assertThat(rules).hasSize(3);
    assertThat(rules)
        .allMatch(
            x -> x.assignee().iri().equals("urn:cons") && x.assigner().iri().equals("urn:prov"));
    assertThat(rules.stream().map(x -> x.target().iri()).toList())
        .containsExactly("urn:x", "urn:y", "urn:x");
  }

  static final String BASE =
      "{\"@context\": [\"http://www.w3.org/ns/odrl.jsonld\", {\"tg\": \"https://tollgate.io/odrl/\"}CTX],\n"
          + " \"@type\": \"Agreement\", \"uid\": \"p1\", \"assigner\": \"prov\", \"assignee\": \"cons\","
          + " \"target\": \"ds\",\n \"permission\": [{\"action\": \"read\", \"constraint\":"
          + " [{\"leftOperand\": \"purpose\", \"operator\": \"eq\", \"rightOperand\": \"risk\"}]}]}";

  static List<Diagnostic> odrl(String text) {
    io.tollgate.policy.source.SourceResult r =
        new OdrlPolicySource(OdrlRdf.Format.JSONLD).read("p.jsonld", null, text);
    assertThat(r.policies()).as("no contract from %s", text).isEmpty();
    return r.diagnostics();
  }

  @Test
  void jsonLdCannotDropOrDivertAConstraint() {
    assertThat(
            new OdrlPolicySource(OdrlRdf.Format.JSONLD)
                .read("p.jsonld", null, BASE.replace("CTX", ""))
                .diagnostics())
        .isEmpty();
    // a term set to null, redefined inline, behind an undefined prefix, or under @vocab misspelt
    assertThat(odrl(BASE.replace("CTX", ", {\"constraint\": null}")))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("set to null"));
    assertThat(
            odrl(
                BASE.replace("CTX", "")
                    .replace(
                        "{\"action\": \"read\",",
                        "{\"@context\": {\"constraint\": \"https://example.org/c\"}, \"action\": \"read\",")))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("redefined"));
    assertThat(odrl(BASE.replace("CTX", "").replace("\"constraint\":", "\"ordl:constraint\":")))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("prefix \"ordl\" is not defined"));
    assertThat(
            odrl(
                BASE.replace("CTX", ", {\"@vocab\": \"https://example.org/\"}")
                    .replace("\"constraint\":", "\"constraints\":")))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("https://example.org/constraints"));
  }

  @Test
  void aPolicyLevelConstraintBindsEveryRule() {
    String text =
        BASE.replace("CTX", "")
            .replace(
                "\"target\": \"ds\",",
                "\"target\": \"ds\", \"constraint\": [{\"leftOperand\": \"spatial\", \"operator\": \"isAnyOf\", \"rightOperand\": [\"CN\"]}],");
    io.tollgate.policy.source.SourceResult r =
        new OdrlPolicySource(OdrlRdf.Format.JSONLD).read("p.jsonld", null, text);
    assertThat(r.diagnostics()).isEmpty();
    assertThat(r.policies().get(0).permissions().get(0).constraints()).hasSize(2);
  }

  @Test
  void logicalConstraintsHoldOneOperatorAndNoAtomicParts() {
    assertThat(
            turtle(
                P
                    + "<urn:p> a odrl:Set ; odrl:permission [ odrl:action odrl:use ; odrl:constraint [\n"
                    + "  odrl:and ( [ odrl:leftOperand odrl:purpose ; odrl:operator odrl:eq ; odrl:rightOperand \"a\" ] ) ;\n"
                    + "  odrl:or ( [ odrl:leftOperand odrl:purpose ; odrl:operator odrl:eq ; odrl:rightOperand \"b\" ] ) ] ] .\n"))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("expected one of and, or, xone, andSequence"));
  }

  @Test
  void aRightOperandOfAStringOperandIsAStringOrAnIri() {
    assertThat(
            odrl(
                BASE.replace("CTX", "")
                    .replace(
                        "\"rightOperand\": \"risk\"",
                        "\"rightOperand\": {\"@value\": [\"risk\"], \"@type\": \"@json\"}")))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("expected a string or an IRI for odrl:purpose"));
    assertThat(
            odrl(
                BASE.replace("CTX", "")
                    .replace(
                        "\"rightOperand\": \"risk\"",
                        "\"rightOperand\": {\"rdf:value\": \"risk\"}")))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("blank node"));
    assertThat(
            turtle(
                P
                    + "<urn:p> a odrl:Set ; odrl:permission [ odrl:action odrl:use ; odrl:constraint [\n"
                    + "  odrl:leftOperand odrl:purpose ; odrl:operator odrl:isNoneOf ; odrl:rightOperand ( ( \"a\" ) ) ] ] .\n"))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("blank node"));
  }

  @Test
  void anAnonymizeDutyMasksOneFieldAndSaysNothingElse() {
    String duty =
        ", \"duty\": [{\"action\": [{\"rdf:value\": {\"@id\": \"odrl:anonymize\"}, \"refinement\": ["
            + "{\"leftOperand\": \"tg:field\", \"operator\": \"eq\", \"rightOperand\": \"ssn\"},"
            + "EXTRA{\"leftOperand\": \"tg:maskMethod\", \"operator\": \"eq\", \"rightOperand\": \"redact\"}]}]}]}]}";
    String base = BASE.replace("CTX", "").replace("}]}]}", "}]" + duty);
    io.tollgate.policy.source.SourceResult ok =
        new OdrlPolicySource(OdrlRdf.Format.JSONLD)
            .read("p.jsonld", null, base.replace("EXTRA", ""));
    assertThat(ok.diagnostics()).isEmpty();
    assertThat(ok.policies().get(0).permissions().get(0).duties()).hasSize(1);
    assertThat(
            odrl(
                base.replace(
                    "EXTRA",
                    "{\"leftOperand\": \"tg:field\", \"operator\": \"eq\", \"rightOperand\": \"name\"},")))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("found 2 field(s)"));
    assertThat(
            odrl(
                base.replace(
                    "EXTRA",
                    "{\"leftOperand\": \"purpose\", \"operator\": \"neq\", \"rightOperand\": \"x\"},")))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("another refinement"));
  }

  @Test
  void deepNestingIsADiagnosticNotACrash() {
    StringBuilder b =
        new StringBuilder(
            P + "<urn:p> a odrl:Set ; odrl:permission [ odrl:action odrl:use ; odrl:constraint ");
    for (int i = 0; i < 3000; i++) {
      b.append("[ odrl:and ");
    }
    b.append("[ odrl:leftOperand odrl:count ; odrl:operator odrl:lt ; odrl:rightOperand 1 ]");
    b.append(" ]".repeat(3000)).append(" ] .\n");
    assertThat(turtle(b.toString())).isNotEmpty();
    StringBuilder c =
        new StringBuilder(
            P + "<urn:p> a odrl:Set ; odrl:permission [ odrl:action odrl:use ; odrl:constraint ");
    for (int i = 0; i < 40; i++) {
      c.append("[ odrl:and ");
    }
    c.append("[ odrl:leftOperand odrl:count ; odrl:operator odrl:lt ; odrl:rightOperand 1 ]");
    c.append(" ]".repeat(40)).append(" ] .\n");
    assertThat(turtle(c.toString()))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("nested at most 32"));
  }

  @Test
  void scopedContextsAndReversePropertiesAreRefused() {
    assertThat(
            odrl(
                BASE.replace(
                    "CTX",
                    ", {\"permission\": {\"@id\": \"odrl:permission\", \"@type\": \"@id\", \"@context\": {\"constraint\": null}}}")))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("scoped context"));
    assertThat(
            odrl(
                BASE.replace("CTX", "")
                    .replace(
                        "\"target\": \"ds\",",
                        "\"target\": {\"@context\": {\"c\": \"odrl:constraint\"}, \"@id\": \"ds\"},")))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("at its top alone"));
    assertThat(
            odrl(
                BASE.replace("CTX", "")
                    .replace("{\"action\": \"read\",", "{\"@reverse\": {}, \"action\": \"read\",")))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("@reverse"));
  }

  @Test
  void aRuleNoPolicyReachesIsAnErrorNotIgnored() {
    assertThat(
            turtle(
                P
                    + "<urn:p> a odrl:Agreement ; odrl:permission <urn:r1> .\n"
                    + "<urn:r1> a odrl:Permission ; odrl:action odrl:read .\n"
                    + "<urn:r2> a odrl:Prohibition ; odrl:action odrl:read .\n"))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("urn:r2 that no policy reaches"));
  }

  @Test
  void valuesTheMappingCannotReadAreLocatedErrors() {
    assertThat(
            odrl(
                BASE.replace("CTX", "")
                    .replace(
                        "{\"leftOperand\": \"purpose\", \"operator\": \"eq\", \"rightOperand\": \"risk\"}",
                        "{\"leftOperand\": \"dateTime\", \"operator\": \"lt\", \"rightOperand\": {\"@value\": \"2026-07-01T24:00:00Z\", \"@type\": \"xsd:dateTime\"}}")))
        .anySatisfy(
            d -> assertThat(d.pointer()).isEqualTo("/permission/0/constraint/0/rightOperand"));
    assertThat(
            odrl(
                BASE.replace("CTX", "")
                    .replace(
                        "{\"leftOperand\": \"purpose\", \"operator\": \"eq\", \"rightOperand\": \"risk\"}",
                        "{\"leftOperand\": \"count\", \"operator\": \"lteq\", \"rightOperand\": 1.5}")))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("whole number"));
    assertThat(
            odrl(
                BASE.replace("CTX", "")
                    .replace("\"rightOperand\": \"risk\"", "\"rightOperand\": \"ri\\u200Bsk\"")))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("U+200B"));
    String duty =
        ", \"duty\": [{\"action\": [{\"rdf:value\": {\"@id\": \"odrl:anonymize\"}, \"refinement\": ["
            + "{\"leftOperand\": \"tg:field\", \"operator\": \"eq\", \"rightOperand\": {\"@id\": \"ssn\"}},"
            + "{\"leftOperand\": \"tg:maskMethod\", \"operator\": \"eq\", \"rightOperand\": \"redact\"}]}]}]}]}";
    assertThat(odrl(BASE.replace("CTX", "").replace("}]}]}", "}]" + duty)))
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("expected a field name (a string)"));
  }
}
