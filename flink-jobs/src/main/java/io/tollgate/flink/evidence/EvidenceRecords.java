package io.tollgate.flink.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.enforcement.Topics;
import io.tollgate.enforcement.contracts.ContractRecords;
import io.tollgate.evidence.Entry;
import io.tollgate.policy.PolicyCompiler;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;

/**
 * What the log holds of a record of each topic (docs/evidence.md, "Entries"): a contract version
 * (its content hash and its text's SHA-256; the text itself is kept beside the tiles), a
 * revocation, a feedback event as it was written, a closed usage period. A record that cannot be
 * read is logged too, as what it was: nothing read is left out.
 */
final class EvidenceRecords {
  static final ObjectMapper JSON = new ObjectMapper();

  /** The entry's kind, contract, time and record; null for a record the log does not hold. */
  record Content(String kind, String contract, long at, JsonNode record, byte[] text) {}

  private final PolicyCompiler compiler = new PolicyCompiler();
  private final Path opaDir;

  EvidenceRecords(Path opaDir) {
    this.opaDir = opaDir;
  }

  Content of(Sourced s) {
    switch (s.topic) {
      case Topics.POLICIES:
        return policy(s);
      case Topics.FEEDBACK:
        return feedback(s);
      case Topics.USAGE:
        return usage(s);
      default:
        throw new IllegalArgumentException("no evidence of topic " + s.topic);
    }
  }

  private Content policy(Sourced s) {
    String contract = utf8(s.key);
    if (s.value == null) {
      ObjectNode r = JSON.createObjectNode();
      if (contract == null) {
        r.put("error", "a tombstone without a readable key");
      }
      return new Content(Entry.REVOCATION, contract, s.timestamp, r, null);
    }
    ObjectNode r = JSON.createObjectNode();
    r.put("textSha256", sha256(s.value));
    r.put("bytes", s.value.length);
    String text = utf8(s.value);
    if (contract == null || text == null) {
      r.put("error", "a key or value that is not UTF-8");
    } else {
      try {
        r.put(
            "version",
            ContractRecords.compile(compiler, contract, text, "tollgate.policies", opaDir)
                .version());
      } catch (Exception e) {
        // the enforcement points suspend it: the log says so, with the reason
        r.put("error", String.valueOf(e.getMessage()));
      }
    }
    return new Content(Entry.CONTRACT, contract, s.timestamp, r, s.value);
  }

  /** How far an event's time may lie ahead of its Kafka record's to be its entry's time. */
  static final long MAX_AHEAD_MS = 24 * 3_600_000L;

  private Content feedback(Sourced s) {
    JsonNode f = readObject(s.value);
    if (f == null) {
      return new Content(Entry.DECISION, null, s.timestamp, unreadable(s.value), null);
    }
    JsonNode c = f.get("contract");
    long at = s.timestamp;
    JsonNode et = f.get("eventTime");
    if (et != null && et.isTextual()) {
      try {
        long t = Instant.parse(et.textValue()).toEpochMilli();
        // time never goes back along a chain (the sealer holds it), so an event time far ahead
        // of its record would carry the contract's later entries with it: the record's own
        // time then, as for an unreadable one (the event keeps its eventTime)
        if (t <= s.timestamp + MAX_AHEAD_MS) {
          at = t;
        }
      } catch (RuntimeException e) {
        // the record's own time then
      }
    }
    return new Content(
        Entry.DECISION, c != null && c.isTextual() ? c.textValue() : null, at, f, null);
  }

  private Content usage(Sourced s) {
    JsonNode ce = readObject(s.value);
    if (ce == null) {
      return new Content(Entry.USAGE, null, s.timestamp, unreadable(s.value), null);
    }
    JsonNode d = ce.path("data");
    if (!d.path("final").asBoolean(false)) {
      return null; // a running total: only closed periods are evidence
    }
    ObjectNode r = JSON.createObjectNode();
    r.put("id", ce.path("id").asText());
    r.set("data", d);
    JsonNode c = d.get("contract");
    return new Content(
        Entry.USAGE, c != null && c.isTextual() ? c.textValue() : null, s.timestamp, r, null);
  }

  private static JsonNode readObject(byte[] v) {
    if (v == null) {
      return null;
    }
    try {
      JsonNode n = JSON.readTree(v);
      return n != null && n.isObject() ? n : null;
    } catch (Exception e) {
      return null;
    }
  }

  private static JsonNode unreadable(byte[] v) {
    ObjectNode r = JSON.createObjectNode();
    r.put("error", v == null ? "no value" : "not a JSON object");
    if (v != null) {
      r.put("valueSha256", sha256(v));
      r.put("bytes", v.length);
      if (v.length <= 16_384) {
        r.put("value", java.util.Base64.getEncoder().encodeToString(v));
      }
    }
    return r;
  }

  static String utf8(byte[] b) {
    if (b == null) {
      return null;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
