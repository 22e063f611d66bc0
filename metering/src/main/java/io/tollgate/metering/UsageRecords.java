package io.tollgate.metering;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.HexFormat;
import java.util.Map;

/**
 * The records of {@code tollgate.usage}: CloudEvents 1.0 in structured mode (JSON), so that billing
 * systems that ingest CloudEvents read them as they are ({@code docs/events.md}). One record is one
 * revision of one key's month; its {@code id} is derived from the key, the month and the revision
 * (the same emission written again after a restore has the same id).
 */
public final class UsageRecords {
  public static final String TYPE = "io.tollgate.usage.v1";
  public static final String SOURCE = "/tollgate/metering";
  private static final ObjectMapper JSON = new ObjectMapper();

  private UsageRecords() {}

  /** Whose usage: one contract of one consumer with one provider for one dataset. */
  public record Key(String consumer, String provider, String contract, String dataset) {
    String text() {
      return consumer + "|" + provider + "|" + contract + "|" + dataset;
    }
  }

  /** The CloudEvent of {@code e} without amounts or quota (tests of the counting alone). */
  public static byte[] write(Key key, ZoneId zone, UsageLedger.Emission e, long time) {
    return write(key, zone, e, time, null, null);
  }

  /**
   * The CloudEvent of {@code e}, a revision of {@code key}'s month, emitted at {@code time}.
   *
   * @param priced its amounts ({@link Billing#price}), or null to leave them out
   * @param terms the contract's latest terms, for the remaining quota, or null
   */
  public static byte[] write(
      Key key,
      ZoneId zone,
      UsageLedger.Emission e,
      long time,
      Billing.Priced priced,
      ContractTerms terms) {
    ObjectNode ce = JSON.createObjectNode();
    ce.put("specversion", "1.0");
    ce.put("id", id(key, e.period(), e.revision()));
    ce.put("source", SOURCE);
    ce.put("type", TYPE);
    ce.put("subject", key.consumer());
    ce.put("time", Instant.ofEpochMilli(time).toString());
    ce.put("datacontenttype", "application/json");
    ObjectNode d = ce.putObject("data");
    d.put("consumer", key.consumer());
    d.put("provider", key.provider());
    d.put("contract", key.contract());
    d.put("dataset", key.dataset());
    d.put("period", e.period());
    d.put("zone", zone.getId());
    d.put("start", rfc3339(e.start(), zone));
    d.put("end", rfc3339(e.end(), zone));
    d.put("revision", e.revision());
    d.put("final", e.closed());
    usage(d.putArray("billable"), e.billable(), null);
    ArrayNode c = d.putArray("corrections");
    e.corrections().forEach((period, byVersion) -> usage(c, byVersion, period));
    ObjectNode refused = d.putObject("refused");
    e.refused().forEach(refused::put);
    if (e.through() != Long.MIN_VALUE) {
      d.put("through", rfc3339(e.through(), zone));
    }
    if (priced != null) {
      amounts(d, priced);
    }
    if (e.used() != null) {
      quota(d.putObject("quota"), e.used(), terms);
    }
    try {
      return JSON.writeValueAsBytes(ce);
    } catch (IOException ex) {
      throw new IllegalStateException(ex);
    }
  }

  private static void usage(ArrayNode into, Map<String, Usage> byVersion, String period) {
    byVersion.forEach(
        (version, u) -> {
          ObjectNode o = into.addObject();
          if (period != null) {
            o.put("period", period);
          }
          o.put("policyVersion", version);
          o.put("calls", u.calls());
          o.put("records", u.records());
          o.put("bytes", u.bytes());
        });
  }

  private static void amounts(ObjectNode d, Billing.Priced priced) {
    if (!priced.ok()) {
      d.putNull("amount");
      d.put("unpriced", priced.error());
      return;
    }
    Pricing.Bill b = priced.bill();
    if (!b.currency().isEmpty()) {
      d.put("currency", b.currency());
    }
    d.put("amount", b.total().toPlainString());
    d.put("commission", b.commission().toPlainString());
    d.put("providerShare", b.provider().toPlainString());
    ArrayNode lines = d.putArray("lines");
    for (Line l : b.lines()) {
      ObjectNode o = lines.addObject();
      o.put("kind", l.kind());
      o.put("what", l.what());
      if (l.version() > 0) {
        o.put("policyVersion", priced.versions().get((int) l.version() - 1));
      }
      o.put("quantity", l.quantity().toPlainString());
      if (l.unitPrice() != null) {
        o.put("unitPrice", l.unitPrice().toPlainString());
      }
      o.put("amount", l.amount().toPlainString());
      o.put("commission", l.commission().toPlainString());
      o.put("providerShare", l.provider().toPlainString());
    }
  }

  private static void quota(ObjectNode q, UsageLedger.Used u, ContractTerms t) {
    if (u.day() != null) {
      window(q.putObject("day"), "date", u.day(), u.dayCalls(), t == null ? -1 : t.dayQuota());
      window(
          q.putObject("month"),
          "month",
          u.month(),
          u.monthCalls(),
          t == null ? -1 : t.monthQuota());
    }
    window(q.putObject("total"), null, null, u.totalCalls(), t == null ? -1 : t.totalLimit());
  }

  private static void window(ObjectNode o, String name, String value, long used, long limit) {
    if (name != null) {
      o.put(name, value);
    }
    o.put("used", used);
    if (limit >= 0) {
      o.put("limit", limit);
      o.put("left", Math.max(0, limit - used));
    } else {
      o.putNull("limit"); // no such limit: unlimited
      o.putNull("left");
    }
  }

  /** {@code 2026-11-01T00:00:00+08:00}: RFC 3339, seconds always written. */
  static String rfc3339(long epochMillis, ZoneId zone) {
    return java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(
        ZonedDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), zone)
            .toOffsetDateTime()
            .withNano(0));
  }

  /** The record's id: the first 128 bits of SHA-256 over key, month and revision, in hex. */
  public static String id(Key key, String period, long revision) {
    try {
      byte[] h =
          MessageDigest.getInstance("SHA-256")
              .digest(
                  (key.text() + "|" + period + "|" + revision).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 16);
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException(ex);
    }
  }

  /**
   * A usage record read back (its {@code data}).
   *
   * @throws IllegalArgumentException when it is not a usage record of this type
   */
  public static JsonNode data(byte[] record) {
    try {
      JsonNode n = JSON.readTree(record);
      if (n == null || !TYPE.equals(n.path("type").asText()) || !n.has("data")) {
        throw new IllegalArgumentException("not a usage record of type " + TYPE);
      }
      return n.get("data");
    } catch (IOException ex) {
      throw new IllegalArgumentException("not a usage record: " + ex.getMessage(), ex);
    }
  }
}
