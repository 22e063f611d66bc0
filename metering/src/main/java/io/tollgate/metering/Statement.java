package io.tollgate.metering;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One consumer's statement for one month, from the records of {@code tollgate.usage}: per contract
 * and dataset the latest revision of the month (the truth), its lines (quantities, unit prices,
 * tiers, corrections), subtotal, commission, provider share, total.
 */
public final class Statement {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One contract and dataset's month. */
  public record Item(
      String contract,
      String provider,
      String dataset,
      String period,
      long revision,
      boolean closed,
      String through,
      String currency,
      List<JsonNode> lines,
      BigDecimal amount,
      BigDecimal commission,
      BigDecimal providerShare,
      long calls,
      Map<String, Long> refused,
      String unpriced) {}

  private final String consumer;
  private final String month;
  private final List<Item> items;

  private Statement(String consumer, String month, List<Item> items) {
    this.consumer = consumer;
    this.month = month;
    this.items = items;
  }

  public String consumer() {
    return consumer;
  }

  public String month() {
    return month;
  }

  public List<Item> items() {
    return items;
  }

  /** The items that could not be priced, with why. */
  public List<Item> unpriced() {
    return items.stream().filter(i -> i.unpriced() != null).toList();
  }

  /** Totals by currency. */
  public Map<String, BigDecimal[]> totals() {
    Map<String, BigDecimal[]> t = new TreeMap<>();
    for (Item i : items) {
      if (i.unpriced() != null || i.currency() == null) {
        continue;
      }
      BigDecimal[] s =
          t.computeIfAbsent(
              i.currency(),
              k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO});
      s[0] = s[0].add(i.amount());
      s[1] = s[1].add(i.commission());
      s[2] = s[2].add(i.providerShare());
    }
    return t;
  }

  /**
   * The statement of {@code consumer} for {@code month} from usage records' {@code data}, in the
   * order they were read (by offset within a partition): of a month's records, the last is the
   * truth.
   *
   * @throws BillingException for a consumer or month without usage, or a month with nothing billed
   */
  public static Statement of(List<JsonNode> usage, String consumer, YearMonth month) {
    return of(usage, consumer, month, List.of());
  }

  /**
   * A contract in force for a span of time, with its latest terms: a month it covers owes the
   * subscription's fee and the minimum even without a single call.
   *
   * @param from when it was first published (epoch ms)
   * @param until when it was revoked, or {@code Long.MAX_VALUE}
   */
  public record Standing(ContractTerms terms, long from, long until) {
    boolean covers(YearMonth m) {
      BillingPeriod p = BillingPeriod.of(m, terms.zone());
      return from < p.end() && until > p.start();
    }

    boolean monthly() {
      return terms.price() != null
          && (terms.price().subscription() != null || terms.price().minimum() != null);
    }
  }

  /**
   * As {@link #of(List, String, YearMonth)}, and a month of a contract in {@code standing} with a
   * subscription or a minimum but without usage is billed its fee and minimum (an item of revision
   * 0, "no usage this month").
   */
  public static Statement of(
      List<JsonNode> usage, String consumer, YearMonth month, List<Standing> standing) {
    String period = month.toString();
    TreeSet<String> consumers = new TreeSet<>();
    TreeSet<String> months = new TreeSet<>();
    Map<String, JsonNode> latest = new TreeMap<>(); // contract|dataset|provider -> data
    for (JsonNode d : usage) {
      String c = d.path("consumer").asText(null);
      consumers.add(String.valueOf(c));
      if (!consumer.equals(c)) {
        continue;
      }
      months.add(d.path("period").asText());
      if (!period.equals(d.path("period").asText())) {
        continue;
      }
      String k =
          d.path("contract").asText()
              + "|"
              + d.path("dataset").asText()
              + "|"
              + d.path("provider").asText();
      // the one read last is the latest: a key's records share a partition (keyed by consumer)
      // and are read in offset order; its revision restarts at 1 after a start without state
      latest.put(k, d);
    }
    List<Item> fees = new ArrayList<>();
    for (Standing st : standing) {
      ContractTerms t = st.terms();
      boolean used =
          latest.keySet().stream()
              .anyMatch(k -> k.startsWith(t.contract() + "|" + t.dataset() + "|"));
      if (consumer.equals(t.consumer()) && st.monthly() && st.covers(month) && !used) {
        fees.add(fee(t, period));
      }
    }
    if (!consumers.contains(consumer) && fees.isEmpty()) {
      throw new BillingException(
          "no usage of consumer \""
              + consumer
              + "\" in tollgate.usage"
              + (consumers.isEmpty()
                  ? " (it holds no usage at all)"
                  : "; consumers with usage: " + String.join(", ", consumers)));
    }
    if (latest.isEmpty() && fees.isEmpty()) {
      throw new BillingException(
          "consumer \""
              + consumer
              + "\" has no usage in "
              + period
              + "; months with usage: "
              + String.join(", ", months));
    }
    List<Item> items = new ArrayList<>();
    long billed = 0;
    long refused = 0;
    for (JsonNode d : latest.values()) {
      long calls = 0;
      for (JsonNode b : d.path("billable")) {
        calls += b.path("calls").asLong();
      }
      for (JsonNode c : d.path("corrections")) {
        calls += c.path("calls").asLong();
      }
      Map<String, Long> ref = new TreeMap<>();
      d.path("refused").fields().forEachRemaining(e -> ref.put(e.getKey(), e.getValue().asLong()));
      for (long v : ref.values()) {
        refused += v;
      }
      billed += calls;
      String unpriced = d.hasNonNull("unpriced") ? d.get("unpriced").asText() : null;
      if (unpriced == null && !d.has("amount")) {
        unpriced = "the record carries no amounts (written by a metering job without prices)";
      }
      List<JsonNode> lines = new ArrayList<>();
      d.path("lines").forEach(lines::add);
      items.add(
          new Item(
              d.path("contract").asText(),
              d.path("provider").asText(),
              d.path("dataset").asText(),
              period,
              d.path("revision").asLong(),
              d.path("final").asBoolean(),
              d.path("through").asText(null),
              d.path("currency").asText(null),
              lines,
              unpriced != null ? null : new BigDecimal(d.path("amount").asText("0")),
              unpriced != null ? null : new BigDecimal(d.path("commission").asText("0")),
              unpriced != null ? null : new BigDecimal(d.path("providerShare").asText("0")),
              calls,
              ref,
              unpriced));
    }
    items.addAll(fees);
    if (billed == 0 && fees.isEmpty()) {
      throw new BillingException(
          "consumer \""
              + consumer
              + "\" had nothing billable in "
              + period
              + ": 0 permitted calls, "
              + refused
              + " refused");
    }
    return new Statement(consumer, period, items);
  }

  /** The item of a month without usage: the subscription's fee and the minimum, nothing else. */
  private static Item fee(ContractTerms t, String period) {
    Pricing.Bill b = Pricing.month(List.of(new Pricing.VersionUsage(1, t.price(), Usage.NONE)));
    List<JsonNode> lines = new ArrayList<>();
    for (Line l : b.lines()) {
      ObjectNode o = JSON.createObjectNode();
      o.put("kind", l.kind());
      o.put("what", l.what() + ", no usage this month");
      o.put("policyVersion", t.version());
      o.put("quantity", l.quantity().toPlainString());
      o.put("unitPrice", l.unitPrice().toPlainString());
      o.put("amount", l.amount().toPlainString());
      o.put("commission", l.commission().toPlainString());
      o.put("providerShare", l.provider().toPlainString());
      lines.add(o);
    }
    return new Item(
        t.contract(),
        t.provider(),
        t.dataset(),
        period,
        0,
        false,
        null,
        b.currency(),
        lines,
        b.total(),
        b.commission(),
        b.provider(),
        0,
        Map.of(),
        null);
  }

  /** As a table for people. */
  public String text() {
    StringBuilder b = new StringBuilder();
    b.append("Statement for ").append(consumer).append(", ").append(month).append('\n');
    for (Item i : items) {
      b.append('\n')
          .append(i.contract())
          .append(" (")
          .append(i.dataset())
          .append(", provider ")
          .append(i.provider())
          .append("): revision ")
          .append(i.revision())
          .append(
              i.revision() == 0
                  ? ": no usage this month, its monthly terms"
                  : i.closed()
                      ? ", final"
                      : ", running total through " + i.through() + ", not final")
          .append('\n');
      if (i.unpriced() != null) {
        b.append("  NOT PRICED: ").append(i.unpriced()).append('\n');
        continue;
      }
      b.append(
          String.format(
              Locale.ROOT,
              "  %-12s %-34s %14s %16s %12s %12s %12s%n",
              "kind",
              "what",
              "quantity",
              "unit price",
              "amount",
              "commission",
              "provider"));
      for (JsonNode l : i.lines()) {
        b.append(
            String.format(
                Locale.ROOT,
                "  %-12s %-34s %14s %16s %12s %12s %12s%n",
                l.path("kind").asText(),
                l.path("what").asText(),
                l.path("quantity").asText(),
                l.path("unitPrice").asText("-"),
                l.path("amount").asText(),
                l.path("commission").asText(),
                l.path("providerShare").asText()));
      }
      b.append(
          String.format(
              Locale.ROOT,
              "  %-12s %-34s %14s %16s %12s %12s %12s%n",
              "subtotal",
              i.calls() + " billable calls",
              "",
              i.currency() == null ? "" : i.currency(),
              i.amount().toPlainString(),
              i.commission().toPlainString(),
              i.providerShare().toPlainString()));
      if (!i.refused().isEmpty()) {
        b.append("  refused, not billed: ").append(i.refused()).append('\n');
      }
    }
    b.append('\n');
    totals()
        .forEach(
            (cur, t) ->
                b.append(
                    String.format(
                        Locale.ROOT,
                        "Total %s %s (commission %s, provider share %s)%n",
                        t[0].toPlainString(),
                        cur,
                        t[1].toPlainString(),
                        t[2].toPlainString())));
    if (!unpriced().isEmpty()) {
      b.append(unpriced().size()).append(" item(s) not priced: the total leaves them out\n");
    }
    return b.toString();
  }

  /** As JSON. */
  public String json() {
    ObjectNode o = JSON.createObjectNode();
    o.put("consumer", consumer);
    o.put("month", month);
    ArrayNode a = o.putArray("items");
    for (Item i : items) {
      ObjectNode n = a.addObject();
      n.put("contract", i.contract());
      n.put("dataset", i.dataset());
      n.put("provider", i.provider());
      n.put("revision", i.revision());
      n.put("final", i.closed());
      n.put("billableCalls", i.calls());
      if (i.unpriced() != null) {
        n.put("unpriced", i.unpriced());
        continue;
      }
      if (i.currency() != null) {
        n.put("currency", i.currency());
      }
      ArrayNode lines = n.putArray("lines");
      i.lines().forEach(lines::add);
      n.put("subtotal", i.amount().toPlainString());
      n.put("commission", i.commission().toPlainString());
      n.put("providerShare", i.providerShare().toPlainString());
      ObjectNode r = n.putObject("refused");
      i.refused().forEach(r::put);
    }
    ObjectNode t = o.putObject("totals");
    totals()
        .forEach(
            (cur, s) -> {
              ObjectNode c = t.putObject(cur);
              c.put("total", s[0].toPlainString());
              c.put("commission", s[1].toPlainString());
              c.put("providerShare", s[2].toPlainString());
            });
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** As CSV (RFC 4180): one row per line, then a subtotal row per item. */
  public String csv() {
    StringBuilder b = new StringBuilder();
    b.append(
        "consumer,month,contract,dataset,provider,revision,final,kind,what,policyVersion,quantity,unitPrice,currency,amount,commission,providerShare\r\n");
    for (Item i : items) {
      String head =
          String.join(
              ",",
              csv(consumer),
              month,
              csv(i.contract()),
              csv(i.dataset()),
              csv(i.provider()),
              Long.toString(i.revision()),
              Boolean.toString(i.closed()));
      if (i.unpriced() != null) {
        b.append(head).append(",unpriced,").append(csv(i.unpriced())).append(",,,,,,,\r\n");
        continue;
      }
      for (JsonNode l : i.lines()) {
        b.append(head)
            .append(',')
            .append(csv(l.path("kind").asText()))
            .append(',')
            .append(csv(l.path("what").asText()))
            .append(',')
            .append(csv(l.path("policyVersion").asText("")))
            .append(',')
            .append(l.path("quantity").asText())
            .append(',')
            .append(l.path("unitPrice").asText(""))
            .append(',')
            .append(i.currency() == null ? "" : i.currency())
            .append(',')
            .append(l.path("amount").asText())
            .append(',')
            .append(l.path("commission").asText())
            .append(',')
            .append(l.path("providerShare").asText())
            .append("\r\n");
      }
      b.append(head)
          .append(",subtotal,,,")
          .append(i.calls())
          .append(",,")
          .append(i.currency() == null ? "" : i.currency())
          .append(',')
          .append(i.amount().toPlainString())
          .append(',')
          .append(i.commission().toPlainString())
          .append(',')
          .append(i.providerShare().toPlainString())
          .append("\r\n");
    }
    return b.toString();
  }

  static String csv(String s) {
    if (s == null) {
      return "";
    }
    if (!s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0) {
      s = "'" + s; // a spreadsheet must not read a consumer's id as a formula
    }
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }
}
