package io.tollgate.gateway.admin;

import io.tollgate.gateway.config.GatewayConfig;
import io.tollgate.gateway.config.Route;
import io.tollgate.gateway.contracts.ContractFollower;
import io.tollgate.gateway.http.Responses;
import io.tollgate.policy.CompiledPolicy;
import java.util.Map;

/**
 * {@code /catalog} (统一目录): the datasets the gateway serves as a DCAT catalog in JSON-LD, each with
 * its provider, how it is invoked (path, methods) and, from the contracts in force, who may use it
 * and for which purposes.
 */
final class Catalog {
  private final GatewayConfig config;
  private final ContractFollower contracts;

  Catalog(GatewayConfig config, ContractFollower contracts) {
    this.config = config;
    this.contracts = contracts;
  }

  String jsonLd() {
    StringBuilder b = new StringBuilder();
    b.append(
            "{\"@context\":{\"dcat\":\"http://www.w3.org/ns/dcat#\",\"dct\":\"http://purl.org/dc/terms/\",")
        .append(
            "\"odrl\":\"http://www.w3.org/ns/odrl/2/\",\"tollgate\":\"https://tollgate.io/ns/\"},")
        .append("\"@type\":\"dcat:Catalog\",\"dct:title\":")
        .append(Responses.quote("Tollgate " + config.id()))
        .append(",\"dcat:dataset\":[");
    boolean first = true;
    for (Route r : config.routes()) {
      if (!first) {
        b.append(',');
      }
      first = false;
      b.append("{\"@id\":")
          .append(Responses.quote("urn:tollgate:dataset:" + r.dataset()))
          .append(",\"@type\":\"dcat:Dataset\",\"dct:identifier\":")
          .append(Responses.quote(r.dataset()))
          .append(",\"dct:title\":")
          .append(Responses.quote(r.title()))
          .append(",\"dct:description\":")
          .append(Responses.quote(r.description()))
          .append(",\"dct:publisher\":")
          .append(Responses.quote(r.provider()));
      for (Map.Entry<String, String> e : r.catalog().entrySet()) {
        b.append(",\"tollgate:")
            .append(e.getKey())
            .append("\":")
            .append(Responses.quote(e.getValue()));
      }
      b.append(
              ",\"dcat:distribution\":{\"@type\":\"dcat:Distribution\",\"dcat:accessService\":{\"@type\":\"dcat:DataService\",\"dcat:endpointURL\":")
          .append(Responses.quote(r.prefix()))
          .append(",\"tollgate:methods\":[");
      boolean f2 = true;
      for (String m : r.methods()) {
        if (!f2) {
          b.append(',');
        }
        f2 = false;
        b.append(Responses.quote(m));
      }
      b.append("]}},\"odrl:hasPolicy\":[");
      boolean f3 = true;
      for (CompiledPolicy p : contracts.engine().contracts()) {
        if (!p.dataset().equals(r.dataset())) {
          continue;
        }
        if (!f3) {
          b.append(',');
        }
        f3 = false;
        b.append("{\"@type\":\"odrl:Agreement\",\"@id\":")
            .append(Responses.quote("urn:tollgate:contract:" + p.id()))
            .append(",\"odrl:assigner\":")
            .append(Responses.quote(p.provider()))
            .append(",\"odrl:assignee\":")
            .append(Responses.quote(p.consumer()))
            .append(",\"tollgate:version\":")
            .append(Responses.quote(p.version()))
            .append('}');
      }
      b.append("]}");
    }
    return b.append("]}").toString();
  }
}
