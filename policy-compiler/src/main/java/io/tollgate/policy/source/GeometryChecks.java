package io.tollgate.policy.source;

import java.util.List;

/** Validity checks for polygons read from contracts. */
final class GeometryChecks {
  private GeometryChecks() {}

  /** A description of the first pair of non-adjacent edges that intersect, or null for a simple polygon. */
  static String firstCrossing(List<double[]> ring) {
    int n = ring.size();
    for (int i = 0; i < n; i++) {
      double[] a = ring.get(i);
      double[] b = ring.get((i + 1) % n);
      for (int j = i + 1; j < n; j++) {
        if (j == i || (j + 1) % n == i || (i + 1) % n == j) {
          continue; // adjacent edges share a vertex
        }
        double[] c = ring.get(j);
        double[] d = ring.get((j + 1) % n);
        if (intersect(a, b, c, d)) {
          return "edge " + i + "-" + ((i + 1) % n) + " crosses edge " + j + "-" + ((j + 1) % n);
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
    return (d1 == 0 && onSegment(p3, p4, p1)) || (d2 == 0 && onSegment(p3, p4, p2))
        || (d3 == 0 && onSegment(p1, p2, p3)) || (d4 == 0 && onSegment(p1, p2, p4));
  }

  private static double cross(double[] a, double[] b, double[] c) {
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
  }

  private static boolean onSegment(double[] a, double[] b, double[] p) {
    return Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0])
        && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
  }
}
