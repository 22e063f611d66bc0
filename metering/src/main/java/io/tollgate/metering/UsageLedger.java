package io.tollgate.metering;

import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The usage of one (consumer, provider, contract, dataset) by billing month: what the metering job
 * keeps per key, as plain Java. Events are deduplicated by id; a permit adds to its month's
 * billable usage under the contract version that decided it, a refusal to the month's non-billable
 * counts per reason. A month stays open until the watermark passes its end plus the grace (72 h by
 * default): events within the grace revise it; later ones become corrections in the earliest open
 * month, so a closed month's figures are never rewritten. Each emission of a month carries a
 * revision, one more than the last; the latest is the truth, the one that closes it final.
 *
 * <p>Not thread-safe (one per key, on its task).
 */
public final class UsageLedger {
  /** A decided call, as metering reads it from {@code tollgate.feedback}. */
  public record Event(
      String id,
      String decision,
      List<String> reasons,
      String version,
      long eventTime,
      long records,
      long bytes) {
    public Event {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(decision, "decision");
      reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }

    boolean permit() {
      return decision.equals("PERMIT");
    }
  }

  /**
   * What one month came to, at one revision.
   *
   * @param through the event time the ledger had counted up to (its watermark): every event before
   *     it that was not late is in
   * @param correctionBase for each month with corrections, what that month was billed for when it
   *     closed (and by corrections since), by version: a correction is priced as what it adds to
   *     that; empty when the ledger no longer remembers the month
   * @param used the contract's permitted calls as of {@code through}, for its remaining quota
   */
  public record Emission(
      String period,
      long start,
      long end,
      long revision,
      boolean closed,
      Map<String, Usage> billable,
      Map<String, Map<String, Usage>> corrections,
      Map<String, Long> refused,
      long through,
      Map<String, Map<String, Usage>> correctionBase,
      Used used) {}

  /** Permitted calls of one key: on the day and in the month of {@code through}, and ever. */
  public record Used(String day, long dayCalls, String month, long monthCalls, long totalCalls) {}

  private static final class Month {
    final BillingPeriod period;
    final LinkedHashMap<String, Usage> billable = new LinkedHashMap<>(); // by version
    // each version's earliest event time in the month: the versions' order, whatever order the
    // events arrived in (partitions, two enforcement points and replays interleave them)
    final HashMap<String, Long> firstUse = new HashMap<>();
    final TreeMap<String, Map<String, Usage>> corrections = new TreeMap<>(); // by closed month
    final TreeMap<String, Long> refused = new TreeMap<>(); // "deny:purpose", "throttle:rate"
    long revision;
    boolean dirty;

    Month(BillingPeriod period) {
      this.period = period;
    }

    LinkedHashMap<String, Usage> ordered() {
      return inOrder(billable, firstUse);
    }

    Emission emission(boolean closed, UsageLedger l) {
      revision++;
      dirty = false;
      Map<String, Map<String, Usage>> c = new TreeMap<>();
      Map<String, Map<String, Usage>> base = new TreeMap<>();
      corrections.forEach(
          (k, v) -> {
            c.put(k, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(v)));
            YearMonth ym = YearMonth.parse(k);
            Map<String, Usage> b = l.closed.get(ym);
            if (b != null) {
              base.put(k, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b)));
            } else if (l.forgottenThrough == null || ym.isAfter(l.forgottenThrough)) {
              base.put(k, Map.of()); // closed without usage
            } // else forgotten: no base, and Billing says so
          });
      return new Emission(
          period.id(),
          period.start(),
          period.end(),
          revision,
          closed,
          java.util.Collections.unmodifiableMap(ordered()),
          java.util.Collections.unmodifiableMap(c),
          java.util.Collections.unmodifiableMap(new TreeMap<>(refused)),
          l.now(),
          java.util.Collections.unmodifiableMap(base),
          l.used());
    }
  }

  /** 9999-01-01T00:00:00Z: the latest time the ledger reckons with. */
  public static final long HORIZON = 253370764800000L;

  /** The versions by their earliest event time in the month (ties: by version). */
  private static LinkedHashMap<String, Usage> inOrder(
      Map<String, Usage> billable, Map<String, Long> firstUse) {
    List<String> vs = new ArrayList<>(billable.keySet());
    vs.sort(
        java.util.Comparator.<String>comparingLong(v -> firstUse.getOrDefault(v, Long.MAX_VALUE))
            .thenComparing(java.util.Comparator.naturalOrder()));
    LinkedHashMap<String, Usage> out = new LinkedHashMap<>();
    for (String v : vs) {
      out.put(v, billable.get(v));
    }
    return out;
  }

  /** How many closed months' billed usage is kept, to price their corrections. */
  static final int CLOSED_KEPT = 13;

  private final ZoneId zone;
  private final long graceMillis;
  private final long retentionMillis;
  private final TreeMap<YearMonth, Month> open = new TreeMap<>();
  private final IdSet seen = new IdSet();
  // the ids by the hour after which they may be forgotten: whole hours are dropped at once
  private final TreeMap<Long, IdSet> forgetAt = new TreeMap<>();
  // what closed months were billed for, by version (their final usage plus corrections since)
  private final TreeMap<YearMonth, LinkedHashMap<String, Usage>> closed = new TreeMap<>();
  // permitted calls by day, for the days a quota may still ask about
  private final TreeMap<java.time.LocalDate, Long> days = new TreeMap<>();
  private long totalCalls;
  private YearMonth closedThrough;
  private YearMonth forgottenThrough; // the latest closed month whose billed usage was dropped
  private long watermark = Long.MIN_VALUE;
  private long latest = Long.MIN_VALUE; // the latest event time counted

  /** Ids kept for the grace, and at least a day (a restore replays minutes, not days). */
  public UsageLedger(ZoneId zone, long graceMillis) {
    this(zone, graceMillis, Math.max(graceMillis, 86_400_000L));
  }

  /**
   * @param zone the contract's zone (its months' boundaries)
   * @param graceMillis how long after a month's end events still revise it
   * @param retentionMillis how long an id is remembered after its month closed, or after the grace
   *     past the watermark when it came if that is later: a duplicate later than that would count
   *     again (as a correction)
   */
  public UsageLedger(ZoneId zone, long graceMillis, long retentionMillis) {
    if (graceMillis < 0 || retentionMillis < 0) {
      throw new IllegalArgumentException(
          "grace and retention cannot be negative: " + graceMillis + ", " + retentionMillis);
    }
    this.zone = zone;
    this.graceMillis = graceMillis;
    this.retentionMillis = retentionMillis;
  }

  /**
   * Counts {@code e} once: false when an event of that id was counted already (a duplicate is not
   * an error; it changes nothing).
   */
  public boolean add(Event e) {
    if (e.eventTime() < 0 || e.eventTime() >= HORIZON) {
      throw new IllegalArgumentException(
          "event " + e.id() + ": time " + e.eventTime() + " is outside 1970 to 9999");
    }
    if (e.records() < 0 || e.bytes() < 0 || e.records() > 1L << 40 || e.bytes() > 1L << 40) {
      throw new IllegalArgumentException(
          "event " + e.id() + ": records and bytes must be 0 to 2^40");
    }
    BillingPeriod p = BillingPeriod.of(e.eventTime(), zone);
    if (!seen.add(e.id())) {
      return false;
    }
    boolean late = closedThrough != null && !p.month().isAfter(closedThrough);
    Month m = late ? month(earliestOpen()) : month(p.month());
    // remembered while the month it counted in is open (a duplicate then must never count twice),
    // and for the retention after the later of that and the grace after it came
    long forget =
        sat(
            Math.max(
                sat(m.period.end(), graceMillis),
                sat(Math.max(e.eventTime(), watermark), graceMillis)),
            retentionMillis);
    forgetAt.computeIfAbsent(forget / 3_600_000L + 1, k -> new IdSet()).add(e.id());
    latest = Math.max(latest, e.eventTime());
    if (e.permit()) {
      totalCalls++;
      days.merge(
          java.time.Instant.ofEpochMilli(e.eventTime()).atZone(zone).toLocalDate(), 1L, Long::sum);
      Map<String, Usage> into =
          late ? m.corrections.computeIfAbsent(p.id(), k -> new LinkedHashMap<>()) : m.billable;
      String v = e.version() == null ? "" : e.version();
      into.merge(v, new Usage(1, e.records(), e.bytes()), Usage::plus);
      if (!late) {
        m.firstUse.merge(v, e.eventTime(), Math::min);
      }
    } else {
      String d = e.decision().toLowerCase(java.util.Locale.ROOT);
      if (e.reasons().isEmpty()) {
        m.refused.merge(d, 1L, Long::sum);
      }
      for (String r : e.reasons()) {
        m.refused.merge(d + ":" + r, 1L, Long::sum);
      }
    }
    m.dirty = true;
    return true;
  }

  /**
   * The watermark moves to {@code watermark}: the months whose end plus the grace it passed close
   * (each with its final emission, in order), and ids no event can repeat any more are forgotten.
   */
  public List<Emission> advance(long watermark) {
    // the end of input (Long.MAX_VALUE) and any time past the year 9999 close everything there is
    watermark = Math.min(watermark, HORIZON);
    List<Emission> out = new ArrayList<>();
    if (watermark <= this.watermark) {
      return out;
    }
    this.watermark = watermark;
    while (!open.isEmpty()) {
      Map.Entry<YearMonth, Month> first = open.firstEntry();
      if (first.getValue().period.end() + graceMillis > watermark) {
        break;
      }
      Month m = first.getValue();
      out.add(m.emission(true, this));
      open.remove(first.getKey());
      closedThrough = first.getKey();
      closed.put(first.getKey(), m.ordered());
      m.corrections.forEach(
          (period, byVersion) -> {
            LinkedHashMap<String, Usage> c = closed.get(YearMonth.parse(period));
            if (c != null) {
              // in version order, as Billing priced them
              new TreeMap<>(byVersion).forEach((v, u) -> c.merge(v, u, Usage::plus));
            }
          });
      while (closed.size() > CLOSED_KEPT) {
        forgottenThrough = closed.pollFirstEntry().getKey();
      }
    }
    // months with no events close too: a late event must not reopen them
    // (every month before the one holding watermark - grace has ended more than the grace ago)
    YearMonth byClock = BillingPeriod.of(watermark - graceMillis, zone).month().minusMonths(1);
    if (closedThrough == null || byClock.isAfter(closedThrough)) {
      closedThrough = byClock;
    }
    while (!forgetAt.isEmpty() && forgetAt.firstKey() * 3_600_000L <= watermark) {
      seen.removeAll(forgetAt.pollFirstEntry().getValue());
    }
    // a day's count is kept while an event of it may still come within the grace
    java.time.LocalDate oldest =
        java.time.Instant.ofEpochMilli(sat(watermark, -graceMillis))
            .atZone(zone)
            .toLocalDate()
            .minusDays(1);
    while (!days.isEmpty() && days.firstKey().isBefore(oldest)) {
      days.pollFirstEntry();
    }
    return out;
  }

  /** A running total of every open month that changed since its last emission. */
  public List<Emission> flush() {
    List<Emission> out = new ArrayList<>();
    for (Month m : open.values()) {
      if (m.dirty) {
        out.add(m.emission(false, this));
      }
    }
    return out;
  }

  private static long sat(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  /** When each open month closes: its end plus the grace (the job's timers). */
  public List<Long> closeTimes() {
    List<Long> out = new ArrayList<>();
    for (Month m : open.values()) {
      out.add(sat(m.period.end(), graceMillis));
    }
    return out;
  }

  /** When the next ids may be forgotten, or null when none are remembered. */
  public Long nextForget() {
    return forgetAt.isEmpty() ? null : forgetAt.firstKey() * 3_600_000L;
  }

  /**
   * No open month and no id remembered: nothing left to keep but the key's total (which {@link
   * #used} reports), and what closed months were billed for.
   */
  public boolean empty() {
    return open.isEmpty() && seen.isEmpty();
  }

  /** The zone of the ledger's months. */
  public ZoneId zone() {
    return zone;
  }

  /** Ids remembered for deduplication. */
  public long remembered() {
    return seen.size();
  }

  /** The ledger's present: its watermark, or the latest event it counted when that is later. */
  long now() {
    return Math.max(watermark, latest);
  }

  /** The permitted calls on the day and in the month of {@link #now()}, and in total. */
  public Used used() {
    long now = now();
    if (now == Long.MIN_VALUE) {
      return new Used(null, 0, null, 0, totalCalls);
    }
    java.time.LocalDate day = java.time.Instant.ofEpochMilli(now).atZone(zone).toLocalDate();
    YearMonth ym = YearMonth.from(day);
    long month = 0;
    Month m = open.get(ym);
    if (m != null) {
      for (Usage u : m.billable.values()) {
        month += u.calls();
      }
    }
    return new Used(day.toString(), days.getOrDefault(day, 0L), ym.toString(), month, totalCalls);
  }

  /** Where late events go: the month after the last closed one (open by definition). */
  private YearMonth earliestOpen() {
    return closedThrough.plusMonths(1);
  }

  private Month month(YearMonth ym) {
    return open.computeIfAbsent(ym, k -> new Month(BillingPeriod.of(k, zone)));
  }

  // ---- state, as bytes (the metering job keeps a ledger per key in Flink state) ----

  private static final int FORMAT = 3; // 2: without first uses and the forgotten month

  /**
   * The ledger as bytes: its watermark, the last closed month, the open months and the ids it
   * remembers. {@link #read} gives back a ledger that behaves the same from there on.
   */
  public byte[] write() {
    try {
      java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
      java.io.DataOutputStream o = new java.io.DataOutputStream(b);
      o.writeByte(FORMAT);
      o.writeUTF(zone.getId());
      o.writeLong(graceMillis);
      o.writeLong(retentionMillis);
      o.writeLong(watermark);
      o.writeBoolean(closedThrough != null);
      if (closedThrough != null) {
        o.writeInt(closedThrough.getYear());
        o.writeByte(closedThrough.getMonthValue());
      }
      o.writeInt(open.size());
      for (Month m : open.values()) {
        o.writeInt(m.period.month().getYear());
        o.writeByte(m.period.month().getMonthValue());
        o.writeLong(m.revision);
        o.writeBoolean(m.dirty);
        usages(o, m.billable);
        o.writeInt(m.firstUse.size());
        for (Map.Entry<String, Long> f : new TreeMap<>(m.firstUse).entrySet()) {
          o.writeUTF(f.getKey());
          o.writeLong(f.getValue());
        }
        o.writeInt(m.corrections.size());
        for (Map.Entry<String, Map<String, Usage>> c : m.corrections.entrySet()) {
          o.writeUTF(c.getKey());
          usages(o, c.getValue());
        }
        o.writeInt(m.refused.size());
        for (Map.Entry<String, Long> r : m.refused.entrySet()) {
          o.writeUTF(r.getKey());
          o.writeLong(r.getValue());
        }
      }
      o.writeInt(forgetAt.size());
      for (Map.Entry<Long, IdSet> f : forgetAt.entrySet()) {
        o.writeLong(f.getKey());
        f.getValue().write(o);
      }
      o.writeLong(latest);
      o.writeLong(totalCalls);
      o.writeInt(closed.size());
      for (Map.Entry<YearMonth, LinkedHashMap<String, Usage>> c : closed.entrySet()) {
        o.writeInt(c.getKey().getYear());
        o.writeByte(c.getKey().getMonthValue());
        usages(o, c.getValue());
      }
      o.writeBoolean(forgottenThrough != null);
      if (forgottenThrough != null) {
        o.writeInt(forgottenThrough.getYear());
        o.writeByte(forgottenThrough.getMonthValue());
      }
      o.writeInt(days.size());
      for (Map.Entry<java.time.LocalDate, Long> d : days.entrySet()) {
        o.writeLong(d.getKey().toEpochDay());
        o.writeLong(d.getValue());
      }
      o.flush();
      return b.toByteArray();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void usages(java.io.DataOutputStream o, Map<String, Usage> m)
      throws java.io.IOException {
    o.writeInt(m.size());
    for (Map.Entry<String, Usage> e : m.entrySet()) {
      o.writeUTF(e.getKey());
      o.writeLong(e.getValue().calls());
      o.writeLong(e.getValue().records());
      o.writeLong(e.getValue().bytes());
    }
  }

  /**
   * A ledger read back from {@link #write}'s bytes (its zone, grace and retention with it).
   *
   * @throws IllegalArgumentException when the bytes are not a ledger of this format
   */
  public static UsageLedger read(byte[] bytes) {
    try {
      java.io.DataInputStream in =
          new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes));
      int format = in.readUnsignedByte();
      if (format != FORMAT && format != 2) {
        throw new IllegalArgumentException(
            "not a usage ledger of format " + FORMAT + ": " + format);
      }
      UsageLedger l = new UsageLedger(ZoneId.of(in.readUTF()), in.readLong(), in.readLong());
      l.watermark = in.readLong();
      if (in.readBoolean()) {
        l.closedThrough = YearMonth.of(in.readInt(), in.readUnsignedByte());
      }
      int months = in.readInt();
      for (int i = 0; i < months; i++) {
        Month m = l.month(YearMonth.of(in.readInt(), in.readUnsignedByte()));
        m.revision = in.readLong();
        m.dirty = in.readBoolean();
        readUsages(in, m.billable);
        int firsts = format >= 3 ? in.readInt() : 0;
        for (int f = 0; f < firsts; f++) {
          m.firstUse.put(in.readUTF(), in.readLong());
        }
        int corrections = in.readInt();
        for (int c = 0; c < corrections; c++) {
          String period = in.readUTF();
          readUsages(in, m.corrections.computeIfAbsent(period, k -> new LinkedHashMap<>()));
        }
        int refused = in.readInt();
        for (int r = 0; r < refused; r++) {
          m.refused.put(in.readUTF(), in.readLong());
        }
      }
      int buckets = in.readInt();
      for (int i = 0; i < buckets; i++) {
        long at = in.readLong();
        IdSet ids = IdSet.read(in);
        l.forgetAt.put(at, ids);
      }
      // every remembered id is in exactly one bucket: the set is their union
      for (IdSet ids : l.forgetAt.values()) {
        l.seen.addAll(ids);
      }
      l.latest = in.readLong();
      l.totalCalls = in.readLong();
      int closedMonths = in.readInt();
      for (int i = 0; i < closedMonths; i++) {
        LinkedHashMap<String, Usage> c = new LinkedHashMap<>();
        l.closed.put(YearMonth.of(in.readInt(), in.readUnsignedByte()), c);
        readUsages(in, c);
      }
      if (format >= 3 && in.readBoolean()) {
        l.forgottenThrough = YearMonth.of(in.readInt(), in.readUnsignedByte());
      }
      int dayCount = in.readInt();
      for (int i = 0; i < dayCount; i++) {
        l.days.put(java.time.LocalDate.ofEpochDay(in.readLong()), in.readLong());
      }
      if (in.read() != -1) {
        throw new IllegalArgumentException("trailing bytes after a usage ledger");
      }
      return l;
    } catch (java.io.IOException | java.time.DateTimeException e) {
      throw new IllegalArgumentException("not a usage ledger: " + e, e);
    }
  }

  private static void readUsages(java.io.DataInputStream in, Map<String, Usage> into)
      throws java.io.IOException {
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      into.put(in.readUTF(), new Usage(in.readLong(), in.readLong(), in.readLong()));
    }
  }
}
