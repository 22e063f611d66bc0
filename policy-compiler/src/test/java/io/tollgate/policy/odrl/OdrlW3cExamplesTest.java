package io.tollgate.policy.odrl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.policy.Diagnostic;
import org.junit.jupiter.api.Test;

/**
 * Policies in the shape of the examples of the W3C ODRL 2.2 Information Model (Recommendation,
 * 2018), in JSON-LD with the ODRL context: each is read, and those with constraints are evaluated
 * against requests checked by hand. Examples that declare a profile of their own
 * (http://example.com/odrl:profile:NN) use terms this engine does not know, and are refused with
 * the profile named: a profile's terms are never guessed.
 */
class OdrlW3cExamplesTest {
  static final String CTX = "\"@context\": \"http://www.w3.org/ns/odrl.jsonld\",";

  static OdrlReader.Result read(String json) {
    return OdrlReader.read("example.jsonld", json, null);
  }

  static ObjectNode evaluate(
      String policy, String action, String party, String target, String now, String values) {
    OdrlReader.Result p = read(policy);
    assertThat(p.diagnostics()).isEmpty();
    String world =
        "@prefix sotw: <https://w3id.org/force/sotw#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> ."
            + " @prefix odrl: <http://www.w3.org/ns/odrl/2/> . @prefix tg: <https://tollgate.io/odrl/> ."
            + " @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
            + "<urn:w> a sotw:SotW ; sotw:currentTime \""
            + now
            + "\"^^xsd:dateTime .\n"
            + values;
    OdrlInputs.Read<OdrlEvaluator.World> w = OdrlInputs.world("w.ttl", world, null);
    assertThat(w.diagnostics()).isEmpty();
    return new OdrlEvaluator(
            p.policies().get(0),
            p.model(),
            new OdrlEvaluator.Request(
                "urn:req", null, Odrl.NS + action, party, target, java.util.Map.of()),
            w.value())
        .report();
  }

  @Test
  void example1ASetPermittingUse() {
    String p =
        "{"
            + CTX
            + " \"@type\": \"Set\", \"uid\": \"http://example.com/policy:1010\","
            + " \"permission\": [{\"target\": \"http://example.com/asset:9898.movie\", \"action\": \"use\"}]}";
    OdrlReader.Result r = read(p);
    assertThat(r.diagnostics()).isEmpty();
    assertThat(r.policies().get(0).type()).isEqualTo(Odrl.PolicyType.SET);
    ObjectNode rep =
        evaluate(
            p, "play", null, "http://example.com/asset:9898.movie", "2018-01-01T00:00:00Z", "");
    assertThat(rep.get("tg:conclusion").asText()).isEqualTo("Permitted"); // play is a use
  }

  @Test
  void example2AnOfferWithItsOwnProfileIsRefusedNamingIt() {
    String p =
        "{"
            + CTX
            + " \"@type\": \"Offer\", \"uid\": \"http://example.com/policy:1011\","
            + " \"profile\": \"http://example.com/odrl:profile:01\","
            + " \"permission\": [{\"target\": \"http://example.com/asset:9898.movie\","
            + " \"assigner\": \"http://example.com/party:org:abc\", \"action\": \"play\"}]}";
    assertThat(read(p).diagnostics())
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("http://example.com/odrl:profile:01"));
  }

  @Test
  void anAgreementBetweenAssignerAndAssignee() {
    String p =
        "{"
            + CTX
            + " \"@type\": \"Agreement\", \"uid\": \"http://example.com/policy:1012\","
            + " \"permission\": [{\"target\": \"http://example.com/asset:9898.movie\","
            + " \"assigner\": \"http://example.com/party:org:abc\","
            + " \"assignee\": \"http://example.com/party:person:billie\", \"action\": \"play\"}]}";
    assertThat(
            evaluate(
                    p,
                    "play",
                    "http://example.com/party:person:billie",
                    "http://example.com/asset:9898.movie",
                    "2018-01-01T00:00:00Z",
                    "")
                .get("tg:conclusion")
                .asText())
        .isEqualTo("Permitted");
    assertThat(
            evaluate(
                    p,
                    "play",
                    "http://example.com/party:person:alice",
                    "http://example.com/asset:9898.movie",
                    "2018-01-01T00:00:00Z",
                    "")
                .get("tg:conclusion")
                .asText())
        .isEqualTo("NotPermitted");
  }

  @Test
  void aConstraintOnTheDateBeforeAsAnXsdDate() {
    String p =
        "{"
            + CTX
            + " \"@type\": \"Offer\", \"uid\": \"http://example.com/policy:6163\","
            + " \"permission\": [{\"target\": \"http://example.com/document:1234\","
            + " \"assigner\": \"http://example.com/org:616\", \"action\": \"distribute\","
            + " \"constraint\": [{\"leftOperand\": \"dateTime\", \"operator\": \"lt\","
            + " \"rightOperand\": {\"@value\": \"2018-01-01\", \"@type\": \"xsd:date\"}}]}]}";
    assertThat(
            evaluate(
                    p,
                    "distribute",
                    null,
                    "http://example.com/document:1234",
                    "2017-12-31T23:59:59Z",
                    "")
                .get("tg:conclusion")
                .asText())
        .isEqualTo("Permitted");
    assertThat(
            evaluate(
                    p,
                    "distribute",
                    null,
                    "http://example.com/document:1234",
                    "2018-01-01T00:00:00Z",
                    "")
                .get("tg:conclusion")
                .asText())
        .isEqualTo("NotPermitted");
  }

  @Test
  void aLogicalXoneOfMedia() {
    String p =
        "{"
            + CTX
            + " \"@type\": \"Offer\", \"uid\": \"http://example.com/policy:88\","
            + " \"permission\": [{\"target\": \"http://example.com/book/1999\","
            + " \"assigner\": \"http://example.com/org/paisley-park\", \"action\": \"reproduce\","
            + " \"constraint\": [{\"xone\": {\"@list\": [{\"@id\": \"http://example.com/p:88/C1\"}, {\"@id\": \"http://example.com/p:88/C2\"}]}}]}],"
            + " \"@graph\": []}";
    // the constraints named by id, defined apart, as the Information Model does
    String full =
        p.replace(", \"@graph\": []}", "}")
            .replace(
                "\"@type\": \"Offer\"",
                "\"@type\": \"Offer\", \"@included\": ["
                    + "{\"@id\": \"http://example.com/p:88/C1\", \"leftOperand\": \"media\", \"operator\": \"eq\", \"rightOperand\": \"online\"},"
                    + "{\"@id\": \"http://example.com/p:88/C2\", \"leftOperand\": \"media\", \"operator\": \"eq\", \"rightOperand\": \"print\"}]");
    OdrlReader.Result r = read(full);
    assertThat(r.diagnostics()).isEmpty();
    String online = "<urn:w> tg:value [ odrl:leftOperand odrl:media ; rdf:value \"online\" ] .";
    assertThat(
            evaluate(
                    full,
                    "reproduce",
                    null,
                    "http://example.com/book/1999",
                    "2018-01-01T00:00:00Z",
                    online)
                .get("tg:conclusion")
                .asText())
        .isEqualTo("Permitted");
    String both =
        "<urn:w> tg:value [ odrl:leftOperand odrl:media ; rdf:value \"online\" ] ,"
            + " [ odrl:leftOperand odrl:media ; rdf:value \"print\" ] .";
    assertThat(
            evaluate(
                    full,
                    "reproduce",
                    null,
                    "http://example.com/book/1999",
                    "2018-01-01T00:00:00Z",
                    both)
                .get("tg:conclusion")
                .asText())
        .isEqualTo("NotPermitted");
  }

  @Test
  void aDutyToCompensateWithAPayAmountRefinement() {
    String p =
        "{"
            + CTX
            + " \"@type\": \"Agreement\", \"uid\": \"http://example.com/policy:42\","
            + " \"permission\": [{\"target\": \"http://example.com/music/1999.mp3\","
            + " \"assigner\": \"http://example.com/org/sony-music\", \"assignee\": \"http://example.com/people/billie\","
            + " \"action\": \"play\", \"duty\": [{\"@id\": \"http://example.com/duty:42\", \"action\": [{\"rdf:value\": {\"@id\": \"odrl:compensate\"},"
            + " \"refinement\": [{\"leftOperand\": \"payAmount\", \"operator\": \"eq\","
            + " \"rightOperand\": {\"@value\": \"5.00\", \"@type\": \"xsd:decimal\"}, \"unit\": \"http://dbpedia.org/resource/Euro\"}]}]}]}]}";
    OdrlReader.Result r = read(p);
    assertThat(r.diagnostics()).isEmpty();
    Odrl.Rule duty = r.policies().get(0).rules().get(0).duties().get(0);
    assertThat(duty.action().iri()).isEqualTo(Odrl.NS + "compensate");
    assertThat(((Odrl.Atomic) duty.action().refinements().get(0)).unit())
        .isEqualTo("http://dbpedia.org/resource/Euro");
    ObjectNode rep =
        evaluate(
            p,
            "play",
            "http://example.com/people/billie",
            "http://example.com/music/1999.mp3",
            "2018-01-01T00:00:00Z",
            "");
    assertThat(
            rep.at("/report:ruleReport/0/report:conditionReport/0/report:deonticState/@id")
                .asText())
        .isEqualTo("report:NonSet");
  }

  @Test
  void aProhibitionToIndex() {
    String p =
        "{"
            + CTX
            + " \"@type\": \"Agreement\", \"uid\": \"http://example.com/policy:5555\","
            + " \"conflict\": \"perm\","
            + " \"permission\": [{\"target\": \"http://example.com/photoAlbum:55\", \"action\": \"display\","
            + " \"assigner\": \"http://example.com/MyPix:55\", \"assignee\": \"http://example.com/assignee:55\"}],"
            + " \"prohibition\": [{\"target\": \"http://example.com/photoAlbum:55\", \"action\": \"archive\","
            + " \"assigner\": \"http://example.com/MyPix:55\", \"assignee\": \"http://example.com/assignee:55\"}]}";
    assertThat(
            evaluate(
                    p,
                    "archive",
                    "http://example.com/assignee:55",
                    "http://example.com/photoAlbum:55",
                    "2018-01-01T00:00:00Z",
                    "")
                .get("tg:conclusion")
                .asText())
        .isEqualTo("Prohibited");
    assertThat(
            evaluate(
                    p,
                    "display",
                    "http://example.com/assignee:55",
                    "http://example.com/photoAlbum:55",
                    "2018-01-01T00:00:00Z",
                    "")
                .get("tg:conclusion")
                .asText())
        .isEqualTo("Permitted");
  }

  @Test
  void aPolicyInheritsItsParentsRules() {
    String p =
        "{"
            + CTX
            + " \"@graph\": ["
            + "{\"@type\": \"Set\", \"uid\": \"http://example.com/policy:default\","
            + " \"permission\": [{\"target\": \"http://example.com/asset:5555\", \"action\": \"print\"}]},"
            + "{\"@type\": \"Agreement\", \"uid\": \"http://example.com/policy:4444\","
            + " \"inheritFrom\": \"http://example.com/policy:default\","
            + " \"permission\": [{\"target\": \"http://example.com/asset:5555\", \"action\": \"display\"}]}]}";
    OdrlReader.Result r = read(p);
    assertThat(r.diagnostics()).isEmpty();
    Odrl.Policy child =
        r.policies().stream().filter(x -> x.uid().endsWith("4444")).findFirst().orElseThrow();
    assertThat(child.rules())
        .extracting(x -> x.action().iri())
        .containsExactly(Odrl.NS + "print", Odrl.NS + "display");
  }

  @Test
  void anAssetCollectionWithARefinementAsTarget() {
    String p =
        "{"
            + CTX
            + " \"@type\": \"Offer\", \"uid\": \"http://example.com/policy:4444\","
            + " \"permission\": [{\"assigner\": \"http://example.com/org88\","
            + " \"target\": {\"@type\": \"AssetCollection\", \"source\": \"http://example.com/media-catalogue\","
            + " \"refinement\": [{\"leftOperand\": \"runningTime\", \"operator\": \"lt\", \"rightOperand\": 60}]},"
            + " \"action\": \"play\"}]}";
    // runningTime is not an ODRL left operand (the Information Model's example uses a profile term)
    assertThat(read(p).diagnostics())
        .extracting(Diagnostic::message)
        .anyMatch(m -> m.contains("runningTime"));
    String ok = p.replace("runningTime", "absoluteSize");
    OdrlReader.Result r = read(ok);
    assertThat(r.diagnostics()).isEmpty();
    assertThat(r.policies().get(0).rules().get(0).target().collection()).isTrue();
  }
}
