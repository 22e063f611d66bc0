package io.tollgate.policy;

import io.tollgate.policy.model.Policy;

/**
 * A contract compiled for line-rate decisions: its stateless constraints as a conjunction of
 * {@link Check}s over interned ids and epoch ranges, its stateful limits as a {@link LimitSpec} for
 * the runtime's {@link CounterStore}, and its obligations precomputed. Immutable and thread-safe.
 */
public final class CompiledPolicy {
  private final Policy source;
  private final String version;
  private final Vocabulary vocabulary;
  // The built-in checks, one slot per shape (null when the contract has none), evaluated in
  // straight-line code that the JIT inlines whole; anything else (a second constraint of a shape,
  // logical constraints, OPA) is in extras.
  private final Checks.ActionCheck action;
  private final Checks.PurposeCheck purpose;
  private final Checks.PeriodCheck period;
  private final Checks.HoursCheck hours;
  private final Checks.DaysCheck days;
  private final Checks.FieldsCheck fields;
  private final Checks.RegionCheck region;
  private final Checks.GeofenceCheck geofence;
  private final Checks.ChannelCheck channel;
  private final Check[] extras;
  private final LimitSpec limits;
  private final Obligations obligations;
  private final String counterKey;
  private final int consumerId;
  private final int datasetId;

  CompiledPolicy(Policy source, String version, Vocabulary vocabulary, Check[] checks,
      LimitSpec limits, Obligations obligations) {
    this.source = source;
    this.version = version;
    this.vocabulary = vocabulary;
    Check[] slots = new Check[Check.CHANNEL + 1];
    java.util.List<Check> rest = new java.util.ArrayList<>();
    long from = Long.MIN_VALUE;
    long until = Long.MAX_VALUE;
    boolean hasPeriod = false;
    for (Check c : checks) {
      if (c.kind == Check.PERIOD) {
        Checks.PeriodCheck p = (Checks.PeriodCheck) c;
        from = Math.max(from, p.from);
        until = Math.min(until, p.until);
        hasPeriod = true;
      } else if (c.kind != Check.OTHER && slots[c.kind] == null) {
        slots[c.kind] = c;
      } else {
        rest.add(c);
      }
    }
    this.action = (Checks.ActionCheck) slots[Check.ACTION];
    this.purpose = (Checks.PurposeCheck) slots[Check.PURPOSE];
    this.period = hasPeriod ? new Checks.PeriodCheck(from, until) : null;
    this.hours = (Checks.HoursCheck) slots[Check.HOURS];
    this.days = (Checks.DaysCheck) slots[Check.DAYS];
    this.fields = (Checks.FieldsCheck) slots[Check.FIELDS];
    this.region = (Checks.RegionCheck) slots[Check.REGION];
    this.geofence = (Checks.GeofenceCheck) slots[Check.GEOFENCE];
    this.channel = (Checks.ChannelCheck) slots[Check.CHANNEL];
    this.extras = rest.toArray(new Check[0]);
    this.limits = limits;
    this.obligations = obligations;
    this.counterKey = source.uid();
    this.consumerId = vocabulary.internName(source.assignee());
    this.datasetId = vocabulary.internName(source.target());
  }

  /** The contract id. */
  public String id() {
    return source.uid();
  }

  /** Content hash of the contract (hex SHA-256 prefix): changes exactly when its content does. */
  public String version() {
    return version;
  }

  public String consumer() {
    return source.assignee();
  }

  public String dataset() {
    return source.target();
  }

  int consumerId() {
    return consumerId;
  }

  int datasetId() {
    return datasetId;
  }

  /** The vocabulary calls are bound to before this policy evaluates them. */
  public Vocabulary vocabulary() {
    return vocabulary;
  }

  public String provider() {
    return source.assigner();
  }

  /** The model this was compiled from. */
  public Policy source() {
    return source;
  }

  /** The stateful limits, or null when the contract has none. */
  public LimitSpec limits() {
    return limits;
  }

  /** The key under which the contract's counters are kept. */
  public String counterKey() {
    return counterKey;
  }

  /** Obligations of a permit for a call that names no fields. */
  public Obligations obligations() {
    return obligations;
  }

  /**
   * The mask of stateless reasons the call fails on (0 = every stateless constraint holds). Binds
   * the call to this policy's vocabulary if needed. Allocation-free unless the contract has an OPA
   * constraint.
   */
  public int evaluate(DataCall call) {
    call.bind(vocabulary);
    int failed = action == null ? 0 : action.failures(call);
    if (purpose != null) {
      failed |= purpose.failures(call);
    }
    if (period != null) {
      failed |= period.failures(call);
    }
    if (hours != null) {
      failed |= hours.failures(call);
    }
    if (days != null) {
      failed |= days.failures(call);
    }
    if (fields != null) {
      failed |= fields.failures(call);
    }
    if (region != null) {
      failed |= region.failures(call);
    }
    if (geofence != null) {
      failed |= geofence.failures(call);
    }
    if (channel != null) {
      failed |= channel.failures(call);
    }
    for (Check c : extras) {
      failed |= c.failures(call); // logical constraints, OPA, repeated shapes
    }
    return failed;
  }

  @Override
  public String toString() {
    return "CompiledPolicy{" + id() + "@" + version + " " + consumer() + " -> " + dataset() + "}";
  }
}
