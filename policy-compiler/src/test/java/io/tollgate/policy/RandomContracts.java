package io.tollgate.policy;

import io.tollgate.policy.model.AtomicConstraint;
import io.tollgate.policy.model.Constraint;
import io.tollgate.policy.model.LeftOperand;
import io.tollgate.policy.model.LogicalConstraint;
import io.tollgate.policy.model.Policy;
import io.tollgate.policy.model.Polygon;
import io.tollgate.policy.model.Rule;
import io.tollgate.policy.source.SourceResult;
import io.tollgate.policy.source.YamlContractSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random contracts (as YAML text, so the source is exercised too) and random call sequences over
 * small vocabularies, so that calls hit and miss every constraint often.
 */
public final class RandomContracts {
  static final String[] PURPOSES = {"p0", "p1", "p2", "p3", "p4"};
  static final String[] REGIONS = {"CN", "CN-SH", "CN-BJ", "CN-GD", "US-CA", "DE", "DE-BE"};
  static final String[] FIELDS = {"f0", "f1", "f2", "f3", "f4", "f5"};
  static final String[] ZONES = {"UTC", "Asia/Shanghai", "Europe/Berlin", "America/New_York"};
  static final String[] DAYS = {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};
  static final String[] ACTIONS = {
    "use", "read", "query", "subscribe", "stream", "transfer", "distribute"
  };
  static final String[] CONSUMERS = {"c0", "c1"};
  static final String[] DATASETS = {"d0", "d1"};

  /** 2026-03-01T00:00:00Z. */
  static final long BASE = Instant.parse("2026-03-01T00:00:00Z").toEpochMilli();

  static final long DAY = 86_400_000L;

  private final Random random;

  public RandomContracts(long seed) {
    this.random = new Random(seed);
  }

  /** 1 to 4 contracts over the small consumer and dataset sets. */
  public List<Policy> contracts() {
    int n = 1 + random.nextInt(4);
    StringBuilder yaml = new StringBuilder();
    for (int i = 0; i < n; i++) {
      yaml.append(i == 0 ? "" : "---\n").append(contract("k" + i + "-" + random.nextInt(1000)));
    }
    SourceResult r = new YamlContractSource().read("random.yaml", null, yaml.toString());
    if (!r.ok()) {
      throw new AssertionError("generated an invalid contract: " + r.diagnostics() + "\n" + yaml);
    }
    List<Policy> out = new ArrayList<>();
    for (Policy p : r.policies()) {
      out.add(chance(0.3) ? withOr(p) : p);
    }
    return out;
  }

  /**
   * The same policy with two of its stateless constraints joined by an ODRL {@code or} (which the
   * YAML form cannot write), so that logical constraints are compared with the reference too.
   */
  private Policy withOr(Policy p) {
    Rule rule = p.permissions().get(0);
    List<Constraint> joinable = new ArrayList<>();
    List<Constraint> rest = new ArrayList<>();
    for (Constraint c : rule.constraints()) {
      boolean stateless =
          c instanceof AtomicConstraint a
              && a.leftOperand() != LeftOperand.RATE
              && a.leftOperand() != LeftOperand.QUOTA
              && a.leftOperand() != LeftOperand.COUNT
              && a.leftOperand() != LeftOperand.FIELD;
      (stateless && joinable.size() < 2 ? joinable : rest).add(c);
    }
    if (joinable.size() < 2) {
      return p;
    }
    rest.add(new LogicalConstraint(LogicalConstraint.Op.OR, joinable, "/or"));
    Rule joined = new Rule(rule.kind(), rule.actions(), rest, rule.duties(), rule.pointer());
    return new Policy(
        p.uid(),
        p.type(),
        p.assigner(),
        p.assignee(),
        p.target(),
        p.zone(),
        List.of(joined),
        p.prohibitions(),
        p.price(),
        p.origin());
  }

  private String contract(String id) {
    StringBuilder y = new StringBuilder();
    y.append("contract: ").append(id).append('\n');
    y.append("provider: prov\n");
    y.append("consumer: ").append(pick(CONSUMERS)).append('\n');
    y.append("dataset: ").append(pick(DATASETS)).append('\n');
    if (chance(0.7)) {
      y.append("actions: ").append(list(subset(ACTIONS, 1 + random.nextInt(2)))).append('\n');
    }
    y.append("zone: ").append(pick(ZONES)).append('\n');
    if (chance(0.6)) {
      y.append("purposes: ").append(list(subset(PURPOSES, 1 + random.nextInt(3)))).append('\n');
    }
    if (chance(0.5)) {
      long from = BASE + (random.nextInt(20) - 5) * DAY / 4;
      long until = from + (1 + random.nextInt(40)) * DAY / 4;
      y.append("valid: {");
      boolean f = chance(0.8);
      if (f) {
        y.append("from: \"").append(Instant.ofEpochMilli(from)).append('"');
      }
      if (!f || chance(0.8)) {
        y.append(f ? ", " : "").append("until: \"").append(Instant.ofEpochMilli(until)).append('"');
      }
      y.append("}\n");
    }
    if (chance(0.25)) {
      int a = random.nextInt(24 * 4);
      int b;
      do {
        b = random.nextInt(24 * 4);
      } while (b == a);
      y.append("hours: {from: \"")
          .append(hhmm(a))
          .append("\", until: \"")
          .append(hhmm(b))
          .append("\"}\n");
    }
    if (chance(0.25)) {
      y.append("days: ").append(list(subset(DAYS, 1 + random.nextInt(6)))).append('\n');
    }
    List<String> allow = null;
    if (chance(0.5)) {
      allow = subset(FIELDS, 1 + random.nextInt(5));
      y.append("fields:\n  allow: ").append(list(allow)).append('\n');
      if (chance(0.5)) {
        String f = allow.get(random.nextInt(allow.size()));
        y.append("  mask: {")
            .append(f)
            .append(": ")
            .append(pick(new String[] {"hash", "redact", "drop"}))
            .append("}\n");
      }
    }
    if (chance(0.4)) {
      y.append("regions: ").append(list(subset(REGIONS, 1 + random.nextInt(3)))).append('\n');
    }
    if (chance(0.4)) {
      // a star-shaped polygon around a centre: simple by construction
      double cx = 121 + random.nextDouble();
      double cy = 31 + random.nextDouble();
      int k = 3 + random.nextInt(6);
      y.append("geofence: [");
      for (int i = 0; i < k; i++) {
        double angle = 2 * Math.PI * i / k;
        double radius = 0.1 + random.nextDouble() * 0.5;
        y.append(i == 0 ? "" : ", ")
            .append('[')
            .append(round(cx + radius * Math.cos(angle)))
            .append(", ")
            .append(round(cy + radius * Math.sin(angle)))
            .append(']');
      }
      y.append("]\n");
    }
    if (chance(0.3)) {
      y.append("channels: ")
          .append(list(subset(new String[] {"http", "kafka", "mqtt"}, 1 + random.nextInt(2))))
          .append('\n');
    }
    if (chance(0.6)) {
      List<String> limits = new ArrayList<>();
      if (chance(0.7)) {
        limits.add(
            "rate: \""
                + (1 + random.nextInt(5))
                + "/"
                + pick(new String[] {"s", "s", "min"})
                + "\"");
      }
      if (chance(0.4)) {
        limits.add(
            "quota: \""
                + (1 + random.nextInt(20))
                + "/"
                + pick(new String[] {"day", "month"})
                + "\"");
      }
      if (chance(0.3)) {
        limits.add("total: " + (1 + random.nextInt(30)));
      }
      if (!limits.isEmpty()) {
        y.append("limits: {").append(String.join(", ", limits)).append("}\n");
      }
    }
    return y.toString();
  }

  /**
   * A call sequence whose event time mostly moves forward, sometimes jumps, sometimes goes back.
   * Most calls aim at one of {@code policies} (their attributes drawn from its constraints), so
   * that permits and throttles are frequent; the rest are drawn from the whole vocabularies.
   */
  public List<DataCall> calls(int n, List<Policy> policies) {
    List<DataCall> calls = new ArrayList<>(n);
    long ts = BASE + (random.nextInt(10) - 2) * DAY / 4 + random.nextInt(3_600_000);
    for (int i = 0; i < n; i++) {
      int step = random.nextInt(100);
      if (step < 70) {
        ts += random.nextInt(700);
      } else if (step < 85) {
        ts += random.nextInt(3_600_000);
      } else if (step < 93) {
        ts += random.nextInt((int) (DAY / 2));
      } else if (step < 97) {
        ts -= random.nextInt(5_000_000); // a late call
      } else {
        ts -=
            (1 + random.nextInt(6)) * DAY; // a very late call: days, beyond the quota periods kept
      }
      DataCall c =
          new DataCall()
              .id("call-" + i)
              .ts(ts)
              .consumer(chance(0.05) ? "stranger" : pick(CONSUMERS))
              .dataset(pick(DATASETS))
              .action(
                  Action.ofTerm(
                      pick(
                          new String[] {
                            "read", "query", "stream", "subscribe", "distribute", "sell", "use"
                          })))
              .purpose(chance(0.1) ? "unknown-purpose" : pick(PURPOSES));
      if (chance(0.4)) {
        List<String> fs =
            subset(chance(0.1) ? new String[] {"f0", "secret"} : FIELDS, random.nextInt(4));
        c.fields(fs);
      }
      if (chance(0.6)) {
        c.region(chance(0.1) ? "FR-IDF" : pick(REGIONS));
      }
      if (chance(0.5)) {
        c.location(31 + random.nextDouble() * 1.2 - 0.1, 121 + random.nextDouble() * 1.2 - 0.1);
      }
      if (chance(0.8)) {
        c.channel(Channel.ofTerm(pick(new String[] {"http", "kafka", "mqtt"})));
      }
      if (chance(0.7)) {
        aim(c, policies.get(random.nextInt(policies.size())));
      }
      calls.add(c);
    }
    return calls;
  }

  @SuppressWarnings("unchecked")
  private void aim(DataCall c, Policy p) {
    c.consumer(p.assignee()).dataset(p.target());
    Rule rule = p.permissions().get(0);
    c.action(rule.actions().get(random.nextInt(rule.actions().size())));
    for (Constraint k : rule.constraints()) {
      if (!(k instanceof AtomicConstraint a) || chance(0.05)) {
        continue;
      }
      Object r = a.rightOperand();
      switch (a.leftOperand()) {
        case PURPOSE ->
            c.purpose(((List<String>) r).get(random.nextInt(((List<String>) r).size())));
        case FIELD -> {
          if (c.hasFields()) {
            c.fields(subset(((List<String>) r).toArray(new String[0]), random.nextInt(3)));
          }
        }
        case SPATIAL -> {
          if (c.region() != null) {
            c.region(((List<String>) r).get(random.nextInt(((List<String>) r).size())));
          }
        }
        case SPATIAL_COORDINATES -> {
          if (c.hasLocation()) {
            Polygon poly = (Polygon) r;
            double x = 0;
            double y = 0;
            for (int i = 0; i < poly.size(); i++) {
              x += poly.lon(i);
              y += poly.lat(i);
            }
            c.location(y / poly.size(), x / poly.size());
          }
        }
        case DELIVERY_CHANNEL ->
            c.channel(((List<Channel>) r).get(random.nextInt(((List<Channel>) r).size())));
        default -> {}
      }
    }
  }

  private static String hhmm(int quarter) {
    return String.format("%02d:%02d", quarter / 4, (quarter % 4) * 15);
  }

  private static double round(double v) {
    return Math.round(v * 10_000) / 10_000.0;
  }

  private boolean chance(double p) {
    return random.nextDouble() < p;
  }

  private String pick(String[] values) {
    return values[random.nextInt(values.length)];
  }

  private List<String> subset(String[] values, int n) {
    List<String> pool = new ArrayList<>(List.of(values));
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n && !pool.isEmpty(); i++) {
      out.add(pool.remove(random.nextInt(pool.size())));
    }
    return out;
  }

  private static String list(List<String> values) {
    return "[" + String.join(", ", values) + "]";
  }
}
