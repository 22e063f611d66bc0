package io.tollgate.policy.source;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.policy.Action;
import io.tollgate.policy.Channel;
import io.tollgate.policy.Diagnostic;
import io.tollgate.policy.MaskMethod;
import io.tollgate.policy.model.AtomicConstraint;
import io.tollgate.policy.model.Constraint;
import io.tollgate.policy.model.Duty;
import io.tollgate.policy.model.LeftOperand;
import io.tollgate.policy.model.OpaReference;
import io.tollgate.policy.model.Operator;
import io.tollgate.policy.model.Origin;
import io.tollgate.policy.model.Policy;
import io.tollgate.policy.model.Polygon;
import io.tollgate.policy.model.Price;
import io.tollgate.policy.model.Quota;
import io.tollgate.policy.model.Rate;
import io.tollgate.policy.model.Rule;
import io.tollgate.policy.model.TimeWindow;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The concise YAML contract form operators write. One file may hold several contracts separated by
 * {@code ---}. See {@code docs/contracts.md} for every key. Strict: an unknown key, a wrong type,
 * an unparseable instant or polygon, an empty list or an inverted window is an error naming the
 * file, line, JSON pointer, what was expected and what was found.
 */
public final class YamlContractSource implements PolicySource {
  static final Set<String> TOP_KEYS =
      Set.of(
          "contract",
          "provider",
          "consumer",
          "dataset",
          "actions",
          "purposes",
          "valid",
          "hours",
          "days",
          "zone",
          "fields",
          "regions",
          "geofence",
          "channels",
          "limits",
          "price",
          "opa");
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@/-]{0,199}");
  private static final Pattern REGION = Pattern.compile("[A-Z]{2}(-[A-Z0-9]{1,3})?");
  private static final Pattern HHMM = Pattern.compile("([01][0-9]|2[0-3]):([0-5][0-9])");
  private static final Pattern RATE = Pattern.compile("([0-9]{1,10})\\s*/\\s*(s|min|h)");
  private static final Pattern QUOTA = Pattern.compile("([0-9]{1,12})\\s*/\\s*(day|month)");
  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
  private static final long MAX_RATE = 1_000_000_000L;
  private static final Pattern AMOUNT = Pattern.compile("[0-9]{1,15}(\\.[0-9]{1,12})?");
  private static final Pattern DAY = Pattern.compile("MON|TUE|WED|THU|FRI|SAT|SUN");
  private static final Pattern WASM =
      Pattern.compile("classpath:[A-Za-z0-9._/-]+\\.wasm|[A-Za-z0-9._-][A-Za-z0-9._/-]*\\.wasm");
  static final Instant EARLIEST = Instant.parse("1970-01-01T00:00:00Z");
  static final Instant LATEST = Instant.parse("2200-01-01T00:00:00Z");

  @Override
  public SourceResult read(String file, Path baseDir, String text) {
    List<LocatedDocuments.Document> docs;
    try {
      docs = LocatedDocuments.yaml(text);
    } catch (LocatedDocuments.SyntaxError e) {
      return new SourceResult(
          List.of(),
          List.of(
              new Diagnostic(
                  file,
                  e.line,
                  e.column,
                  "",
                  e.limit
                      ? "expected a contract within Tollgate's limits, found that " + e.getMessage()
                      : "expected valid YAML, found a syntax error: " + e.getMessage())));
    }
    List<Policy> policies = new ArrayList<>();
    List<Diagnostic> diagnostics = new ArrayList<>();
    for (LocatedDocuments.Document doc : docs) {
      DocumentReader r = new DocumentReader(file, baseDir, doc);
      Policy p = r.contract();
      diagnostics.addAll(r.diagnostics);
      if (p != null && r.diagnostics.isEmpty()) {
        policies.add(p);
      }
    }
    if (docs.isEmpty()) {
      diagnostics.add(
          new Diagnostic(
              file, 0, 0, "", "expected at least one contract, found an empty document"));
    }
    return new SourceResult(policies, diagnostics);
  }

  /** Validates one document and builds its policy. */
  private static final class DocumentReader {
    private final String file;
    private final Path baseDir;
    private final LocatedDocuments.Document doc;
    final List<Diagnostic> diagnostics = new ArrayList<>();

    DocumentReader(String file, Path baseDir, LocatedDocuments.Document doc) {
      this.file = file;
      this.baseDir = baseDir;
      this.doc = doc;
    }

    Policy contract() {
      JsonNode root = doc.root();
      if (!root.isObject()) {
        error("", "expected a contract (a mapping of keys), found " + describe(root));
        return null;
      }
      keys(root, "", TOP_KEYS);
      String id = id(root, "contract");
      String provider = id(root, "provider");
      String consumer = id(root, "consumer");
      String dataset = id(root, "dataset");

      List<Action> actions = actions(root.get("actions"));
      ZoneId zone = zone(root);
      List<Constraint> constraints = new ArrayList<>();
      List<Duty> duties = new ArrayList<>();

      JsonNode purposes = root.get("purposes");
      if (purposes != null) {
        List<String> values = stringList(purposes, "/purposes", "purposes", null);
        if (values != null) {
          constraints.add(
              new AtomicConstraint(LeftOperand.PURPOSE, Operator.IS_ANY_OF, values, "/purposes"));
        }
      }
      valid(root.get("valid"), constraints);
      hours(root.get("hours"), constraints);
      days(root.get("days"), constraints);
      fields(root.get("fields"), constraints, duties);
      JsonNode regions = root.get("regions");
      if (regions != null) {
        List<String> values =
            stringList(regions, "/regions", "ISO 3166-2 codes such as CN or CN-SH", REGION);
        if (values != null) {
          constraints.add(
              new AtomicConstraint(LeftOperand.SPATIAL, Operator.IS_ANY_OF, values, "/regions"));
        }
      }
      geofence(root.get("geofence"), constraints);
      channels(root.get("channels"), constraints);
      limits(root.get("limits"), constraints);
      Price price = price(root.get("price"));
      opa(root.get("opa"), constraints);

      if (!diagnostics.isEmpty()) {
        return null;
      }
      Rule rule = new Rule(Rule.Kind.PERMISSION, actions, constraints, duties, "");
      return new Policy(
          id,
          Policy.PolicyType.AGREEMENT,
          provider,
          consumer,
          dataset,
          zone,
          List.of(rule),
          List.of(),
          price,
          new Origin(file, baseDir, doc.positions(), doc.text()));
    }

    private String id(JsonNode root, String key) {
      JsonNode n = root.get(key);
      String at = "/" + key;
      if (n == null) {
        error("", "expected key '" + key + "', found none");
        return null;
      }
      if (!n.isTextual()) {
        error(at, "expected an id (text), found " + describe(n));
        return null;
      }
      if (!ID.matcher(n.asText()).matches()) {
        error(
            at,
            "expected an id of letters, digits and . _ : @ / - (at most 200), found \""
                + n.asText()
                + "\"");
        return null;
      }
      return n.asText();
    }

    private List<Action> actions(JsonNode n) {
      if (n == null) {
        return List.of(Action.USE);
      }
      List<String> terms = stringList(n, "/actions", "ODRL actions", null);
      if (terms == null) {
        return List.of(Action.USE);
      }
      List<Action> out = new ArrayList<>();
      for (int i = 0; i < terms.size(); i++) {
        Action a = Action.ofTerm(terms.get(i));
        if (a == null) {
          error(
              "/actions/" + i,
              "expected an action (" + Action.terms() + "), found \"" + terms.get(i) + "\"");
        } else {
          out.add(a);
        }
      }
      return out;
    }

    private ZoneId zone(JsonNode root) {
      ZoneId top = zoneAt(root.get("zone"), "/zone");
      JsonNode hours = root.get("hours");
      ZoneId fromHours =
          hours != null && hours.isObject() ? zoneAt(hours.get("zone"), "/hours/zone") : null;
      if (top != null && fromHours != null && !top.equals(fromHours)) {
        error(
            "/hours/zone",
            "expected the contract's zone "
                + top
                + " (key 'zone'), found "
                + fromHours
                + "; hours, days and quotas share one zone");
      }
      return top != null ? top : fromHours != null ? fromHours : ZoneOffset.UTC;
    }

    private ZoneId zoneAt(JsonNode n, String at) {
      if (n == null) {
        return null;
      }
      if (!n.isTextual()) {
        error(at, "expected a time zone id such as Asia/Shanghai or UTC, found " + describe(n));
        return null;
      }
      try {
        return ZoneId.of(n.asText()).normalized();
      } catch (DateTimeException e) {
        error(
            at,
            "expected a time zone id such as Asia/Shanghai or UTC, found \"" + n.asText() + "\"");
        return null;
      }
    }

    private void valid(JsonNode n, List<Constraint> out) {
      if (n == null) {
        return;
      }
      if (!object(n, "/valid", "{from, until}")) {
        return;
      }
      keys(n, "/valid", Set.of("from", "until"));
      if (n.get("from") == null && n.get("until") == null) {
        error("/valid", "expected 'from', 'until' or both, found neither");
        return;
      }
      Instant from = instant(n.get("from"), "/valid/from");
      Instant until = instant(n.get("until"), "/valid/until");
      if (from != null && until != null && !until.isAfter(from)) {
        error("/valid/until", "expected an instant after from (" + from + "), found " + until);
        return;
      }
      if (from != null) {
        out.add(new AtomicConstraint(LeftOperand.DATE_TIME, Operator.GTEQ, from, "/valid/from"));
      }
      if (until != null) {
        out.add(new AtomicConstraint(LeftOperand.DATE_TIME, Operator.LT, until, "/valid/until"));
      }
    }

    private Instant instant(JsonNode n, String at) {
      if (n == null) {
        return null;
      }
      if (!n.isTextual()) {
        error(
            at, "expected an ISO-8601 instant such as 2026-01-01T00:00:00Z, found " + describe(n));
        return null;
      }
      try {
        Instant t = OffsetDateTime.parse(n.asText()).toInstant();
        if (t.isBefore(EARLIEST) || !t.isBefore(LATEST)) {
          error(at, "expected an instant from 1970 to 2199, found " + t);
          return null;
        }
        return t;
      } catch (DateTimeParseException e) {
        error(
            at,
            "expected an ISO-8601 instant with offset such as 2026-01-01T00:00:00Z or "
                + "2026-01-01T08:00:00+08:00, found \""
                + n.asText()
                + "\"");
        return null;
      }
    }

    private void hours(JsonNode n, List<Constraint> out) {
      if (n == null) {
        return;
      }
      if (!object(n, "/hours", "{from: \"HH:MM\", until: \"HH:MM\", zone}")) {
        return;
      }
      keys(n, "/hours", Set.of("from", "until", "zone"));
      LocalTime from = time(n.get("from"), "/hours/from");
      LocalTime until = time(n.get("until"), "/hours/until");
      if (from != null && until != null) {
        if (from.equals(until)) {
          error(
              "/hours/until",
              "expected a time other than from (" + from + "): an empty window permits nothing");
          return;
        }
        out.add(
            new AtomicConstraint(
                LeftOperand.TIME_OF_DAY,
                Operator.IS_PART_OF,
                new TimeWindow(from, until),
                "/hours"));
      }
    }

    private LocalTime time(JsonNode n, String at) {
      if (n == null) {
        error(
            at.substring(0, at.lastIndexOf('/')),
            "expected key '" + at.substring(at.lastIndexOf('/') + 1) + "', found none");
        return null;
      }
      if (!n.isTextual()) {
        error(at, "expected a time \"HH:MM\" (quoted), found " + describe(n));
        return null;
      }
      Matcher m = HHMM.matcher(n.asText());
      if (!m.matches()) {
        error(at, "expected a time \"HH:MM\" from 00:00 to 23:59, found \"" + n.asText() + "\"");
        return null;
      }
      return LocalTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    private void days(JsonNode n, List<Constraint> out) {
      if (n == null) {
        return;
      }
      List<String> values = stringList(n, "/days", "days MON, TUE, WED, THU, FRI, SAT, SUN", DAY);
      if (values == null) {
        return;
      }
      List<DayOfWeek> days = new ArrayList<>();
      for (String v : values) {
        days.add(day(v));
      }
      if (!days.isEmpty()) {
        out.add(new AtomicConstraint(LeftOperand.DAY_OF_WEEK, Operator.IS_ANY_OF, days, "/days"));
      }
    }

    private static DayOfWeek day(String s) {
      for (DayOfWeek d : DayOfWeek.values()) {
        if (d.name().startsWith(s)) {
          return d;
        }
      }
      throw new IllegalArgumentException(s);
    }

    private void fields(JsonNode n, List<Constraint> out, List<Duty> duties) {
      if (n == null) {
        return;
      }
      if (!object(n, "/fields", "{allow: [...], mask: {field: hash|redact|drop}}")) {
        return;
      }
      keys(n, "/fields", Set.of("allow", "mask"));
      if (n.get("allow") == null && n.get("mask") == null) {
        error("/fields", "expected allow, mask or both, found neither");
        return;
      }
      List<String> allow = null;
      if (n.get("allow") != null) {
        allow = stringList(n.get("allow"), "/fields/allow", "field names", null);
        if (allow != null) {
          out.add(
              new AtomicConstraint(LeftOperand.FIELD, Operator.IS_PART_OF, allow, "/fields/allow"));
        }
      }
      JsonNode mask = n.get("mask");
      if (mask != null && mask.isObject() && mask.isEmpty()) {
        error("/fields/mask", "expected at least one field to mask, found {}");
      } else if (mask != null && object(mask, "/fields/mask", "{field: hash|redact|drop}")) {
        for (Map.Entry<String, JsonNode> e : mask.properties()) {
          String at = "/fields/mask/" + LocatedDocuments.escape(e.getKey());
          MaskMethod m = e.getValue().isTextual() ? MaskMethod.ofTerm(e.getValue().asText()) : null;
          if (m == null) {
            error(
                at, "expected a mask method hash, redact or drop, found " + describe(e.getValue()));
          } else if (allow != null && !allow.contains(e.getKey())) {
            error(
                at, "expected a field of fields.allow " + allow + ", found \"" + e.getKey() + "\"");
          } else {
            duties.add(new Duty(e.getKey(), m, at));
          }
        }
      }
    }

    private void geofence(JsonNode n, List<Constraint> out) {
      if (n == null) {
        return;
      }
      String at = "/geofence";
      if (!n.isArray()) {
        error(at, "expected a polygon [[lon, lat], ...], found " + describe(n));
        return;
      }
      List<double[]> points = new ArrayList<>();
      boolean ok = true;
      for (int i = 0; i < n.size(); i++) {
        JsonNode p = n.get(i);
        String pat = at + "/" + i;
        if (!p.isArray() || p.size() != 2 || !p.get(0).isNumber() || !p.get(1).isNumber()) {
          error(pat, "expected a point [lon, lat] of two numbers, found " + describe(p));
          ok = false;
          continue;
        }
        double lon = p.get(0).asDouble();
        double lat = p.get(1).asDouble();
        if (lon < -180 || lon > 180 || lat < -90 || lat > 90) {
          error(
              pat,
              "expected lon in [-180, 180] and lat in [-90, 90] (points are [lon, lat]), found ["
                  + lon
                  + ", "
                  + lat
                  + "]");
          ok = false;
          continue;
        }
        points.add(new double[] {lon, lat});
      }
      if (!ok) {
        return;
      }
      if (points.size() > 1) {
        double[] first = points.get(0);
        double[] last = points.get(points.size() - 1);
        if (first[0] == last[0] && first[1] == last[1]) {
          points.remove(points.size() - 1); // a closed ring: drop the repeated first point
        }
      }
      if (points.size() < 3) {
        error(at, "expected a polygon of at least 3 distinct points, found " + points.size());
        return;
      }
      Map<List<Double>, Integer> firstIndex = new java.util.HashMap<>();
      for (int j = 0; j < points.size(); j++) {
        Integer i =
            firstIndex.putIfAbsent(List.of(points.get(j)[0] + 0.0, points.get(j)[1] + 0.0), j);
        if (i != null) {
          error(at + "/" + j, "expected distinct points, found a repeat of point " + i);
          return;
        }
      }
      for (int i = 0; i < points.size(); i++) {
        double[] p0 = points.get(i);
        double[] p1 = points.get((i + 1) % points.size());
        if (Math.abs(p1[0] - p0[0]) > 180) {
          error(
              at,
              "expected a polygon that does not cross the antimeridian (split it in two), found edge "
                  + i
                  + "-"
                  + ((i + 1) % points.size())
                  + " spanning "
                  + Math.abs(p1[0] - p0[0])
                  + " degrees of longitude");
          return;
        }
      }
      String crossing = GeometryChecks.firstCrossing(points);
      if (crossing != null) {
        error(at, "expected a simple polygon (edges that do not cross), found " + crossing);
        return;
      }
      if (GeometryChecks.area(points) == 0) {
        error(at, "expected a polygon with an area, found collinear points");
        return;
      }
      double[] lon = new double[points.size()];
      double[] lat = new double[points.size()];
      for (int i = 0; i < lon.length; i++) {
        lon[i] = points.get(i)[0];
        lat[i] = points.get(i)[1];
      }
      out.add(
          new AtomicConstraint(
              LeftOperand.SPATIAL_COORDINATES, Operator.IS_PART_OF, new Polygon(lon, lat), at));
    }

    private void channels(JsonNode n, List<Constraint> out) {
      if (n == null) {
        return;
      }
      List<String> values = stringList(n, "/channels", "channels http, kafka, mqtt", null);
      if (values == null) {
        return;
      }
      Set<Channel> channels = new LinkedHashSet<>();
      for (int i = 0; i < values.size(); i++) {
        Channel c = Channel.ofTerm(values.get(i));
        if (c == null) {
          error(
              "/channels/" + i,
              "expected a channel http, kafka or mqtt, found \"" + values.get(i) + "\"");
        } else {
          channels.add(c);
        }
      }
      if (!channels.isEmpty()) {
        out.add(
            new AtomicConstraint(
                LeftOperand.DELIVERY_CHANNEL,
                Operator.IS_ANY_OF,
                List.copyOf(channels),
                "/channels"));
      }
    }

    private void limits(JsonNode n, List<Constraint> out) {
      if (n == null) {
        return;
      }
      if (!object(n, "/limits", "{rate: \"N/s|N/min|N/h\", quota: \"N/day|N/month\", total: N}")) {
        return;
      }
      keys(n, "/limits", Set.of("rate", "quota", "total"));
      if (n.isEmpty()) {
        error("/limits", "expected rate, quota, total or several, found none");
        return;
      }
      JsonNode rate = n.get("rate");
      if (rate != null) {
        Matcher m = rate.isTextual() ? RATE.matcher(rate.asText().trim()) : null;
        if (m == null || !m.matches()) {
          error(
              "/limits/rate",
              "expected a rate \"N/s\", \"N/min\" or \"N/h\", found " + describe(rate));
        } else {
          long permits = Long.parseLong(m.group(1));
          long unit =
              switch (m.group(2)) {
                case "s" -> 1_000L;
                case "min" -> 60_000L;
                default -> 3_600_000L;
              };
          if (permits < 1 || permits > MAX_RATE) {
            error("/limits/rate", "expected N from 1 to " + MAX_RATE + ", found " + permits);
          } else {
            out.add(
                new AtomicConstraint(
                    LeftOperand.RATE, Operator.LTEQ, new Rate(permits, unit), "/limits/rate"));
          }
        }
      }
      JsonNode quota = n.get("quota");
      if (quota != null) {
        Matcher m = quota.isTextual() ? QUOTA.matcher(quota.asText().trim()) : null;
        if (m == null || !m.matches()) {
          error(
              "/limits/quota",
              "expected a quota \"N/day\" or \"N/month\", found " + describe(quota));
        } else {
          long permits = Long.parseLong(m.group(1));
          if (permits < 1) {
            error("/limits/quota", "expected N of at least 1, found " + permits);
          } else {
            out.add(
                new AtomicConstraint(
                    LeftOperand.QUOTA,
                    Operator.LTEQ,
                    new Quota(
                        permits, m.group(2).equals("day") ? Quota.Period.DAY : Quota.Period.MONTH),
                    "/limits/quota"));
          }
        }
      }
      JsonNode total = n.get("total");
      if (total != null) {
        if (!total.isIntegralNumber() || !total.canConvertToLong() || total.asLong() < 1) {
          error(
              "/limits/total",
              "expected a whole number of calls of at least 1, found " + describe(total));
        } else {
          out.add(
              new AtomicConstraint(
                  LeftOperand.COUNT, Operator.LTEQ, total.asLong(), "/limits/total"));
        }
      }
    }

    private Price price(JsonNode n) {
      if (n == null) {
        return null;
      }
      if (!object(n, "/price", "{amount | tiers | package | subscription, currency, per}")) {
        return null;
      }
      keys(
          n,
          "/price",
          Set.of(
              "amount",
              "currency",
              "per",
              "tiers",
              "package",
              "subscription",
              "minimum",
              "commission"));
      int before = diagnostics.size();
      String currency = "CNY";
      JsonNode c = n.get("currency");
      if (c != null) {
        if (!c.isTextual() || !CURRENCY.matcher(c.asText()).matches() || !iso4217(c.asText())) {
          error(
              "/price/currency",
              "expected an ISO 4217 currency code such as CNY, found " + describe(c));
        } else {
          currency = c.asText();
        }
      }
      String per = "call";
      JsonNode p = n.get("per");
      if (p != null) {
        if (!p.isTextual() || !Set.of("call", "record", "MB", "month").contains(p.asText())) {
          error("/price/per", "expected call, record, MB or month, found " + describe(p));
        } else {
          per = p.asText();
        }
      }
      List<String> models = new ArrayList<>();
      for (String m : List.of("amount", "tiers", "package", "subscription")) {
        if (n.has(m)) {
          models.add(m);
        }
      }
      if (models.size() != 1) {
        error(
            "/price",
            "expected exactly one of amount, tiers, package and subscription (what prices the usage), found "
                + (models.isEmpty() ? "none" : String.join(", ", models)));
      }
      BigDecimal amount = n.has("amount") ? decimal(n.get("amount"), "/price/amount") : null;
      Price.Tiers tiers = n.has("tiers") ? tiers(n.get("tiers")) : null;
      Price.Pack pack = n.has("package") ? pack(n.get("package")) : null;
      Price.Subscription sub = n.has("subscription") ? subscription(n.get("subscription")) : null;
      BigDecimal minimum = n.has("minimum") ? decimal(n.get("minimum"), "/price/minimum") : null;
      Price.Commission commission = n.has("commission") ? commission(n.get("commission")) : null;
      if (per.equals("month")) {
        // the first form's monthly fee: a subscription that includes every unit
        if (amount == null && models.size() == 1) {
          error("/price/per", "per: month takes an amount (the monthly fee); use subscription");
        }
        per = "call";
        if (amount != null) {
          sub = new Price.Subscription(amount, -1, null);
          amount = null;
        }
      }
      if (diagnostics.size() != before) {
        return null;
      }
      return new Price(currency, per, amount, tiers, pack, sub, minimum, commission);
    }

    private static boolean iso4217(String code) {
      try {
        java.util.Currency.getInstance(code);
        return true;
      } catch (IllegalArgumentException e) {
        return false;
      }
    }

    /** A money amount: at most 15 digits before the point and 12 after, not negative. */
    private BigDecimal decimal(JsonNode a, String at) {
      if (a != null && a.isTextual() && AMOUNT.matcher(a.asText()).matches()) {
        return new BigDecimal(a.asText());
      }
      if (a != null
          && a.isNumber()
          && a.decimalValue().signum() >= 0
          && a.decimalValue().scale() <= 12
          && a.decimalValue().precision() - a.decimalValue().scale() <= 15) {
        return a.decimalValue(); // scale and precision checked first: toPlainString stays small
      }
      error(
          at,
          "expected a decimal amount such as 0.25 (at most 15 digits, 12 decimals, not negative), found "
              + describe(a));
      return null;
    }

    /** A whole number of units, at least {@code min}. */
    private long units(JsonNode v, String at, long min) {
      if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min) {
        error(at, "expected a whole number of at least " + min + ", found " + describe(v));
        return -1;
      }
      return v.asLong();
    }

    private Price.Tiers tiers(JsonNode n) {
      if (!object(n, "/price/tiers", "{mode: graduated | volume, steps: [{upTo, amount}, ...]}")) {
        return null;
      }
      keys(n, "/price/tiers", Set.of("mode", "steps"));
      int before = diagnostics.size();
      Price.TierMode mode = Price.TierMode.GRADUATED;
      JsonNode m = n.get("mode");
      if (m != null) {
        if (m.isTextual() && m.asText().equals("graduated")) {
          mode = Price.TierMode.GRADUATED;
        } else if (m.isTextual() && m.asText().equals("volume")) {
          mode = Price.TierMode.VOLUME;
        } else {
          error("/price/tiers/mode", "expected graduated or volume, found " + describe(m));
        }
      }
      JsonNode steps = n.get("steps");
      if (steps == null || !steps.isArray() || steps.isEmpty()) {
        error(
            steps == null ? "/price/tiers" : "/price/tiers/steps",
            "expected steps: a list of tiers [{upTo: N, amount: X}, ..., {amount: X}], found "
                + (steps == null ? "none" : describe(steps)));
        return null;
      }
      List<Price.Tier> out = new ArrayList<>();
      long last = 0;
      for (int i = 0; i < steps.size(); i++) {
        String at = "/price/tiers/steps/" + i;
        JsonNode t = steps.get(i);
        if (!object(t, at, "{upTo, amount}")) {
          continue;
        }
        keys(t, at, Set.of("upTo", "amount"));
        boolean lastStep = i == steps.size() - 1;
        Long upTo = null;
        if (t.has("upTo")) {
          if (lastStep) {
            error(
                at + "/upTo",
                "the last tier has no upTo: it prices every unit beyond the one before it");
          } else {
            long u = units(t.get("upTo"), at + "/upTo", last + 1);
            if (u > 0) {
              upTo = u;
              last = u;
            }
          }
        } else if (!lastStep) {
          error(at, "expected upTo (every tier but the last has an upper bound), found none");
        }
        BigDecimal a = decimal(t.get("amount"), at + "/amount");
        out.add(new Price.Tier(upTo, a));
      }
      return diagnostics.size() != before ? null : new Price.Tiers(mode, out);
    }

    private Price.Pack pack(JsonNode n) {
      if (!object(n, "/price/package", "{size, amount}")) {
        return null;
      }
      keys(n, "/price/package", Set.of("size", "amount"));
      long size = units(n.get("size"), "/price/package/size", 1);
      BigDecimal a = decimal(n.get("amount"), "/price/package/amount");
      return size < 1 || a == null ? null : new Price.Pack(size, a);
    }

    private Price.Subscription subscription(JsonNode n) {
      if (!object(n, "/price/subscription", "{monthly, included, overage}")) {
        return null;
      }
      keys(n, "/price/subscription", Set.of("monthly", "included", "overage"));
      BigDecimal monthly = decimal(n.get("monthly"), "/price/subscription/monthly");
      long included = units(n.get("included"), "/price/subscription/included", 0);
      BigDecimal overage = decimal(n.get("overage"), "/price/subscription/overage");
      return new Price.Subscription(monthly, included, overage);
    }

    private Price.Commission commission(JsonNode n) {
      if (!object(n, "/price/commission", "{rate, min, max}")) {
        return null;
      }
      keys(n, "/price/commission", Set.of("rate", "min", "max"));
      BigDecimal rate = decimal(n.get("rate"), "/price/commission/rate");
      if (rate != null && rate.compareTo(BigDecimal.ONE) > 0) {
        error(
            "/price/commission/rate",
            "expected a share between 0 and 1 (0.05 is 5 %), found " + rate.toPlainString());
      }
      BigDecimal min = n.has("min") ? decimal(n.get("min"), "/price/commission/min") : null;
      BigDecimal max = n.has("max") ? decimal(n.get("max"), "/price/commission/max") : null;
      if (min != null && max != null && min.compareTo(max) > 0) {
        error("/price/commission", "expected min at most max, found " + min + " > " + max);
      }
      return rate == null ? null : new Price.Commission(rate, min, max);
    }

    private void opa(JsonNode n, List<Constraint> out) {
      if (n == null) {
        return;
      }
      if (!object(n, "/opa", "{wasm, entrypoint, input: {key: attribute}, data}")) {
        return;
      }
      keys(n, "/opa", Set.of("wasm", "entrypoint", "input", "data"));
      String wasm = text(n, "wasm", "/opa");
      if (wasm != null
          && (!WASM.matcher(wasm).matches() || wasm.contains("..") || wasm.contains("//"))) {
        error(
            "/opa/wasm",
            "expected a .wasm file inside the contract's directory (relative, no ..) or classpath:NAME.wasm, found \""
                + wasm
                + "\"");
        wasm = null;
      }
      String entrypoint = text(n, "entrypoint", "/opa");
      Map<String, String> input = new LinkedHashMap<>();
      JsonNode in = n.get("input");
      if (in != null && object(in, "/opa/input", "{opaKey: attribute}")) {
        for (Map.Entry<String, JsonNode> e : in.properties()) {
          String at = "/opa/input/" + LocatedDocuments.escape(e.getKey());
          if (!e.getValue().isTextual()
              || !io.tollgate.policy.opa.OpaWasmCheck.isAttribute(e.getValue().asText())) {
            error(
                at,
                "expected a call attribute consumer, dataset, action, purpose, region or channel, found "
                    + describe(e.getValue()));
          } else {
            input.put(e.getKey(), e.getValue().asText());
          }
        }
      }
      JsonNode data = n.get("data");
      String dataJson = null;
      if (data != null) {
        if (!data.isObject()) {
          error("/opa/data", "expected the OPA data document (a mapping), found " + describe(data));
        } else {
          dataJson = data.toString();
        }
      }
      if (wasm != null && entrypoint != null) {
        out.add(
            new AtomicConstraint(
                LeftOperand.OPA,
                Operator.EQ,
                new OpaReference(wasm, entrypoint, input, dataJson),
                "/opa"));
      }
    }

    private String text(JsonNode parent, String key, String at) {
      JsonNode n = parent.get(key);
      if (n == null) {
        error(at, "expected key '" + key + "', found none");
        return null;
      }
      if (!n.isTextual() || n.asText().isBlank()) {
        error(at + "/" + key, "expected text, found " + describe(n));
        return null;
      }
      return n.asText();
    }

    /**
     * A non-empty list of distinct strings, each matching {@code pattern} when given; null after an
     * error.
     */
    private List<String> stringList(JsonNode n, String at, String what, Pattern pattern) {
      if (!n.isArray()) {
        error(at, "expected a list of " + what + ", found " + describe(n));
        return null;
      }
      if (n.isEmpty()) {
        error(
            at,
            "expected a non-empty list of "
                + what
                + " (an empty list would permit nothing), found []");
        return null;
      }
      List<String> out = new ArrayList<>();
      Set<String> seen = new java.util.HashSet<>();
      boolean ok = true;
      for (int i = 0; i < n.size(); i++) {
        JsonNode e = n.get(i);
        if (!e.isTextual() || e.asText().isEmpty()) {
          String hint =
              e.isBoolean() ? " (YAML reads unquoted yes/no/on/off/NO as booleans: quote it)" : "";
          error(at + "/" + i, "expected one of " + what + ", found " + describe(e) + hint);
          ok = false;
        } else if (pattern != null && !pattern.matcher(e.asText()).matches()) {
          error(at + "/" + i, "expected one of " + what + ", found \"" + e.asText() + "\"");
          ok = false;
        } else if (!seen.add(e.asText())) {
          error(at + "/" + i, "expected distinct values, found \"" + e.asText() + "\" twice");
          ok = false;
        } else {
          out.add(e.asText());
        }
      }
      return ok ? out : null;
    }

    private boolean object(JsonNode n, String at, String shape) {
      if (!n.isObject()) {
        error(at, "expected a mapping " + shape + ", found " + describe(n));
        return false;
      }
      return true;
    }

    private void keys(JsonNode n, String at, Set<String> allowed) {
      Iterator<String> names = n.fieldNames();
      while (names.hasNext()) {
        String k = names.next();
        if (!allowed.contains(k)) {
          String near = nearest(k, allowed);
          error(
              at + "/" + LocatedDocuments.escape(k),
              "unknown key '"
                  + k
                  + "'"
                  + (near == null ? "" : " (did you mean '" + near + "'?)")
                  + "; expected one of "
                  + new java.util.TreeSet<>(allowed));
        }
      }
    }

    private void error(String pointer, String message) {
      int[] pos = doc.positions().get(pointer);
      diagnostics.add(
          new Diagnostic(
              file, pos == null ? 0 : pos[0], pos == null ? 0 : pos[1], pointer, message));
    }
  }

  static String describe(JsonNode n) {
    if (n == null || n.isNull()) {
      return "null";
    }
    if (n.isTextual()) {
      return "text \"" + n.asText() + "\"";
    }
    if (n.isBoolean()) {
      return "boolean " + n.asText();
    }
    if (n.isNumber()) {
      return "number " + n.asText();
    }
    if (n.isArray()) {
      return "a list " + abbreviate(n.toString());
    }
    return "a mapping " + abbreviate(n.toString());
  }

  private static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }

  static String nearest(String key, Set<String> candidates) {
    String best = null;
    int bestDistance = 3;
    for (String c : candidates) {
      int d = io.tollgate.policy.internal.EditDistance.of(key.toLowerCase(Locale.ROOT), c);
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    return best;
  }
}
