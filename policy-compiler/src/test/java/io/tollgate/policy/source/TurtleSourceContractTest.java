package io.tollgate.policy.source;

import io.tollgate.policy.odrl.OdrlPolicySource;
import io.tollgate.policy.odrl.OdrlRdf;

/** The contract of every source, for ODRL in Turtle. */
class TurtleSourceContractTest extends PolicySourceContract {
  static final String DOC =
      "@prefix odrl: <http://www.w3.org/ns/odrl/2/> .\n"
          + "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
          + "@prefix tg: <https://tollgate.io/odrl/> .\n"
          + "<ref-1> a odrl:Agreement ; odrl:profile tg:profile ;\n"
          + "  odrl:assigner <prov> ; odrl:assignee <cons> ; odrl:target <data> ;\n"
          + "  odrl:permission [ odrl:action odrl:read ; odrl:constraint\n"
          + "    [ odrl:leftOperand odrl:purpose ; odrl:operator odrl:isAnyOf ; odrl:rightOperand \"credit-assessment\" ],\n"
          + "    [ odrl:leftOperand odrl:dateTime ; odrl:operator odrl:lt ; odrl:rightOperand \"2027-01-01T00:00:00Z\"^^xsd:dateTime ],\n"
          + "    [ odrl:leftOperand tg:rate ; odrl:operator odrl:lteq ; odrl:rightOperand \"10/s\" ] ] .\n";

  @Override
  protected PolicySource source() {
    return new OdrlPolicySource(OdrlRdf.Format.TURTLE);
  }

  @Override
  protected String file() {
    return "ref.ttl";
  }

  @Override
  protected String reference() {
    return DOC;
  }

  @Override
  protected String broken() {
    return DOC.replace("odrl:assignee <cons> ;", "odrl:assignee <cons> <x> ;");
  }

  @Override
  protected int brokenLine() {
    return 5;
  }

  @Override
  protected String wrongValue() {
    return DOC.replace("\"10/s\"", "\"lots\"");
  }
}
