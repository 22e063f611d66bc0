package io.tollgate.policy;

/**
 * Interns the open vocabularies of contracts (purposes, regions, field names) to small ints so that
 * compiled policies test them with bitsets, and numbers every participant and dataset id that a
 * contract names. Append-only: ids never change.
 *
 * <p>Lookups read immutable open-addressing tables published through a volatile field: no lock, no
 * boxing, one hash and (on a hit) one string comparison. Interning happens at compile time only and
 * copies the table.
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

  private static final java.util.concurrent.atomic.AtomicInteger SERIALS =
      new java.util.concurrent.atomic.AtomicInteger();

  // Changes (to a number unique in this JVM) whenever a term is added, so a call bound earlier is
  // bound again: an id it looked up as -1 may exist now.
  private volatile int stamp = SERIALS.incrementAndGet();
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
   * The id of a participant or dataset id that a contract names, or -1. A bound call carries these
   * ids, so matching it to its contracts compares ints, not characters. Allocation-free.
   */
  public int nameId(String name) {
    if (name == null) {
      return -1;
    }
    Table t = tables[NAMES];
    int slot = t.find(name);
    return slot < 0 ? -1 : t.ids[slot];
  }

  /** This vocabulary's current stamp (never 0), which bound calls remember. */
  int stamp() {
    return stamp;
  }

  /** The ids of {@code terms}, interning new ones with a single copy of the table. */
  public int[] internAll(Kind kind, java.util.List<String> terms) {
    int[] ids = new int[terms.size()];
    synchronized (lock) {
      Table t = tables[kind.ordinal()];
      Table grown = t.withAll(terms);
      if (grown != t) {
        Table[] updated = tables.clone();
        updated[kind.ordinal()] = grown;
        tables = updated;
        stamp = SERIALS.incrementAndGet();
      }
      for (int i = 0; i < ids.length; i++) {
        ids[i] = grown.ids[grown.find(terms.get(i))];
      }
    }
    return ids;
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
      updated[table] = t.withAll(java.util.List.of(term));
      tables = updated;
      stamp = SERIALS.incrementAndGet();
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

    /** This table with the new terms of {@code terms} added (ids in order), or this table. */
    Table withAll(java.util.List<String> terms) {
      java.util.LinkedHashSet<String> added = new java.util.LinkedHashSet<>();
      for (String term : terms) {
        if (find(term) < 0) {
          added.add(term);
        }
      }
      if (added.isEmpty()) {
        return this;
      }
      int n = size + added.size();
      int capacity = keys.length;
      while (n * 2 > capacity) {
        capacity <<= 1;
      }
      Table t = new Table(new String[capacity], new int[capacity], new int[capacity], n);
      for (int i = 0; i < keys.length; i++) {
        if (keys[i] != null) {
          t.put(keys[i], hashes[i], ids[i]);
        }
      }
      int next = size;
      for (String term : added) {
        t.put(term, term.hashCode(), next++);
      }
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
