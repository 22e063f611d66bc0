package io.tollgate.policy.opa;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.styra.opa.wasm.OpaPolicy;
import io.tollgate.policy.DataCall;
import io.tollgate.policy.Reason;
import io.tollgate.policy.spi.Check;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A constraint decided by an Open Policy Agent policy compiled to WebAssembly, evaluated in process
 * with opa-java-wasm (Chicory). It holds when the entrypoint evaluates to {@code true}; anything
 * else (false, undefined, a non-boolean, an evaluation error) fails it with reason {@code opa}:
 * never a silent permit.
 *
 * <p>Only the call attributes named in the contract's {@code input} mapping reach OPA, so a result
 * depends on them alone and is cached in a bounded Caffeine cache keyed by the input document.
 * Building that key allocates: this is the one check that does.
 */
public final class OpaWasmCheck extends Check {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] ATTRIBUTES = {
    "consumer", "dataset", "action", "purpose", "region", "channel"
  };

  private final OpaPolicy policy;
  private final String[] inputKeys;
  private final String[] attributes;
  private final Cache<String, Boolean> results;
  private final AtomicLong evaluations = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();

  /**
   * @param wasm the module's bytes
   * @param entrypoint the entrypoint, which must exist in the module
   * @param input OPA input key to call attribute
   * @param dataJson OPA data document, or null
   * @param cacheSize maximum cached results
   * @throws IllegalArgumentException when the module cannot be loaded, the entrypoint does not
   *     exist, an attribute is unknown or the data is not a JSON object
   */
  public OpaWasmCheck(
      byte[] wasm, String entrypoint, Map<String, String> input, String dataJson, long cacheSize) {
    super(Reason.OPA.bit());
    Map<String, String> sorted = new TreeMap<>(input);
    inputKeys = sorted.keySet().toArray(new String[0]);
    attributes = sorted.values().toArray(new String[0]);
    for (String a : attributes) {
      if (!isAttribute(a)) {
        throw new IllegalArgumentException(
            "unknown call attribute '"
                + a
                + "' (expected one of "
                + String.join(", ", ATTRIBUTES)
                + ")");
      }
    }
    OpaPolicy p;
    try {
      p = OpaPolicy.builder().withPolicy(wasm).build();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "not a loadable OPA Wasm module (" + e.getClass().getSimpleName() + ")", e);
    }
    if (!p.entrypoints().containsKey(entrypoint)) {
      throw new IllegalArgumentException(
          "entrypoint '"
              + entrypoint
              + "' not in module (it has "
              + p.entrypoints().keySet()
              + ")");
    }
    p.entrypoint(entrypoint);
    if (dataJson != null) {
      try {
        JsonNode data = JSON.readTree(dataJson);
        if (!data.isObject()) {
          throw new IllegalArgumentException("OPA data must be a JSON object");
        }
        p.data(data);
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("OPA data is not valid JSON: " + e.getMessage(), e);
      }
    }
    this.policy = p;
    this.results = Caffeine.newBuilder().maximumSize(cacheSize).build();
  }

  /** True when {@code name} is a call attribute the input mapping may name. */
  public static boolean isAttribute(String name) {
    for (String a : ATTRIBUTES) {
      if (a.equals(name)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public int failures(DataCall call) {
    String in = input(call);
    Boolean ok = results.get(in, this::evaluate);
    return Boolean.TRUE.equals(ok) ? 0 : reasons;
  }

  /** The input document for a call: only the mapped attributes, in key order. */
  String input(DataCall call) {
    StringBuilder sb = new StringBuilder(64).append('{');
    JsonStringEncoder enc = JsonStringEncoder.getInstance();
    for (int i = 0; i < inputKeys.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append('"');
      enc.quoteAsString(inputKeys[i], sb);
      sb.append("\":");
      String v = attribute(call, attributes[i]);
      if (v == null) {
        sb.append("null");
      } else {
        sb.append('"');
        enc.quoteAsString(v, sb);
        sb.append('"');
      }
    }
    return sb.append('}').toString();
  }

  private static String attribute(DataCall call, String name) {
    switch (name) {
      case "consumer":
        return call.consumer();
      case "dataset":
        return call.dataset();
      case "action":
        return call.action() == null ? null : call.action().term();
      case "purpose":
        return call.purpose();
      case "region":
        return call.region();
      case "channel":
        return call.channel() == null ? null : call.channel().term();
      default:
        return null;
    }
  }

  private Boolean evaluate(String input) {
    evaluations.incrementAndGet();
    String out;
    try {
      synchronized (policy) { // an OpaPolicy instance is single-threaded
        out = policy.evaluate(input);
      }
      JsonNode result = JSON.readTree(out);
      // opa-java-wasm returns a result set: [{"result": <value>}]
      return result.isArray()
          && result.size() == 1
          && result.get(0).path("result").isBoolean()
          && result.get(0).get("result").booleanValue();
    } catch (Exception e) {
      errors.incrementAndGet();
      return Boolean.FALSE;
    }
  }

  /** Number of Wasm evaluations (cache misses). */
  public long evaluations() {
    return evaluations.get();
  }

  /** Number of evaluations that failed with an error (and so failed the constraint). */
  public long errors() {
    return errors.get();
  }
}
