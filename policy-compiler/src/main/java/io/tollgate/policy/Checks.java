package io.tollgate.policy;

import io.tollgate.policy.internal.LocalClock;
import io.tollgate.policy.model.Polygon;
import io.tollgate.policy.spi.Check;

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

  /** Event time in [from, until). The compiler merges every dateTime bound into one. */
  static final class PeriodCheck extends Check {
    final long from;
    final long until;

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

  /** Local time of day in [from, until), wrapping midnight when until < from. */
  static final class HoursCheck extends Check {
    private final LocalClock clock;
    private final int from; // local millisecond of day
    private final int until;

    HoursCheck(LocalClock clock, int fromSecond, int untilSecond) {
      super(Reason.HOURS.bit());
      this.clock = clock;
      this.from = fromSecond * 1000;
      this.until = untilSecond * 1000;
    }

    @Override
    public int failures(DataCall call) {
      int t = clock.millisOfDay(call.ts());
      boolean in = from <= until ? t >= from && t < until : t >= from || t < until;
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

  /**
   * The call's location, when given, lies inside a polygon (even-odd rule, crossing a ray to +x).
   *
   * <p>Compiled for speed: a bounding-box pre-check, then the polygon's edges are bucketed into
   * horizontal bands across the box, so a point is tested only against the edges that span its band
   * (about two for a convex polygon, whatever its vertex count); each edge keeps its inverse slope
   * so that the crossing test multiplies instead of divides.
   */
  static final class GeofenceCheck extends Check {
    private final double minX;
    private final double maxX;
    private final double minY;
    private final double maxY;
    private final double bandScale;
    private final int bands;
    private final int[] bandStart; // edges of band b: [bandStart[b], bandStart[b + 1])
    private final double[] edges; // per entry: y0, y1, x0, dx/dy

    GeofenceCheck(Polygon polygon) {
      super(Reason.GEOFENCE.bit());
      double[] xs = polygon.lons();
      double[] ys = polygon.lats();
      int n = xs.length;
      double x0 = Double.POSITIVE_INFINITY;
      double x1 = Double.NEGATIVE_INFINITY;
      double y0 = Double.POSITIVE_INFINITY;
      double y1 = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        x0 = Math.min(x0, xs[i]);
        x1 = Math.max(x1, xs[i]);
        y0 = Math.min(y0, ys[i]);
        y1 = Math.max(y1, ys[i]);
      }
      minX = x0;
      maxX = x1;
      minY = y0;
      maxY = y1;
      // As many bands as vertices (at most 256), fewer if edges spanning many bands would make the
      // index large: it holds at most 8 entries per edge, so memory stays linear in the polygon.
      int count = Math.max(1, Math.min(256, n));
      while (count > 1 && entries(xs, ys, count, minY, maxY) > 8L * n) {
        count /= 2;
      }
      bands = count;
      bandScale = bands / (maxY - minY);
      java.util.List<java.util.List<Integer>> perBand = new java.util.ArrayList<>();
      for (int b = 0; b < bands; b++) {
        perBand.add(new java.util.ArrayList<>());
      }
      for (int i = 0, j = n - 1; i < n; j = i++) {
        if (ys[i] == ys[j]) {
          continue; // a horizontal edge is never crossed by a horizontal ray under the half-open
          // rule
        }
        int lo = band(Math.min(ys[i], ys[j]));
        int hi = band(Math.max(ys[i], ys[j]));
        for (int b = lo; b <= hi; b++) {
          perBand.get(b).add(i);
        }
      }
      bandStart = new int[bands + 1];
      int total = 0;
      for (int b = 0; b < bands; b++) {
        bandStart[b] = total;
        total += perBand.get(b).size();
      }
      bandStart[bands] = total;
      edges = new double[total * 4];
      int k = 0;
      for (int b = 0; b < bands; b++) {
        for (int i : perBand.get(b)) {
          int j = i == 0 ? n - 1 : i - 1;
          edges[k++] = ys[i];
          edges[k++] = ys[j];
          edges[k++] = xs[i];
          edges[k++] = (xs[j] - xs[i]) / (ys[j] - ys[i]);
        }
      }
    }

    private int band(double y) {
      return band(y, minY, bandScale, bands);
    }

    private static int band(double y, double minY, double scale, int bands) {
      int b = (int) ((y - minY) * scale);
      return b < 0 ? 0 : b >= bands ? bands - 1 : b;
    }

    /** Index entries with {@code bands} bands: the bands each non-horizontal edge spans, summed. */
    private static long entries(double[] xs, double[] ys, int bands, double minY, double maxY) {
      double scale = bands / (maxY - minY);
      long total = 0;
      for (int i = 0, j = xs.length - 1; i < xs.length; j = i++) {
        if (ys[i] != ys[j]) {
          total +=
              band(Math.max(ys[i], ys[j]), minY, scale, bands)
                  - band(Math.min(ys[i], ys[j]), minY, scale, bands)
                  + 1;
        }
      }
      return total;
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
      int b = band(y);
      boolean inside = false;
      for (int e = bandStart[b] * 4, end = bandStart[b + 1] * 4; e < end; e += 4) {
        double ey0 = edges[e];
        double ey1 = edges[e + 1];
        // branch-free: a data-dependent branch here mispredicts on every other point
        inside ^= ((ey0 > y) != (ey1 > y)) & (x < edges[e + 2] + (y - ey0) * edges[e + 3]);
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
