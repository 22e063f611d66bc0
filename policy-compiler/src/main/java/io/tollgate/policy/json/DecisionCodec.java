package io.tollgate.policy.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.tollgate.policy.Decision;
import io.tollgate.policy.Obligations;
import io.tollgate.policy.Reason;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;

/**
 * JSON encoding of a {@link Decision}, one object per line:
 *
 * <pre>{"id":"c1","outcome":"PERMIT","contract":"fleet-2026","policy":"3f2a...","ts":"...",
 * "reasons":[],"obligations":{"project":["speed"],"mask":{"vin":"hash"}}}</pre>
 */
public final class DecisionCodec {
  private final JsonFactory json = JsonFactory.builder().build();

  public String toJson(Decision d) {
    StringWriter w = new StringWriter(192);
    try (JsonGenerator g = json.createGenerator(w)) {
      write(d, g);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return w.toString();
  }

  /** Writes the decision as one object. */
  public void write(Decision d, JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", d.callId());
    g.writeStringField("outcome", d.outcome().name());
    g.writeStringField("contract", d.contractId());
    g.writeStringField("policy", d.policyVersion());
    g.writeStringField("ts", Instant.ofEpochMilli(d.ts()).toString());
    g.writeArrayFieldStart("reasons");
    for (String r : Reason.codes(d.reasonMask())) {
      g.writeString(r);
    }
    g.writeEndArray();
    g.writeObjectFieldStart("obligations");
    if (d.project() != null) {
      g.writeArrayFieldStart("project");
      for (String f : d.project()) {
        g.writeString(f);
      }
      g.writeEndArray();
    }
    if (d.masks() != null && d.masks().length > 0) {
      g.writeObjectFieldStart("mask");
      for (Obligations.Mask m : d.masks()) {
        g.writeStringField(m.field(), m.method().term());
      }
      g.writeEndObject();
    }
    g.writeEndObject();
    g.writeEndObject();
  }
}
