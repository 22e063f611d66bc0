package io.tollgate.policy;

import java.util.HashMap;
import java.util.Map;

/**
 * Interns the open vocabularies of contracts (purposes, regions, field names) to small ints so
 * that compiled policies test them with bitsets. Append-only: ids never change. Lookups are
 * lock-free reads of an immutable map published through a volatile field; interning (at compile
 * time only) copies the map.
 *
 * <p>Calls never intern: a value no contract mentions looks up as {@code -1}, which no allow-list
 * contains. That keeps untrusted input from growing the table.
 */
public final class Vocabulary {

  /** The vocabularies. */
  public enum Kind {
    PURPOSE,
    REGION,
    FIELD
  }

  private final Object lock = new Object();
  private volatile Map<String, String> names = Map.of();
  @SuppressWarnings("unchecked")
  private volatile Map<String, Integer>[] tables = new Map[] {Map.of(), Map.of(), Map.of()};

  /** The id of {@code term}, interning it if new. For the compiler. */
  public int intern(Kind kind, String term) {
    Integer id = tables[kind.ordinal()].get(term);
    if (id != null) {
      return id;
    }
    synchronized (lock) {
      Map<String, Integer>[] current = tables;
      id = current[kind.ordinal()].get(term);
      if (id != null) {
        return id;
      }
      Map<String, Integer> copy = new HashMap<>(current[kind.ordinal()]);
      int next = copy.size();
      copy.put(term, next);
      Map<String, Integer>[] updated = current.clone();
      updated[kind.ordinal()] = copy;
      tables = updated;
      return next;
    }
  }

  /** The id of {@code term}, or -1 when no compiled contract mentions it. Allocation-free. */
  public int lookup(Kind kind, String term) {
    if (term == null) {
      return -1;
    }
    Integer id = tables[kind.ordinal()].get(term);
    return id == null ? -1 : id;
  }

  /** The canonical instance of a participant or dataset id, interning it if new. For the compiler. */
  public String internName(String name) {
    String c = names.get(name);
    if (c != null) {
      return c;
    }
    synchronized (lock) {
      c = names.get(name);
      if (c != null) {
        return c;
      }
      Map<String, String> copy = new HashMap<>(names);
      copy.put(name, name);
      names = copy;
      return name;
    }
  }

  /**
   * The canonical instance of a participant or dataset id that a contract names, or {@code name}
   * itself. A bound call carries canonical instances, so matching it to its contracts compares
   * references, not characters.
   */
  public String canonicalName(String name) {
    if (name == null) {
      return null;
    }
    String c = names.get(name);
    return c == null ? name : c;
  }

  /** Number of interned terms of a kind. */
  public int size(Kind kind) {
    return tables[kind.ordinal()].size();
  }
}
