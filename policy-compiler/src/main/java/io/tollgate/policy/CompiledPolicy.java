package io.tollgate.policy;

import io.tollgate.policy.model.Policy;
import io.tollgate.policy.spi.Check;
import io.tollgate.policy.spi.LimitSpec;

/**
 * A contract compiled for line-rate decisions: its stateless constraints as a conjunction of {@link
 * Check}s over interned ids and epoch ranges, its stateful limits as a {@link LimitSpec} for the
 * runtime's {@link io.tollgate.policy.spi.CounterStore}, and its obligations precomputed. Immutable
 * and thread-safe.
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

  CompiledPolicy(
      Policy source,
      String version,
      Vocabulary vocabulary,
      Check[] checks,
      LimitSpec limits,
      Obligations obligations) {
    this.source = source;
    this.version = version;
    this.vocabulary = vocabulary;
    Checks.ActionCheck action = null;
    Checks.PurposeCheck purpose = null;
    Checks.HoursCheck hours = null;
    Checks.DaysCheck days = null;
    Checks.FieldsCheck fields = null;
    Checks.RegionCheck region = null;
    Checks.GeofenceCheck geofence = null;
    Checks.ChannelCheck channel = null;
    java.util.List<Check> rest = new java.util.ArrayList<>();
    long from = Long.MIN_VALUE;
    long until = Long.MAX_VALUE;
    boolean hasPeriod = false;
    for (Check c : checks) {
      // the first check of each built-in shape gets its slot; periods intersect into one
      if (c instanceof Checks.PeriodCheck p) {
        from = Math.max(from, p.from);
        until = Math.min(until, p.until);
        hasPeriod = true;
      } else if (c instanceof Checks.ActionCheck a && action == null) {
        action = a;
      } else if (c instanceof Checks.PurposeCheck a && purpose == null) {
        purpose = a;
      } else if (c instanceof Checks.HoursCheck a && hours == null) {
        hours = a;
      } else if (c instanceof Checks.DaysCheck a && days == null) {
        days = a;
      } else if (c instanceof Checks.FieldsCheck a && fields == null) {
        fields = a;
      } else if (c instanceof Checks.RegionCheck a && region == null) {
        region = a;
      } else if (c instanceof Checks.GeofenceCheck a && geofence == null) {
        geofence = a;
      } else if (c instanceof Checks.ChannelCheck a && channel == null) {
        channel = a;
      } else {
        rest.add(c);
      }
    }
    this.action = action;
    this.purpose = purpose;
    this.period = hasPeriod ? new Checks.PeriodCheck(from, until) : null;
    this.hours = hours;
    this.days = days;
    this.fields = fields;
    this.region = region;
    this.geofence = geofence;
    this.channel = channel;
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
