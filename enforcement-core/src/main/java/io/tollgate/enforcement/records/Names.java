package io.tollgate.enforcement.records;

import java.nio.charset.StandardCharsets;

/**
 * Canonical strings for the short, oft-repeated texts of call records (consumers, datasets,
 * actions, purposes, regions, field names, payload keys): the same UTF-8 bytes give the same {@link
 * String} instance without allocating, so that a call's vocabulary terms are read straight from its
 * bytes. A bounded cache: an open-addressing table of at most {@link #CAPACITY} entries, each slot
 * replaced when a new text hashes to it, so hostile streams of new names cost a string each but
 * never memory. Texts over {@link #MAX_BYTES} bytes are not cached.
 *
 * <p>Not thread-safe: one per reader.
 */
final class Names {
  static final int CAPACITY = 4096;
  static final int MAX_BYTES = 64;

  private final byte[][] bytes = new byte[CAPACITY][];
  private final String[] strings = new String[CAPACITY];
  private final int[] hashes = new int[CAPACITY];

  /** The string of the UTF-8 bytes {@code b[from, from + len)}. */
  String get(byte[] b, int from, int len) {
    if (len > MAX_BYTES) {
      return new String(b, from, len, StandardCharsets.UTF_8);
    }
    int h = hash(b, from, len);
    int slot = (h ^ (h >>> 16)) & (CAPACITY - 1);
    for (int probe = 0; probe < 2; probe++) {
      int s = (slot + probe) & (CAPACITY - 1);
      byte[] k = bytes[s];
      if (k != null && hashes[s] == h && equal(k, b, from, len)) {
        return strings[s];
      }
    }
    // a miss: take an empty slot of the two, else the first
    int s = bytes[slot] == null || bytes[(slot + 1) & (CAPACITY - 1)] != null ? slot : slot + 1;
    s &= CAPACITY - 1;
    byte[] k = java.util.Arrays.copyOfRange(b, from, from + len);
    String str = new String(k, StandardCharsets.UTF_8);
    bytes[s] = k;
    hashes[s] = h;
    strings[s] = str;
    return str;
  }

  private static int hash(byte[] b, int from, int len) {
    int h = len;
    for (int i = from, end = from + len; i < end; i++) {
      h = 31 * h + b[i];
    }
    return h;
  }

  private static boolean equal(byte[] k, byte[] b, int from, int len) {
    if (k.length != len) {
      return false;
    }
    for (int i = 0; i < len; i++) {
      if (k[i] != b[from + i]) {
        return false;
      }
    }
    return true;
  }
}
