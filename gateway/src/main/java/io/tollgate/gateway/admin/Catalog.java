package io.tollgate.gateway.admin;

import io.tollgate.gateway.config.GatewayConfig;
import io.tollgate.gateway.config.Route;
import io.tollgate.gateway.contracts.ContractFollower;
import io.tollgate.gateway.http.Responses;
import io.tollgate.policy.CompiledPolicy;
import java.util.Locale;
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

  private static String array(java.util.Collection<String> values) {
    StringBuilder b = new StringBuilder("[");
    for (String v : values) {
      if (b.length() > 1) {
        b.append(',');
      }
      b.append(Responses.quote(v));
    }
    return b.append(']').toString();
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
            .append(Responses.quote(p.version()));
        java.util.Set<String> actions = new java.util.TreeSet<>();
        java.util.Set<String> purposes = new java.util.TreeSet<>();
        for (io.tollgate.policy.model.Rule rule : p.source().permissions()) {
          rule.actions().forEach(a -> actions.add(a.term()));
          for (io.tollgate.policy.model.Constraint c : rule.constraints()) {
            if (c instanceof io.tollgate.policy.model.AtomicConstraint ac
                && ac.leftOperand() == io.tollgate.policy.model.LeftOperand.PURPOSE) {
              if (ac.rightOperand() instanceof java.util.Collection<?> values) {
                values.forEach(v -> purposes.add(String.valueOf(v)));
              } else {
                purposes.add(String.valueOf(ac.rightOperand()));
              }
            }
          }
        }
        b.append(",\"odrl:action\":").append(array(actions));
        b.append(",\"tollgate:purposes\":").append(array(purposes));
        io.tollgate.policy.model.Price price = p.source().price();
        if (price != null) {
          b.append(",\"tollgate:price\":{\"currency\":")
              .append(Responses.quote(price.currency()))
              .append(",\"per\":")
              .append(Responses.quote(price.per()));
          if (price.amount() != null) {
            b.append(",\"amount\":").append(Responses.quote(price.amount().toPlainString()));
          }
          if (price.tiers() != null) {
            b.append(",\"tiers\":{\"mode\":")
                .append(Responses.quote(price.tiers().mode().name().toLowerCase(Locale.ROOT)))
                .append(",\"steps\":[");
            String sep = "";
            for (var t : price.tiers().steps()) {
              b.append(sep).append('{');
              if (t.upTo() != null) {
                b.append("\"upTo\":").append(t.upTo()).append(',');
              }
              b.append("\"amount\":")
                  .append(Responses.quote(t.amount().toPlainString()))
                  .append('}');
              sep = ",";
            }
            b.append("]}");
          }
          if (price.pack() != null) {
            b.append(",\"package\":{\"size\":")
                .append(price.pack().size())
                .append(",\"amount\":")
                .append(Responses.quote(price.pack().amount().toPlainString()))
                .append('}');
          }
          if (price.subscription() != null) {
            var u = price.subscription();
            b.append(",\"subscription\":{\"monthly\":")
                .append(Responses.quote(u.monthly().toPlainString()))
                .append(
                    u.included() < 0 ? ",\"includesAll\":true" : ",\"included\":" + u.included());
            if (u.overage() != null) {
              b.append(",\"overage\":").append(Responses.quote(u.overage().toPlainString()));
            }
            b.append('}');
          }
          if (price.minimum() != null) {
            b.append(",\"minimum\":").append(Responses.quote(price.minimum().toPlainString()));
          }
          b.append('}');
        }
        io.tollgate.policy.spi.LimitSpec l = p.limits();
        if (l != null) {
          b.append(",\"tollgate:limits\":{");
          String sep = "";
          if (l.hasRate()) {
            b.append("\"rate\":")
                .append(Responses.quote(l.ratePermits() + "/" + l.rateUnitMillis() + "ms"));
            sep = ",";
          }
          if (l.hasQuota()) {
            b.append(sep)
                .append("\"quota\":")
                .append(Responses.quote(l.quota() + "/" + (l.quotaMonthly() ? "month" : "day")));
            sep = ",";
          }
          if (l.hasTotal()) {
            b.append(sep).append("\"total\":").append(l.total());
          }
          b.append('}');
        }
        b.append('}');
      }
      b.append("]}");
    }
    return b.append("]}").toString();
  }
}
