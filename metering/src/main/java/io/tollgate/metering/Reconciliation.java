package io.tollgate.metering;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Recounts {@code tollgate.feedback} and compares it with {@code tollgate.usage}, per contract
 * (consumer, provider, contract, dataset) and month: the distinct permitted calls of the feedback,
 * with the records and bytes they delivered, against what the usage says of that month (its latest
 * revision, plus the corrections for it that later months carry). Feed it the feedback with {@link
 * #feedback}, the usage with {@link #usage}, then ask for the {@link #differences}.
 */
public final class Reconciliation {
  /** One key's month that does not agree. */
  public record Difference(
      String key, String period, Usage feedback, Usage usage, boolean closed, String note) {
    @Override
    public String toString() {
      return key
          + " "
          + period
          + ": feedback "
          + feedback.calls()
          + " calls / "
          + feedback.records()
          + " records / "
          + feedback.bytes()
          + " bytes, usage "
          + usage.calls()
          + " / "
          + usage.records()
          + " / "
          + usage.bytes()
          + (closed ? " (final)" : " (running total, not final)")
          + (note == null ? "" : ": " + note);
    }
  }

  private final YearMonth from;
  private final YearMonth to;
  private final ZoneId defaultZone;
  private final Map<String, ZoneId> zones = new HashMap<>(); // key -> its months' zone
  private final Map<String, IdSet> seen = new HashMap<>();
  private final Map<String, Map<String, long[]>> feedbackByKey = new TreeMap<>();
  private final Map<String, JsonNode> latest = new HashMap<>(); // key|period -> data
  private long permits;
  private long duplicates;

  /**
   * Compares the months {@code from} to {@code to}, both included; {@code defaultZone} places the
   * events of a key no usage record names (whose zone it therefore does not know).
   */
  public Reconciliation(YearMonth from, YearMonth to, ZoneId defaultZone) {
    if (to.isBefore(from)) {
      throw new BillingException("--to " + to + " is before --from " + from);
    }
    this.from = from;
    this.to = to;
    this.defaultZone = defaultZone;
  }

  static String key(String consumer, String provider, String contract, String dataset) {
    return consumer + "|" + provider + "|" + contract + "|" + dataset;
  }

  /**
   * Reads the usage first, in offset order (the last record of a key's month is the truth): it
   * names each key's zone. One record's {@code data}.
   */
  public void usage(JsonNode d) {
    String key =
        key(
            d.path("consumer").asText(null),
            d.path("provider").asText(null),
            d.path("contract").asText(null),
            d.path("dataset").asText(null));
    if (d.hasNonNull("zone")) {
      zones.put(key, ZoneId.of(d.get("zone").asText()));
    }
    String k = key + "\n" + d.path("period").asText();
    latest.put(k, d); // read last, latest (offset order within the key's partition)
  }

  /** One feedback event (after all the usage). */
  public void feedback(
      String id,
      String consumer,
      String provider,
      String contract,
      String dataset,
      boolean permit,
      long eventTime,
      long records,
      long bytes) {
    if (!permit) {
      return;
    }
    String key = key(consumer, provider, contract, dataset);
    ZoneId zone = zones.getOrDefault(key, defaultZone);
    YearMonth m = YearMonth.from(Instant.ofEpochMilli(eventTime).atZone(zone));
    if (m.isBefore(from) || m.isAfter(to)) {
      return;
    }
    if (!seen.computeIfAbsent(key, x -> new IdSet()).add(id)) {
      duplicates++;
      return;
    }
    permits++;
    long[] u =
        feedbackByKey
            .computeIfAbsent(key, x -> new TreeMap<>())
            .computeIfAbsent(m.toString(), x -> new long[3]);
    u[0]++;
    u[1] += records;
    u[2] += bytes;
  }

  /** Distinct permitted calls in the months compared. */
  public long permits() {
    return permits;
  }

  /** Feedback events seen again (counted once). */
  public long duplicates() {
    return duplicates;
  }

  /** Every key's month in range where the two disagree, in key and month order. */
  public List<Difference> differences() {
    // what the usage says of each key's month: its billable, and corrections for it anywhere
    Map<String, long[]> usage = new TreeMap<>();
    Map<String, Boolean> closed = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : latest.entrySet()) {
      String key = e.getKey().substring(0, e.getKey().indexOf('\n'));
      JsonNode d = e.getValue();
      String period = d.path("period").asText();
      closed.put(key + "\n" + period, d.path("final").asBoolean());
      long[] u = usage.computeIfAbsent(key + "\n" + period, x -> new long[3]);
      for (JsonNode b : d.path("billable")) {
        add(u, b);
      }
      for (JsonNode c : d.path("corrections")) {
        add(usage.computeIfAbsent(key + "\n" + c.path("period").asText(), x -> new long[3]), c);
      }
    }
    Map<String, long[]> fb = new TreeMap<>();
    feedbackByKey.forEach((key, months) -> months.forEach((m, u) -> fb.put(key + "\n" + m, u)));
    java.util.TreeSet<String> all = new java.util.TreeSet<>(fb.keySet());
    for (String k : usage.keySet()) {
      YearMonth m = YearMonth.parse(k.substring(k.indexOf('\n') + 1));
      if (!m.isBefore(from) && !m.isAfter(to)) {
        all.add(k);
      }
    }
    List<Difference> out = new ArrayList<>();
    for (String k : all) {
      long[] f = fb.getOrDefault(k, new long[3]);
      long[] u = usage.getOrDefault(k, new long[3]);
      if (f[0] == u[0] && f[1] == u[1] && f[2] == u[2]) {
        continue;
      }
      String key = k.substring(0, k.indexOf('\n'));
      String period = k.substring(k.indexOf('\n') + 1);
      String note = null;
      if (!usage.containsKey(k)) {
        note = "no usage record for this month";
      } else if (!fb.containsKey(k)) {
        note = "usage without any permitted call in the feedback";
      }
      out.add(
          new Difference(
              key,
              period,
              new Usage(f[0], f[1], f[2]),
              new Usage(u[0], u[1], u[2]),
              closed.getOrDefault(k, false),
              note));
    }
    return out;
  }

  private static void add(long[] u, JsonNode n) {
    u[0] += n.path("calls").asLong();
    u[1] += n.path("records").asLong();
    u[2] += n.path("bytes").asLong();
  }
}
