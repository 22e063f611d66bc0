package io.tollgate.metering;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.TreeMap;
import org.roaringbitmap.longlong.Roaring64Bitmap;

/**
 * The event ids a ledger remembers, compactly. Both enforcement points number their events: the
 * stream's ids are {@code s-<partition>-<offset>}, the gateway's {@code h-<random>-<counter>}
 * ({@code docs/events.md}). An id {@code <prefix>-<n>} whose {@code n} is a canonical decimal
 * number, or else a canonical base-36 one, is kept as a bit of a compressed bitmap (Roaring) per
 * prefix and numbering (decimal and base-36 apart, each dense in its own): a few bits per id
 * instead of about a hundred bytes for a string in a hash set, so a month of a busy contract's ids
 * fits in a checkpoint. Any other id is kept as it is.
 */
final class IdSet {
  private final Map<String, Roaring64Bitmap> numbered = new HashMap<>();
  private final HashSet<String> other = new HashSet<>();
  private long size;

  /** Adds {@code id}: false when it was there already. */
  boolean add(String id) {
    int dash = id.lastIndexOf('-');
    long n = -1;
    String bitmap = null;
    if (dash >= 0) {
      // decimal numbers (the stream's offsets) and base-36 ones (the gateway's counters) in
      // bitmaps of their own: each dense in its own numbering, and never confused ("10" and "a")
      n = decimal(id, dash + 1);
      if (n >= 0) {
        bitmap = id.substring(0, dash) + "#d";
      } else {
        n = number(id, dash + 1);
        bitmap = id.substring(0, dash) + "#z";
      }
    }
    boolean added;
    if (n >= 0) {
      Roaring64Bitmap b = numbered.computeIfAbsent(bitmap, k -> new Roaring64Bitmap());
      added = !b.contains(n);
      if (added) {
        b.addLong(n);
      }
    } else {
      added = other.add(id);
    }
    if (added && (++size & 0xFFFF) == 0) {
      // runs of offsets in a few bytes, every 65,536 ids: on the task's thread, never in write
      numbered.values().forEach(Roaring64Bitmap::runOptimize);
    }
    return added;
  }

  /** Takes every id of {@code o} out of this set. */
  void removeAll(IdSet o) {
    for (Map.Entry<String, Roaring64Bitmap> e : o.numbered.entrySet()) {
      Roaring64Bitmap b = numbered.get(e.getKey());
      if (b != null) {
        long before = b.getLongCardinality();
        b.andNot(e.getValue());
        size -= before - b.getLongCardinality();
        if (b.isEmpty()) {
          numbered.remove(e.getKey());
        }
      }
    }
    for (String id : o.other) {
      if (other.remove(id)) {
        size--;
      }
    }
  }

  /** Adds every id of {@code o}. */
  void addAll(IdSet o) {
    for (Map.Entry<String, Roaring64Bitmap> e : o.numbered.entrySet()) {
      Roaring64Bitmap b = numbered.computeIfAbsent(e.getKey(), k -> new Roaring64Bitmap());
      long before = b.getLongCardinality();
      b.or(e.getValue());
      size += b.getLongCardinality() - before;
    }
    for (String id : o.other) {
      if (other.add(id)) {
        size++;
      }
    }
  }

  long size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** {@code s[from..]} as a decimal number when it is one, written canonically, else -1. */
  static long decimal(String s, int from) {
    int len = s.length() - from;
    if (len < 1 || len > 18 || (len > 1 && s.charAt(from) == '0')) {
      return -1;
    }
    long n = 0;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  /**
   * {@code s[from..]} as a base-36 number when it is written canonically (no sign, no leading zero,
   * lower case, at most 12 digits), else -1: then the id reads back as the same string.
   */
  static long number(String s, int from) {
    int len = s.length() - from;
    if (len < 1 || len > 12 || (len > 1 && s.charAt(from) == '0')) {
      return -1;
    }
    long n = 0;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'z') {
        d = c - 'a' + 10;
      } else {
        return -1;
      }
      n = n * 36 + d;
    }
    return n;
  }

  void write(DataOutput o) throws IOException {
    // sorted, so that the same set always gives the same bytes
    TreeMap<String, Roaring64Bitmap> sorted = new TreeMap<>(numbered);
    o.writeInt(sorted.size());
    for (Map.Entry<String, Roaring64Bitmap> e : sorted.entrySet()) {
      o.writeUTF(e.getKey());
      // no runOptimize() here: writing must not change the set (a checkpoint writes it on
      // another thread while the task may copy it)
      e.getValue().serialize(o);
    }
    o.writeInt(other.size());
    for (String id : new java.util.TreeSet<>(other)) {
      o.writeUTF(id);
    }
  }

  static IdSet read(DataInput in) throws IOException {
    IdSet s = new IdSet();
    int prefixes = in.readInt();
    for (int i = 0; i < prefixes; i++) {
      String prefix = in.readUTF();
      Roaring64Bitmap b = new Roaring64Bitmap();
      b.deserialize(in);
      s.numbered.put(prefix, b);
      s.size += b.getLongCardinality();
    }
    int others = in.readInt();
    for (int i = 0; i < others; i++) {
      s.other.add(in.readUTF());
    }
    s.size += others;
    return s;
  }
}
