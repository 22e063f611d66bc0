package io.tollgate.policy.source;

import java.util.Arrays;
import java.util.List;

/** Validity checks for polygons read from contracts. */
final class GeometryChecks {
  private GeometryChecks() {}

  /**
   * A description of the first pair of non-adjacent edges that intersect, or null for a simple
   * polygon. Edges are swept in order of their lowest latitude and compared only with edges whose
   * latitude ranges overlap, so typical polygons take about n log n steps.
   */
  static String firstCrossing(List<double[]> ring) {
    int n = ring.size();
    Integer[] order = new Integer[n];
    double[] minY = new double[n];
    double[] maxY = new double[n];
    for (int i = 0; i < n; i++) {
      double[] a = ring.get(i);
      double[] b = ring.get((i + 1) % n);
      minY[i] = Math.min(a[1], b[1]);
      maxY[i] = Math.max(a[1], b[1]);
      order[i] = i;
    }
    Arrays.sort(order, (x, y) -> Double.compare(minY[x], minY[y]));
    for (int oi = 0; oi < n; oi++) {
      int i = order[oi];
      for (int oj = oi + 1; oj < n && minY[order[oj]] <= maxY[i]; oj++) {
        int j = order[oj];
        if ((j + 1) % n == i || (i + 1) % n == j) {
          continue; // adjacent edges share a vertex
        }
        if (intersect(ring.get(i), ring.get((i + 1) % n), ring.get(j), ring.get((j + 1) % n))) {
          int lo = Math.min(i, j);
          int hi = Math.max(i, j);
          return "edge " + lo + "-" + ((lo + 1) % n) + " crosses edge " + hi + "-" + ((hi + 1) % n);
        }
      }
    }
    return null;
  }

  /** Twice the signed area (shoelace). */
  static double area(List<double[]> ring) {
    double s = 0;
    for (int i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
      s += (ring.get(j)[0] * ring.get(i)[1]) - (ring.get(i)[0] * ring.get(j)[1]);
    }
    return s;
  }

  private static boolean intersect(double[] p1, double[] p2, double[] p3, double[] p4) {
    double d1 = cross(p3, p4, p1);
    double d2 = cross(p3, p4, p2);
    double d3 = cross(p1, p2, p3);
    double d4 = cross(p1, p2, p4);
    if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) {
      return true;
    }
    return (d1 == 0 && onSegment(p3, p4, p1))
        || (d2 == 0 && onSegment(p3, p4, p2))
        || (d3 == 0 && onSegment(p1, p2, p3))
        || (d4 == 0 && onSegment(p1, p2, p4));
  }

  private static double cross(double[] a, double[] b, double[] c) {
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
  }

  private static boolean onSegment(double[] a, double[] b, double[] p) {
    return Math.min(a[0], b[0]) <= p[0]
        && p[0] <= Math.max(a[0], b[0])
        && Math.min(a[1], b[1]) <= p[1]
        && p[1] <= Math.max(a[1], b[1]);
  }
}
