package io.tollgate.metering;

import io.tollgate.policy.CompiledPolicy;
import io.tollgate.policy.model.Price;
import io.tollgate.policy.spi.LimitSpec;
import java.time.ZoneId;
import java.util.Objects;

/**
 * What metering needs of one contract version: whose it is, its zone (the months' boundaries), its
 * price (null when it has none) and its limits (for the remaining quota, -1 where it has none).
 */
public record ContractTerms(
    String contract,
    String version,
    String provider,
    String consumer,
    String dataset,
    ZoneId zone,
    Price price,
    long dayQuota,
    long monthQuota,
    long totalLimit) {
  public ContractTerms {
    Objects.requireNonNull(contract, "contract");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(zone, "zone");
  }

  /** The terms of a compiled contract version. */
  public static ContractTerms of(CompiledPolicy p) {
    LimitSpec l = p.limits(); // null: no limits at all
    long day = l != null && l.hasQuota() && !l.quotaMonthly() ? l.quota() : -1;
    long month = l != null && l.hasQuota() && l.quotaMonthly() ? l.quota() : -1;
    return new ContractTerms(
        p.id(),
        p.version(),
        p.provider(),
        p.consumer(),
        p.dataset(),
        p.source().zone(),
        p.source().price(),
        day,
        month,
        l != null && l.hasTotal() ? l.total() : -1);
  }
}
