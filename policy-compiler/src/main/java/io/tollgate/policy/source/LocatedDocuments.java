package io.tollgate.policy.source;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads YAML (several documents separated by {@code ---}) or JSON into trees, recording the line
 * and column of every value by JSON pointer, so that errors can name both.
 */
final class LocatedDocuments {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final YAMLFactory YAML = YAMLFactory.builder().build();
  private static final JsonFactory JSON = JsonFactory.builder().build();

  /** One document: its tree and the positions of its values. */
  record Document(JsonNode root, Map<String, int[]> positions) {}

  /** A syntax error: where, and what the parser said. */
  static final class SyntaxError extends Exception {
    final int line;
    final int column;

    SyntaxError(String message, int line, int column) {
      super(message);
      this.line = line;
      this.column = column;
    }
  }

  private LocatedDocuments() {}

  static List<Document> yaml(String text) throws SyntaxError {
    return read(YAML, text);
  }

  static List<Document> json(String text) throws SyntaxError {
    return read(JSON, text);
  }

  private static List<Document> read(JsonFactory factory, String text) throws SyntaxError {
    List<Document> docs = new ArrayList<>();
    try (JsonParser p = factory.createParser(text)) {
      p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        Map<String, int[]> positions = new HashMap<>();
        JsonNode root = value(p, t, "", positions);
        if (!root.isNull() && !(root.isTextual() && root.asText().isEmpty())) {
          docs.add(new Document(root, positions));
        }
      }
    } catch (JsonParseException e) {
      JsonLocation loc = e.getLocation();
      throw new SyntaxError(e.getOriginalMessage(), loc == null ? 0 : loc.getLineNr(), loc == null ? 0 : loc.getColumnNr());
    } catch (IOException e) {
      throw new SyntaxError(e.getMessage(), 0, 0);
    } catch (RuntimeException e) {
      // SnakeYAML reports some syntax errors as unchecked exceptions wrapped by Jackson
      throw new SyntaxError(String.valueOf(e.getMessage()).lines().findFirst().orElse("syntax error"), 0, 0);
    }
    return docs;
  }

  private static JsonNode value(JsonParser p, JsonToken t, String pointer, Map<String, int[]> positions)
      throws IOException {
    JsonLocation loc = p.currentTokenLocation();
    positions.put(pointer, new int[] {loc.getLineNr(), loc.getColumnNr()});
    switch (t) {
      case START_OBJECT: {
        ObjectNode o = NODES.objectNode();
        JsonToken k;
        while ((k = p.nextToken()) == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          String child = pointer + "/" + escape(name);
          JsonLocation kl = p.currentTokenLocation();
          JsonNode v = value(p, p.nextToken(), child, positions);
          if (v.isContainerNode()) {
            // a block mapping or list starts on the lines below its key: point at the key
            positions.put(child, new int[] {kl.getLineNr(), kl.getColumnNr()});
          }
          o.set(name, v);
        }
        return o;
      }
      case START_ARRAY: {
        ArrayNode a = NODES.arrayNode();
        JsonToken e;
        int i = 0;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
          a.add(value(p, e, pointer + "/" + i++, positions));
        }
        return a;
      }
      case VALUE_STRING:
        return NODES.textNode(p.getText());
      case VALUE_NUMBER_INT:
        return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
            ? NODES.numberNode(p.getBigIntegerValue()) : NODES.numberNode(p.getLongValue());
      case VALUE_NUMBER_FLOAT:
        return NODES.numberNode(p.getDecimalValue());
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
      default:
        throw new JsonParseException(p, "unexpected token " + t);
    }
  }

  static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }
}
