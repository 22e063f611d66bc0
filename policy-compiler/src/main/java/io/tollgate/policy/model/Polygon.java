package io.tollgate.policy.model;

import java.util.Arrays;

/**
 * A simple polygon in WGS 84 degrees, as a ring of vertices (not repeated at the end).
 *
 * <p>Arrays are copied on the way in and out; equality is by content.
 */
public final class Polygon {
  private final double[] lon;
  private final double[] lat;

  public Polygon(double[] lon, double[] lat) {
    if (lon.length != lat.length || lon.length < 3) {
      throw new IllegalArgumentException("a polygon needs at least 3 vertices");
    }
    this.lon = lon.clone();
    this.lat = lat.clone();
  }

  public int size() {
    return lon.length;
  }

  public double lon(int i) {
    return lon[i];
  }

  public double lat(int i) {
    return lat[i];
  }

  public double[] lons() {
    return lon.clone();
  }

  public double[] lats() {
    return lat.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Polygon p && Arrays.equals(lon, p.lon) && Arrays.equals(lat, p.lat);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(lon) + Arrays.hashCode(lat);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < lon.length; i++) {
      sb.append(i == 0 ? "" : ",")
          .append('[')
          .append(lon[i])
          .append(',')
          .append(lat[i])
          .append(']');
    }
    return sb.append(']').toString();
  }
}
