package io.tollgate.policy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.tollgate.policy.internal.Fingerprint;
import io.tollgate.policy.internal.LocalClock;
import io.tollgate.policy.model.AtomicConstraint;
import io.tollgate.policy.model.Constraint;
import io.tollgate.policy.model.Duty;
import io.tollgate.policy.model.LeftOperand;
import io.tollgate.policy.model.LogicalConstraint;
import io.tollgate.policy.model.OpaReference;
import io.tollgate.policy.model.Operator;
import io.tollgate.policy.model.Origin;
import io.tollgate.policy.model.Policy;
import io.tollgate.policy.model.Polygon;
import io.tollgate.policy.model.Quota;
import io.tollgate.policy.model.Rate;
import io.tollgate.policy.model.Rule;
import io.tollgate.policy.model.TimeWindow;
import io.tollgate.policy.opa.OpaWasmCheck;
import io.tollgate.policy.spi.Check;
import io.tollgate.policy.spi.LimitSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles {@link Policy} models into {@link CompiledPolicy} evaluators.
 *
 * <p>Every constraint must map to a compiled check: an operand or operator the compiler does not
 * know is an error, never an ignored constraint (which would be a silent permit). Compiled policies
 * are cached by content hash, so recompiling an unchanged contract (a policy topic replay, a
 * reload) costs a hash.
 *
 * <p>Thread-safe. All policies compiled by one compiler share its {@link Vocabulary}; combine them
 * in one {@link PolicyEngine}.
 */
public final class PolicyCompiler {
  private static final long OPA_CACHE_SIZE = 10_000;

  /** Larger OPA Wasm modules are refused. */
  public static final long MAX_MODULE_BYTES = 16L * 1024 * 1024;

  private final Vocabulary vocabulary = new Vocabulary();
  private final Cache<String, CompiledPolicy> cache;

  public PolicyCompiler() {
    this(10_000);
  }

  /**
   * @param cacheSize the maximum number of compiled policies kept by content hash
   */
  public PolicyCompiler(long cacheSize) {
    this.cache = Caffeine.newBuilder().maximumSize(cacheSize).build();
  }

  public Vocabulary vocabulary() {
    return vocabulary;
  }

  /** Compiles one policy, or throws with every problem found. */
  public CompiledPolicy compile(Policy policy) throws PolicyException {
    Errors errors = new Errors(policy.origin() == null ? Origin.unknown() : policy.origin());
    Map<String, byte[]> modules = loadModules(policy, errors);
    errors.throwIfAny();
    String version;
    try {
      StringBuilder content = new StringBuilder(Fingerprint.canonical(policy));
      modules.forEach(
          (ref, bytes) ->
              content
                  .append("\nmodule ")
                  .append(ref)
                  .append('=')
                  .append(Fingerprint.sha256(bytes)));
      version = Fingerprint.sha256(content.toString()).substring(0, 16);
    } catch (RuntimeException e) {
      errors.add("", "could not compile: " + e);
      throw new PolicyException(errors.list);
    }
    CompiledPolicy cached = cache.getIfPresent(version);
    if (cached != null) {
      return cached;
    }
    CompiledPolicy compiled;
    try {
      compiled = new Translation(policy, version, modules, errors).run();
    } catch (RuntimeException e) {
      // a value no source should have produced: refuse the contract, never crash the caller
      errors.add("", "could not compile: " + e);
      compiled = null;
    }
    errors.throwIfAny();
    cache.put(version, compiled);
    return compiled;
  }

  /** Compiles several policies, reporting the problems of all of them together. */
  public List<CompiledPolicy> compileAll(List<Policy> policies) throws PolicyException {
    List<CompiledPolicy> out = new ArrayList<>(policies.size());
    List<Diagnostic> all = new ArrayList<>();
    for (Policy p : policies) {
      try {
        out.add(compile(p));
      } catch (PolicyException e) {
        all.addAll(e.diagnostics());
      }
    }
    if (!all.isEmpty()) {
      throw new PolicyException(all);
    }
    return out;
  }

  /** Number of compiled policies in the cache. */
  public long cachedPolicies() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  private static Map<String, byte[]> loadModules(Policy policy, Errors errors) {
    Map<String, byte[]> modules = new LinkedHashMap<>();
    for (Rule r : policy.permissions()) {
      for (Constraint c : r.constraints()) {
        collectModules(c, policy.origin(), modules, errors);
      }
    }
    return modules;
  }

  private static void collectModules(
      Constraint c, Origin origin, Map<String, byte[]> modules, Errors errors) {
    if (c instanceof LogicalConstraint l) {
      l.constraints().forEach(child -> collectModules(child, origin, modules, errors));
    } else if (c instanceof AtomicConstraint a && a.rightOperand() instanceof OpaReference ref) {
      if (modules.containsKey(ref.wasm())) {
        return;
      }
      try {
        modules.put(ref.wasm(), readModule(ref.wasm(), origin == null ? null : origin.baseDir()));
      } catch (IOException e) {
        errors.add(
            a.pointer() + "/wasm", "expected a readable OPA Wasm module, found " + e.getMessage());
      }
    }
  }

  static byte[] readModule(String ref, Path baseDir) throws IOException {
    if (ref.startsWith("classpath:")) {
      String name = ref.substring("classpath:".length());
      try (InputStream in = PolicyCompiler.class.getClassLoader().getResourceAsStream(name)) {
        if (in == null) {
          throw new IOException("no classpath resource '" + name + "'");
        }
        return in.readAllBytes();
      }
    }
    Path rel = Path.of(ref).normalize();
    if (rel.isAbsolute() || rel.startsWith("..") || !ref.endsWith(".wasm")) {
      throw new IOException("a .wasm path inside the contract's directory, not " + ref);
    }
    Path path = baseDir == null ? rel : baseDir.resolve(rel);
    if (!Files.isRegularFile(path)) {
      throw new IOException("no file " + path);
    }
    Path base = (baseDir == null ? Path.of("") : baseDir).toRealPath();
    if (!path.toRealPath().startsWith(base)) {
      throw new IOException(
          "a .wasm file inside the contract's directory, not a link out of it: " + ref);
    }
    long size = Files.size(path);
    if (size > MAX_MODULE_BYTES) {
      throw new IOException("a module of " + size + " bytes (at most " + MAX_MODULE_BYTES + ")");
    }
    return Files.readAllBytes(path);
  }

  /** Diagnostics against one policy's origin. */
  private static final class Errors {
    private final Origin origin;
    private final List<Diagnostic> list = new ArrayList<>();

    Errors(Origin origin) {
      this.origin = origin;
    }

    void add(String pointer, String message) {
      int[] pos = origin.position(pointer == null ? "" : pointer);
      list.add(
          new Diagnostic(
              origin.file(),
              pos == null ? 0 : pos[0],
              pos == null ? 0 : pos[1],
              pointer == null ? "" : pointer,
              message));
    }

    void throwIfAny() throws PolicyException {
      if (!list.isEmpty()) {
        throw new PolicyException(list);
      }
    }
  }

  /** One policy's translation to checks. */
  private final class Translation {
    private final Policy policy;
    private final String version;
    private final Map<String, byte[]> modules;
    private final Errors errors;
    private final LocalClock clock;
    private long total = -1;
    private Quota quota;
    private Rate rate;
    private String[] allow;

    Translation(Policy policy, String version, Map<String, byte[]> modules, Errors errors) {
      this.policy = policy;
      this.version = version;
      this.modules = modules;
      this.errors = errors;
      this.clock = LocalClock.of(policy.zone());
    }

    CompiledPolicy run() {
      if (policy.assignee() == null || policy.target() == null) {
        errors.add(
            "",
            "expected an assignee (consumer) and a target (dataset), found "
                + (policy.assignee() == null ? "no assignee" : "no target"));
      }
      if (!policy.prohibitions().isEmpty()) {
        errors.add(
            policy.prohibitions().get(0).pointer(),
            "prohibitions are not supported by the compiler yet; express the limit as a constraint of the permission");
      }
      if (policy.permissions().size() != 1) {
        errors.add(
            "", "expected exactly one permission rule, found " + policy.permissions().size());
        return null;
      }
      Rule rule = policy.permissions().get(0);
      List<Check> checks = new ArrayList<>();
      long actions = 0;
      for (Action a : rule.actions()) {
        actions |= a.coverageMask();
      }
      if (rule.actions().isEmpty()) {
        errors.add(rule.pointer(), "expected at least one action, found none");
      }
      checks.add(new Checks.ActionCheck(actions));
      for (Constraint c : rule.constraints()) {
        Check check = constraint(c, true);
        if (check != null) {
          checks.add(check);
        }
      }
      List<Obligations.Mask> masks = new ArrayList<>();
      for (Duty d : rule.duties()) {
        if (d.field() == null || d.field().isEmpty() || d.method() == null) {
          errors.add(d.pointer(), "expected a field and a mask method (hash, redact, drop)");
          continue;
        }
        masks.add(new Obligations.Mask(d.field(), d.method()));
      }
      LimitSpec limits =
          total >= 0 || quota != null || rate != null
              ? new LimitSpec(total, quota, rate, policy.zone())
              : null;
      Obligations obligations =
          allow == null && masks.isEmpty()
              ? Obligations.NONE
              : new Obligations(allow, masks.toArray(new Obligations.Mask[0]));
      return new CompiledPolicy(
          policy, version, vocabulary, checks.toArray(new Check[0]), limits, obligations);
    }

    /** A check for a constraint, or null for a stateful limit (recorded) or an error (reported). */
    private Check constraint(Constraint c, boolean topLevel) {
      if (c instanceof LogicalConstraint l) {
        return logical(l);
      }
      AtomicConstraint a = (AtomicConstraint) c;
      LeftOperand left = a.leftOperand();
      Operator op = a.operator();
      Object right = a.rightOperand();
      String at = a.pointer();
      switch (left) {
        case PURPOSE:
          {
            List<String> values = strings(a);
            if (values == null
                || !oneOf(a, Operator.IS_ANY_OF, Operator.EQ, Operator.IS_NONE_OF, Operator.NEQ)) {
              return null;
            }
            return new Checks.PurposeCheck(
                bits(Vocabulary.Kind.PURPOSE, values),
                op == Operator.IS_NONE_OF || op == Operator.NEQ);
          }
        case DATE_TIME:
          {
            if (!(right instanceof Instant t)) {
              return typeError(a, "an ISO-8601 instant");
            }
            long ms = t.toEpochMilli();
            switch (op) {
              case GTEQ:
                return new Checks.PeriodCheck(ms, Long.MAX_VALUE);
              case GT:
                return new Checks.PeriodCheck(ms + 1, Long.MAX_VALUE);
              case LT:
                return new Checks.PeriodCheck(Long.MIN_VALUE, ms);
              case LTEQ:
                return new Checks.PeriodCheck(Long.MIN_VALUE, ms + 1);
              default:
                oneOf(a, Operator.GTEQ, Operator.GT, Operator.LT, Operator.LTEQ);
                return null;
            }
          }
        case TIME_OF_DAY:
          {
            if (!(right instanceof TimeWindow w)) {
              return typeError(a, "a time window {from, until}");
            }
            if (!oneOf(a, Operator.IS_PART_OF)) {
              return null;
            }
            return new Checks.HoursCheck(
                clock, w.from().toSecondOfDay(), w.until().toSecondOfDay());
          }
        case DAY_OF_WEEK:
          {
            if (!(right instanceof List<?> list)
                || list.isEmpty()
                || !list.stream().allMatch(DayOfWeek.class::isInstance)) {
              return typeError(a, "a non-empty list of days of week");
            }
            if (!oneOf(a, Operator.IS_ANY_OF)) {
              return null;
            }
            int days = 0;
            for (Object d : list) {
              days |= 1 << (((DayOfWeek) d).getValue() - 1);
            }
            return new Checks.DaysCheck(clock, days);
          }
        case FIELD:
          {
            List<String> values = strings(a);
            if (values == null || !oneOf(a, Operator.IS_PART_OF)) {
              return null;
            }
            if (topLevel) {
              if (allow != null) {
                errors.add(at, "expected one field allow-list, found a second");
              }
              allow = values.toArray(new String[0]);
            }
            return new Checks.FieldsCheck(bits(Vocabulary.Kind.FIELD, values));
          }
        case SPATIAL:
          {
            List<String> values = strings(a);
            if (values == null
                || !oneOf(a, Operator.IS_ANY_OF, Operator.EQ, Operator.IS_NONE_OF, Operator.NEQ)) {
              return null;
            }
            List<Integer> countries = new ArrayList<>();
            for (String r : values) {
              if (r.length() == 2) {
                countries.add((r.charAt(0) << 16) | r.charAt(1));
              }
            }
            return new Checks.RegionCheck(
                bits(Vocabulary.Kind.REGION, values),
                countries.stream().mapToInt(Integer::intValue).toArray(),
                op == Operator.IS_NONE_OF || op == Operator.NEQ);
          }
        case SPATIAL_COORDINATES:
          {
            if (!(right instanceof Polygon polygon)) {
              return typeError(a, "a polygon");
            }
            if (!oneOf(a, Operator.IS_PART_OF)) {
              return null;
            }
            return new Checks.GeofenceCheck(polygon);
          }
        case DELIVERY_CHANNEL:
          {
            if (!(right instanceof List<?> list)
                || list.isEmpty()
                || !list.stream().allMatch(Channel.class::isInstance)) {
              return typeError(a, "a non-empty list of channels");
            }
            if (!oneOf(a, Operator.IS_ANY_OF, Operator.IS_NONE_OF)) {
              return null;
            }
            int mask = 0;
            for (Object ch : list) {
              mask |= 1 << ((Channel) ch).ordinal();
            }
            return new Checks.ChannelCheck(mask, op == Operator.IS_NONE_OF);
          }
        case COUNT:
          {
            if (!(right instanceof Long n) || n < 0) {
              return typeError(a, "a non-negative count");
            }
            if (!stateful(a, topLevel) || !oneOf(a, Operator.LTEQ, Operator.LT)) {
              return null;
            }
            if (total >= 0) {
              errors.add(at, "expected one total limit, found a second");
            }
            total = op == Operator.LT ? Math.max(0, n - 1) : n;
            return null;
          }
        case QUOTA:
          {
            if (!(right instanceof Quota q)) {
              return typeError(a, "a quota N/day or N/month");
            }
            if (!stateful(a, topLevel) || !oneOf(a, Operator.LTEQ)) {
              return null;
            }
            if (quota != null) {
              errors.add(at, "expected one quota, found a second");
            }
            quota = q;
            return null;
          }
        case RATE:
          {
            if (!(right instanceof Rate r)) {
              return typeError(a, "a rate N/s, N/min or N/h");
            }
            if (!stateful(a, topLevel) || !oneOf(a, Operator.LTEQ)) {
              return null;
            }
            if (rate != null) {
              errors.add(at, "expected one rate, found a second");
            }
            rate = r;
            return null;
          }
        case OPA:
          {
            if (!(right instanceof OpaReference ref)) {
              return typeError(a, "an OPA reference {wasm, entrypoint, input}");
            }
            if (!oneOf(a, Operator.EQ)) {
              return null;
            }
            byte[] module = modules.get(ref.wasm());
            if (module == null) {
              return null; // reported while loading modules
            }
            try {
              return new OpaWasmCheck(
                  module, ref.entrypoint(), ref.input(), ref.dataJson(), OPA_CACHE_SIZE);
            } catch (IllegalArgumentException e) {
              errors.add(at, e.getMessage());
              return null;
            }
          }
        default:
          errors.add(at, "left operand " + left.term() + " is not supported");
          return null;
      }
    }

    private Check logical(LogicalConstraint l) {
      if (l.op() != LogicalConstraint.Op.AND && l.op() != LogicalConstraint.Op.OR) {
        errors.add(
            l.pointer(),
            "logical operator "
                + l.op().name().toLowerCase()
                + " is not supported yet (expected and, or)");
        return null;
      }
      if (l.constraints().isEmpty()) {
        errors.add(
            l.pointer(), "expected at least one constraint in a logical constraint, found none");
        return null;
      }
      List<Check> children = new ArrayList<>();
      for (Constraint c : l.constraints()) {
        Check child = constraint(c, false);
        if (child != null) {
          children.add(child);
        }
      }
      Check[] arr = children.toArray(new Check[0]);
      return l.op() == LogicalConstraint.Op.AND ? new Checks.AllOf(arr) : new Checks.AnyOf(arr);
    }

    private boolean stateful(AtomicConstraint a, boolean topLevel) {
      if (!topLevel) {
        errors.add(
            a.pointer(),
            "a "
                + a.leftOperand().term()
                + " limit must be a top-level constraint of the permission, not inside a logical constraint");
        return false;
      }
      return true;
    }

    private boolean oneOf(AtomicConstraint a, Operator... allowed) {
      for (Operator o : allowed) {
        if (a.operator() == o) {
          return true;
        }
      }
      StringBuilder sb = new StringBuilder();
      for (Operator o : allowed) {
        sb.append(sb.length() == 0 ? "" : ", ").append(o.term());
      }
      errors.add(
          a.pointer(),
          "left operand "
              + a.leftOperand().term()
              + " takes operator "
              + sb
              + ", found "
              + a.operator().term());
      return false;
    }

    private List<String> strings(AtomicConstraint a) {
      Object r = a.rightOperand();
      if (r instanceof String s) {
        return List.of(s);
      }
      if (r instanceof List<?> list
          && !list.isEmpty()
          && list.stream().allMatch(String.class::isInstance)) {
        @SuppressWarnings("unchecked")
        List<String> strings = (List<String>) list;
        return strings;
      }
      typeError(a, "a non-empty list of strings");
      return null;
    }

    private Check typeError(AtomicConstraint a, String expected) {
      errors.add(
          a.pointer(),
          "left operand "
              + a.leftOperand().term()
              + " expects "
              + expected
              + " as right operand, found "
              + a.rightOperand());
      return null;
    }

    private long[] bits(Vocabulary.Kind kind, List<String> values) {
      int[] ids = vocabulary.internAll(kind, values);
      int max = 0;
      for (int id : ids) {
        max = Math.max(max, id);
      }
      long[] bits = new long[(max >>> 6) + 1];
      for (int id : ids) {
        bits[id >>> 6] |= 1L << id;
      }
      return bits;
    }
  }
}
