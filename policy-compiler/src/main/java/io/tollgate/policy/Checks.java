package io.tollgate.policy;

import io.tollgate.policy.internal.LocalClock;
import io.tollgate.policy.model.Polygon;

/** The compiled shapes of stateless constraints. Package-private: built by the compiler only. */
final class Checks {
  private Checks() {}

  static boolean has(long[] bits, int id) {
    return id >= 0 && (id >>> 6) < bits.length && (bits[id >>> 6] & (1L << id)) != 0;
  }

  /** The call's action is covered by a permitted action. */
  static final class ActionCheck extends Check {
    private final long allowed;

    ActionCheck(long allowed) {
      super(Reason.ACTION.bit());
      this.allowed = allowed;
    }

    @Override
    public int failures(DataCall call) {
      Action a = call.action();
      return a != null && (allowed & (1L << a.ordinal())) != 0 ? 0 : reasons;
    }
  }

  /** The call's purpose is (or, negated, is not) in a set. */
  static final class PurposeCheck extends Check {
    private final long[] bits;
    private final boolean negated;

    PurposeCheck(long[] bits, boolean negated) {
      super(Reason.PURPOSE.bit());
      this.bits = bits;
      this.negated = negated;
    }

    @Override
    public int failures(DataCall call) {
      boolean in = has(bits, call.purposeId());
      return in != negated && call.purpose() != null ? 0 : reasons;
    }
  }

  /** Event time in [from, until). */
  static final class PeriodCheck extends Check {
    private final long from;
    private final long until;

    PeriodCheck(long from, long until) {
      super(Reason.PERIOD.bit());
      this.from = from;
      this.until = until;
    }

    @Override
    public int failures(DataCall call) {
      long ts = call.ts();
      return ts >= from && ts < until ? 0 : reasons;
    }
  }

  /** Local second of day in [from, until), wrapping midnight when until < from. */
  static final class HoursCheck extends Check {
    private final LocalClock clock;
    private final int from;
    private final int until;

    HoursCheck(LocalClock clock, int fromSecond, int untilSecond) {
      super(Reason.HOURS.bit());
      this.clock = clock;
      this.from = fromSecond;
      this.until = untilSecond;
    }

    @Override
    public int failures(DataCall call) {
      int s = clock.secondOfDay(call.ts());
      boolean in = from <= until ? s >= from && s < until : s >= from || s < until;
      return in ? 0 : reasons;
    }
  }

  /** Local day of week in a set (bit 0 = Monday). */
  static final class DaysCheck extends Check {
    private final LocalClock clock;
    private final int days;

    DaysCheck(LocalClock clock, int days) {
      super(Reason.DAYS.bit());
      this.clock = clock;
      this.days = days;
    }

    @Override
    public int failures(DataCall call) {
      return (days & (1 << clock.dayOfWeek(call.ts()))) != 0 ? 0 : reasons;
    }
  }

  /** Every field the call asks for is allowed. A call that names no fields passes. */
  static final class FieldsCheck extends Check {
    private final long[] bits;

    FieldsCheck(long[] bits) {
      super(Reason.FIELDS.bit());
      this.bits = bits;
    }

    @Override
    public int failures(DataCall call) {
      int n = call.fieldCount();
      for (int i = 0; i < n; i++) {
        if (!has(bits, call.fieldId(i))) {
          return reasons;
        }
      }
      return 0;
    }
  }

  /**
   * The call's region, when given, is listed; a listed two-letter country code covers its
   * subdivisions ({@code CN} covers {@code CN-SH}).
   */
  static final class RegionCheck extends Check {
    private final long[] bits;
    private final int[] countries; // two ASCII letters packed as (c0 << 16) | c1
    private final boolean negated;

    RegionCheck(long[] bits, int[] countries, boolean negated) {
      super(Reason.REGION.bit());
      this.bits = bits;
      this.countries = countries;
      this.negated = negated;
    }

    @Override
    public int failures(DataCall call) {
      String r = call.region();
      if (r == null) {
        return 0;
      }
      boolean in = has(bits, call.regionId());
      if (!in && r.length() > 3 && r.charAt(2) == '-') {
        int packed = (r.charAt(0) << 16) | r.charAt(1);
        for (int c : countries) {
          if (c == packed) {
            in = true;
            break;
          }
        }
      }
      return in != negated ? 0 : reasons;
    }
  }

  /** The call's location, when given, lies inside a polygon (even-odd rule). */
  static final class GeofenceCheck extends Check {
    private final double[] xs;
    private final double[] ys;
    private final double minX;
    private final double maxX;
    private final double minY;
    private final double maxY;

    GeofenceCheck(Polygon polygon) {
      super(Reason.GEOFENCE.bit());
      xs = polygon.lons();
      ys = polygon.lats();
      double x0 = Double.POSITIVE_INFINITY;
      double x1 = Double.NEGATIVE_INFINITY;
      double y0 = Double.POSITIVE_INFINITY;
      double y1 = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < xs.length; i++) {
        x0 = Math.min(x0, xs[i]);
        x1 = Math.max(x1, xs[i]);
        y0 = Math.min(y0, ys[i]);
        y1 = Math.max(y1, ys[i]);
      }
      minX = x0;
      maxX = x1;
      minY = y0;
      maxY = y1;
    }

    @Override
    public int failures(DataCall call) {
      if (!call.hasLocation()) {
        return 0;
      }
      return contains(call.lon(), call.lat()) ? 0 : reasons;
    }

    boolean contains(double x, double y) {
      if (x < minX || x > maxX || y < minY || y > maxY) {
        return false;
      }
      boolean inside = false;
      for (int i = 0, j = xs.length - 1; i < xs.length; j = i++) {
        if ((ys[i] > y) != (ys[j] > y)
            && x < (xs[j] - xs[i]) * (y - ys[i]) / (ys[j] - ys[i]) + xs[i]) {
          inside = !inside;
        }
      }
      return inside;
    }
  }

  /** The call's channel is in a set; a call that names no channel fails. */
  static final class ChannelCheck extends Check {
    private final int channels;
    private final boolean negated;

    ChannelCheck(int channels, boolean negated) {
      super(Reason.CHANNEL.bit());
      this.channels = channels;
      this.negated = negated;
    }

    @Override
    public int failures(DataCall call) {
      Channel c = call.channel();
      if (c == null) {
        return reasons;
      }
      return ((channels & (1 << c.ordinal())) != 0) != negated ? 0 : reasons;
    }
  }

  /** Every child holds (ODRL {@code and}). */
  static final class AllOf extends Check {
    private final Check[] children;

    AllOf(Check[] children) {
      super(union(children));
      this.children = children;
    }

    @Override
    public int failures(DataCall call) {
      int failed = 0;
      for (Check c : children) {
        failed |= c.failures(call);
      }
      return failed;
    }
  }

  /** At least one child holds (ODRL {@code or}); when none does, the union of their reasons. */
  static final class AnyOf extends Check {
    private final Check[] children;

    AnyOf(Check[] children) {
      super(union(children));
      this.children = children;
    }

    @Override
    public int failures(DataCall call) {
      int failed = 0;
      for (Check c : children) {
        int f = c.failures(call);
        if (f == 0) {
          return 0;
        }
        failed |= f;
      }
      return failed;
    }
  }

  static int union(Check[] checks) {
    int u = 0;
    for (Check c : checks) {
      u |= c.reasons();
    }
    return u;
  }
}
