package io.tollgate.policy.model;

import java.time.ZoneId;
import java.util.List;
import java.util.Objects;

/**
 * A usage policy, shaped after ODRL 2.2: an agreement between an assigner (the data provider) and
 * an assignee (the consumer) about a target (the dataset), made of rules.
 *
 * <p>Both contract sources produce this model: the concise YAML contract form and ODRL 2.2
 * policies. The compiler turns it into a {@link io.tollgate.policy.CompiledPolicy}.
 *
 * @param uid the contract id (ODRL {@code uid})
 * @param type ODRL policy type
 * @param assigner the provider's participant id
 * @param assignee the consumer's participant id
 * @param target the dataset id
 * @param zone the zone of local-time constraints (hours, days) and calendar quotas
 * @param permissions permission rules
 * @param prohibitions prohibition rules (a prohibition beats a permission)
 * @param price the price terms, kept for metering; null when the contract has none
 * @param origin where the policy came from, for diagnostics; not part of its content hash
 */
public record Policy(
    String uid,
    PolicyType type,
    String assigner,
    String assignee,
    String target,
    ZoneId zone,
    List<Rule> permissions,
    List<Rule> prohibitions,
    Price price,
    Origin origin) {

  public Policy {
    Objects.requireNonNull(uid, "uid");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(zone, "zone");
    permissions = List.copyOf(permissions);
    prohibitions = List.copyOf(prohibitions);
  }

  /** ODRL policy types. */
  public enum PolicyType {
    AGREEMENT,
    OFFER,
    SET
  }
}
