package io.tollgate.policy.reference;

import io.tollgate.policy.Action;
import io.tollgate.policy.Channel;
import io.tollgate.policy.DataCall;
import io.tollgate.policy.Outcome;
import io.tollgate.policy.model.AtomicConstraint;
import io.tollgate.policy.model.Constraint;
import io.tollgate.policy.model.Duty;
import io.tollgate.policy.model.LogicalConstraint;
import io.tollgate.policy.model.Operator;
import io.tollgate.policy.model.Policy;
import io.tollgate.policy.model.Polygon;
import io.tollgate.policy.model.Quota;
import io.tollgate.policy.model.Rate;
import io.tollgate.policy.model.Rule;
import io.tollgate.policy.model.TimeWindow;
import java.awt.geom.Path2D;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.YearMonth;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A plain interpreter of the decision semantics, written for clarity and nothing else: it walks the
 * {@link Policy} model for every call, uses java.time for calendars and java.awt.geom for polygons,
 * and keeps counters in maps. The compiled evaluator must decide exactly as it does (property
 * tests), and it is the baseline of the decision benchmark.
 */
public final class ReferenceInterpreter {
  private final List<Policy> policies;
  private final Map<String, Counters> counters = new HashMap<>();

  public ReferenceInterpreter(List<Policy> policies) {
    this.policies = new ArrayList<>(policies);
    this.policies.sort(Comparator.comparing(Policy::uid));
  }

  /** A decision, in plain values. */
  public record Result(
      Outcome outcome,
      String contract,
      List<String> reasons,
      List<String> project,
      Map<String, String> masks) {}

  private static final class Counters {
    long total;
    final java.util.TreeMap<Long, Long> quotaCounts =
        new java.util.TreeMap<>(); // period -> permitted
    boolean bucketStarted;
    long scaledTokens; // tokens * unit millis
    long refilledAt;
  }

  public Result decide(DataCall call) {
    List<Policy> candidates = new ArrayList<>();
    for (Policy p : policies) {
      if (p.assignee().equals(call.consumer()) && p.target().equals(call.dataset())) {
        candidates.add(p);
      }
    }
    if (candidates.isEmpty()) {
      return new Result(Outcome.DENY, null, List.of("no-contract"), null, Map.of());
    }
    TreeSet<String> union = new TreeSet<>();
    Policy throttledBy = null;
    for (Policy p : candidates) {
      Rule rule = p.permissions().get(0);
      TreeSet<String> failed = new TreeSet<>();
      boolean actionOk = false;
      for (Action a : rule.actions()) {
        if (call.action() != null && a.covers(call.action())) {
          actionOk = true;
        }
      }
      if (!actionOk) {
        failed.add("action");
      }
      List<AtomicConstraint> limits = new ArrayList<>();
      for (Constraint c : rule.constraints()) {
        if (c instanceof AtomicConstraint a && isLimit(a)) {
          limits.add(a);
        } else {
          failed.addAll(failures(c, call, p));
        }
      }
      if (failed.isEmpty() && !limits.isEmpty()) {
        failed.addAll(acquire(p, limits, call.ts()));
      }
      if (failed.isEmpty()) {
        List<String> allow = null;
        for (Constraint c : rule.constraints()) {
          if (c instanceof AtomicConstraint a
              && a.leftOperand() == io.tollgate.policy.model.LeftOperand.FIELD) {
            @SuppressWarnings("unchecked")
            List<String> values = (List<String>) a.rightOperand();
            allow = values;
          }
        }
        List<String> project = call.fields() != null ? List.of(call.fields()) : allow;
        Map<String, String> masks = new LinkedHashMap<>();
        for (Duty d : rule.duties()) {
          masks.put(d.field(), d.method().term());
        }
        return new Result(Outcome.PERMIT, p.uid(), List.of(), project, masks);
      }
      if (failed.size() == 1 && failed.contains("rate") && throttledBy == null) {
        throttledBy = p;
      }
      union.addAll(failed);
    }
    if (throttledBy != null) {
      return new Result(Outcome.THROTTLE, throttledBy.uid(), List.copyOf(union), null, Map.of());
    }
    return new Result(
        Outcome.DENY,
        candidates.size() == 1 ? candidates.get(0).uid() : null,
        List.copyOf(union),
        null,
        Map.of());
  }

  private static boolean isLimit(AtomicConstraint a) {
    switch (a.leftOperand()) {
      case COUNT:
      case QUOTA:
      case RATE:
        return true;
      default:
        return false;
    }
  }

  private static TreeSet<String> failures(Constraint c, DataCall call, Policy p) {
    TreeSet<String> out = new TreeSet<>();
    if (c instanceof LogicalConstraint l) {
      if (l.op() == LogicalConstraint.Op.AND) {
        for (Constraint child : l.constraints()) {
          out.addAll(failures(child, call, p));
        }
        return out;
      }
      for (Constraint child : l.constraints()) { // OR
        TreeSet<String> f = failures(child, call, p);
        if (f.isEmpty()) {
          return f;
        }
        out.addAll(f);
      }
      return out;
    }
    AtomicConstraint a = (AtomicConstraint) c;
    if (!holds(a, call, p)) {
      out.add(reason(a));
    }
    return out;
  }

  private static String reason(AtomicConstraint a) {
    switch (a.leftOperand()) {
      case PURPOSE:
        return "purpose";
      case DATE_TIME:
        return "period";
      case TIME_OF_DAY:
        return "hours";
      case DAY_OF_WEEK:
        return "days";
      case FIELD:
        return "fields";
      case SPATIAL:
        return "region";
      case SPATIAL_COORDINATES:
        return "geofence";
      case DELIVERY_CHANNEL:
        return "channel";
      case OPA:
        return "opa";
      default:
        throw new IllegalArgumentException(a.toString());
    }
  }

  @SuppressWarnings("unchecked")
  private static boolean holds(AtomicConstraint a, DataCall call, Policy p) {
    Object right = a.rightOperand();
    Operator op = a.operator();
    boolean negated = op == Operator.IS_NONE_OF || op == Operator.NEQ;
    switch (a.leftOperand()) {
      case PURPOSE:
        {
          List<String> set = right instanceof String s ? List.of(s) : (List<String>) right;
          return call.purpose() != null && set.contains(call.purpose()) != negated;
        }
      case DATE_TIME:
        {
          Instant t = (Instant) right;
          Instant ts = Instant.ofEpochMilli(call.ts());
          switch (op) {
            case GTEQ:
              return !ts.isBefore(t);
            case GT:
              return ts.isAfter(t);
            case LT:
              return ts.isBefore(t);
            case LTEQ:
              return !ts.isAfter(t);
            default:
              throw new IllegalArgumentException(op.toString());
          }
        }
      case TIME_OF_DAY:
        {
          TimeWindow w = (TimeWindow) right;
          LocalTime local =
              ZonedDateTime.ofInstant(Instant.ofEpochMilli(call.ts()), p.zone()).toLocalTime();
          if (!w.wraps()) {
            return !local.isBefore(w.from()) && local.isBefore(w.until());
          }
          return !local.isBefore(w.from()) || local.isBefore(w.until());
        }
      case DAY_OF_WEEK:
        {
          DayOfWeek d =
              ZonedDateTime.ofInstant(Instant.ofEpochMilli(call.ts()), p.zone()).getDayOfWeek();
          return ((List<DayOfWeek>) right).contains(d);
        }
      case FIELD:
        {
          if (call.fields() == null) {
            return true;
          }
          for (String f : call.fields()) {
            if (!((List<String>) right).contains(f)) {
              return false;
            }
          }
          return true;
        }
      case SPATIAL:
        {
          if (call.region() == null) {
            return true;
          }
          List<String> set = right instanceof String s ? List.of(s) : (List<String>) right;
          boolean in = set.contains(call.region());
          if (!in && call.region().length() > 3 && call.region().charAt(2) == '-') {
            in = set.contains(call.region().substring(0, 2));
          }
          return in != negated;
        }
      case SPATIAL_COORDINATES:
        {
          if (!call.hasLocation()) {
            return true;
          }
          Polygon poly = (Polygon) right;
          Path2D.Double path = new Path2D.Double(Path2D.WIND_EVEN_ODD);
          path.moveTo(poly.lon(0), poly.lat(0));
          for (int i = 1; i < poly.size(); i++) {
            path.lineTo(poly.lon(i), poly.lat(i));
          }
          path.closePath();
          return path.contains(call.lon(), call.lat());
        }
      case DELIVERY_CHANNEL:
        {
          Channel c = call.channel();
          return c != null && ((List<Channel>) right).contains(c) != negated;
        }
      default:
        throw new UnsupportedOperationException(
            "the reference interpreter does not evaluate " + a.leftOperand());
    }
  }

  private List<String> acquire(Policy p, List<AtomicConstraint> limits, long ts) {
    Counters s = counters.computeIfAbsent(p.uid(), k -> new Counters());
    List<String> failed = new ArrayList<>();
    Long quotaPeriod = null;
    boolean evictOldest = false;
    long newTokens = 0;
    long newRefilledAt = 0;
    Rate rate = null;
    for (AtomicConstraint a : limits) {
      switch (a.leftOperand()) {
        case COUNT:
          if (s.total >= (Long) a.rightOperand()) {
            failed.add("total");
          }
          break;
        case QUOTA:
          {
            Quota q = (Quota) a.rightOperand();
            ZonedDateTime local = ZonedDateTime.ofInstant(Instant.ofEpochMilli(ts), p.zone());
            long period =
                q.period() == Quota.Period.DAY
                    ? local.toLocalDate().toEpochDay()
                    : YearMonth.from(local).getYear() * 12L
                        + YearMonth.from(local).getMonthValue()
                        - 1;
            // counts are kept for the 4 latest periods; a call older than all of them is refused
            quotaPeriod = period;
            Long count = s.quotaCounts.get(period);
            if (count == null && s.quotaCounts.size() == 4) {
              if (period < s.quotaCounts.firstKey()) {
                failed.add("quota");
                break;
              }
              evictOldest = true;
            }
            if (count != null && count >= q.permits()) {
              failed.add("quota");
            }
            break;
          }
        case RATE:
          {
            rate = (Rate) a.rightOperand();
            long capacity = rate.permits() * rate.unitMillis();
            long tokens;
            long at;
            if (!s.bucketStarted) {
              tokens = capacity;
              at = ts;
            } else {
              tokens = s.scaledTokens;
              at = s.refilledAt;
              if (ts > at) {
                tokens =
                    Math.min(
                        capacity, tokens + Math.min(ts - at, rate.unitMillis()) * rate.permits());
                at = ts;
              }
            }
            if (tokens < rate.unitMillis()) {
              failed.add("rate");
            }
            newTokens = tokens - rate.unitMillis();
            newRefilledAt = at;
            break;
          }
        default:
          throw new IllegalArgumentException(a.toString());
      }
    }
    if (failed.isEmpty()) {
      for (AtomicConstraint a : limits) {
        switch (a.leftOperand()) {
          case COUNT -> s.total++;
          case QUOTA -> {
            if (evictOldest) {
              s.quotaCounts.pollFirstEntry();
            }
            s.quotaCounts.merge(quotaPeriod, 1L, Long::sum);
          }
          case RATE -> {
            s.bucketStarted = true;
            s.scaledTokens = newTokens;
            s.refilledAt = newRefilledAt;
          }
          default -> {}
        }
      }
    }
    return failed;
  }
}
