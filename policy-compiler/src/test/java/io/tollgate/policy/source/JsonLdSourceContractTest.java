package io.tollgate.policy.source;

import io.tollgate.policy.odrl.OdrlPolicySource;
import io.tollgate.policy.odrl.OdrlRdf;

/** The contract of every source, for ODRL in JSON-LD. */
class JsonLdSourceContractTest extends PolicySourceContract {
  static final String DOC =
      "{\n"
          + "  \"@context\": [\"http://www.w3.org/ns/odrl.jsonld\", {\"tg\": \"https://tollgate.io/odrl/\"}],\n"
          + "  \"@type\": \"Agreement\", \"uid\": \"ref-1\", \"profile\": \"https://tollgate.io/odrl/profile\",\n"
          + "  \"assigner\": \"prov\", \"assignee\": \"cons\", \"target\": \"data\",\n"
          + "  \"permission\": [{\"action\": \"read\", \"constraint\": [\n"
          + "    {\"leftOperand\": \"purpose\", \"operator\": \"isAnyOf\", \"rightOperand\": [\"credit-assessment\"]},\n"
          + "    {\"leftOperand\": \"dateTime\", \"operator\": \"lt\",\n"
          + "     \"rightOperand\": {\"@value\": \"2027-01-01T00:00:00Z\", \"@type\": \"xsd:dateTime\"}},\n"
          + "    {\"leftOperand\": \"tg:rate\", \"operator\": \"lteq\", \"rightOperand\": \"10/s\"}]}]\n"
          + "}\n";

  @Override
  protected PolicySource source() {
    return new OdrlPolicySource(OdrlRdf.Format.JSONLD);
  }

  @Override
  protected String file() {
    return "ref.jsonld";
  }

  @Override
  protected String reference() {
    return DOC;
  }

  @Override
  protected String broken() {
    return DOC.replace("\"assignee\": \"cons\",", "\"assignee\": \"cons\" \"oops\",");
  }

  @Override
  protected int brokenLine() {
    return 4;
  }

  @Override
  protected String wrongValue() {
    return DOC.replace("\"10/s\"", "\"lots\"");
  }
}
