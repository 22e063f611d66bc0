package io.tollgate.policy;

/**
 * Interns the open vocabularies of contracts (purposes, regions, field names) to small ints so
 * that compiled policies test them with bitsets, and numbers every participant and dataset id
 * that a contract names. Append-only: ids never change.
 *
 * <p>Lookups read immutable open-addressing tables published through a volatile field: no lock,
 * no boxing, one hash and (on a hit) one string comparison. Interning happens at compile time only
 * and copies the table.
 *
 * <p>Calls never intern: a value no contract mentions looks up as {@code -1}, which no allow-list
 * contains. That keeps untrusted input from growing the tables.
 */
public final class Vocabulary {

  /** The vocabularies. */
  public enum Kind {
    PURPOSE,
    REGION,
    FIELD
  }

  private static final int NAMES = Kind.values().length;

  private static final java.util.concurrent.atomic.AtomicInteger SERIALS = new java.util.concurrent.atomic.AtomicInteger();

  private final int serial = SERIALS.incrementAndGet();
  private final Object lock = new Object();
  private volatile Table[] tables = {Table.EMPTY, Table.EMPTY, Table.EMPTY, Table.EMPTY};

  /** The id of {@code term}, interning it if new. For the compiler. */
  public int intern(Kind kind, String term) {
    return internAt(kind.ordinal(), term).id;
  }

  /** The id of {@code term}, or -1 when no compiled contract mentions it. Allocation-free. */
  public int lookup(Kind kind, String term) {
    if (term == null) {
      return -1;
    }
    Table t = tables[kind.ordinal()];
    int slot = t.find(term);
    return slot < 0 ? -1 : t.ids[slot];
  }

  /** The id of a participant or dataset id, interning it if new. For the compiler. */
  public int internName(String name) {
    return internAt(NAMES, name).id;
  }

  /**
   * The id of a participant or dataset id that a contract names, or -1. A bound call carries
   * these ids, so matching it to its contracts compares ints, not characters. Allocation-free.
   */
  public int nameId(String name) {
    if (name == null) {
      return -1;
    }
    Table t = tables[NAMES];
    int slot = t.find(name);
    return slot < 0 ? -1 : t.ids[slot];
  }

  /** A number unique to this vocabulary in this JVM (never 0), which bound calls remember. */
  int serial() {
    return serial;
  }

  /** Number of interned terms of a kind. */
  public int size(Kind kind) {
    return tables[kind.ordinal()].size;
  }

  private Interned internAt(int table, String term) {
    synchronized (lock) {
      Table[] current = tables;
      Table t = current[table];
      int slot = t.find(term);
      if (slot >= 0) {
        return new Interned(t.ids[slot]);
      }
      Table[] updated = current.clone();
      updated[table] = t.with(term);
      tables = updated;
      return new Interned(t.size);
    }
  }

  private record Interned(int id) {}

  /** An immutable open-addressing table: linear probing, load factor at most one half. */
  private static final class Table {
    static final Table EMPTY = new Table(new String[2], new int[2], new int[2], 0);

    final String[] keys;
    final int[] hashes;
    final int[] ids;
    final int size;
    final int mask;

    Table(String[] keys, int[] hashes, int[] ids, int size) {
      this.keys = keys;
      this.hashes = hashes;
      this.ids = ids;
      this.size = size;
      this.mask = keys.length - 1;
    }

    int find(String term) {
      int h = term.hashCode();
      for (int i = h & mask; ; i = (i + 1) & mask) {
        String k = keys[i];
        if (k == null) {
          return -1;
        }
        if (hashes[i] == h && (k == term || k.equals(term))) {
          return i;
        }
      }
    }

    Table with(String term) {
      int capacity = keys.length;
      while ((size + 1) * 2 > capacity) {
        capacity <<= 1;
      }
      String[] k = new String[capacity];
      int[] h = new int[capacity];
      int[] v = new int[capacity];
      Table t = new Table(k, h, v, size + 1);
      for (int i = 0; i < keys.length; i++) {
        if (keys[i] != null) {
          t.put(keys[i], hashes[i], ids[i]);
        }
      }
      t.put(term, term.hashCode(), size);
      return t;
    }

    private void put(String key, int hash, int id) {
      int i = hash & mask;
      while (keys[i] != null) {
        i = (i + 1) & mask;
      }
      keys[i] = key;
      hashes[i] = hash;
      ids[i] = id;
    }
  }
}
