package io.tollgate.policy.source;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads YAML (several documents separated by {@code ---}) into trees, recording the line and column
 * of every value by JSON pointer, so that errors can name both.
 *
 * <p>Hostile input is bounded: nesting, key length, list length and the number of values per
 * document have limits far above any real contract, so memory and time stay linear in the file.
 * YAML anchors and aliases are refused (an alias would otherwise read as its anchor's name).
 *
 * <p>Public so that other YAML files of Tollgate (the gateway's configuration, its participants)
 * locate their errors the same way contracts do.
 */
public final class LocatedDocuments {
  static final int MAX_DEPTH = 16;
  static final int MAX_KEY_CHARS = 200;
  static final int MAX_LIST = 10_000;
  static final int MAX_VALUES = 100_000;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final StreamReadConstraints LIMITS =
      StreamReadConstraints.builder()
          .maxNestingDepth(MAX_DEPTH + 2)
          .maxNumberLength(100)
          .maxStringLength(1 << 20)
          .build();
  private static final YAMLFactory YAML =
      YAMLFactory.builder().streamReadConstraints(LIMITS).build();

  /** One document: its tree, the positions of its values, and its own text. */
  public record Document(JsonNode root, Map<String, int[]> positions, String text) {}

  /** A syntax error, or a limit exceeded ({@link #limit}): where, and what. */
  public static final class SyntaxError extends Exception {
    public final int line;
    public final int column;
    public final boolean limit;

    SyntaxError(String message, int line, int column, boolean limit) {
      super(message);
      this.line = line;
      this.column = column;
      this.limit = limit;
    }
  }

  /** A document over one of the limits. */
  private static final class LimitExceeded extends JsonParseException {
    LimitExceeded(JsonParser p, String message) {
      super(p, message);
    }
  }

  private LocatedDocuments() {}

  public static List<Document> yaml(String text) throws SyntaxError {
    return read(YAML, text);
  }

  private static List<Document> read(JsonFactory factory, String text) throws SyntaxError {
    List<Document> docs = new ArrayList<>();
    Offsets offsets = new Offsets(text, factory instanceof YAMLFactory);
    try (JsonParser p = factory.createParser(text)) {
      p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        int from = offsets.lineStart(offsets.chars(p.currentTokenLocation().getCharOffset()));
        Reader r = new Reader(p);
        JsonNode root = r.value(t, "", 0);
        int to = offsets.chars(p.currentLocation().getCharOffset());
        if (!root.isNull() && !(root.isTextual() && root.asText().isEmpty())) {
          docs.add(new Document(root, r.positions, text.substring(Math.min(from, to), to)));
        }
      }
    } catch (JsonParseException e) {
      int[] at = position(e);
      throw new SyntaxError(
          e.getOriginalMessage().lines().findFirst().orElse("syntax error"),
          at[0],
          at[1],
          e instanceof LimitExceeded);
    } catch (IOException e) {
      throw new SyntaxError(String.valueOf(e.getMessage()), 0, 0, false);
    } catch (RuntimeException e) {
      int[] at = position(e);
      throw new SyntaxError(
          String.valueOf(e.getMessage()).lines().findFirst().orElse("syntax error"),
          at[0],
          at[1],
          false);
    }
    return docs;
  }

  /**
   * Turns the parser's offsets into char indexes of the text, in one forward pass over all
   * documents: SnakeYAML counts offsets in code points ({@code codePoints}), Jackson's JSON parser
   * in chars. Offsets only grow from one document to the next, so the cursor never goes back.
   */
  private static final class Offsets {
    private final String text;
    private final boolean codePoints;
    private int cp;
    private int ch;

    Offsets(String text, boolean codePoints) {
      this.text = text;
      this.codePoints = codePoints;
    }

    int chars(long offset) {
      if (offset < 0) {
        return text.length();
      }
      if (!codePoints) {
        return (int) Math.min(offset, text.length());
      }
      if (offset < cp) { // not expected; start again rather than guess
        cp = 0;
        ch = 0;
      }
      while (cp < offset && ch < text.length()) {
        ch += Character.charCount(text.codePointAt(ch));
        cp++;
      }
      return ch;
    }

    /**
     * The start of the line {@code at} is on: a document's text begins there, so that an indented
     * document keeps its first line's indentation (and a {@code --- } before it on that line).
     */
    int lineStart(int at) {
      int i = Math.min(at, text.length());
      while (i > 0 && text.charAt(i - 1) != '\n' && text.charAt(i - 1) != '\r') {
        i--;
      }
      return i;
    }
  }

  /** The best position for an error: SnakeYAML's problem mark when there is one. */
  private static int[] position(Exception e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof org.yaml.snakeyaml.error.MarkedYAMLException m
          && m.getProblemMark() != null) {
        return new int[] {m.getProblemMark().getLine() + 1, m.getProblemMark().getColumn() + 1};
      }
    }
    if (e instanceof JsonParseException j && j.getLocation() != null) {
      return new int[] {j.getLocation().getLineNr(), j.getLocation().getColumnNr()};
    }
    return new int[] {0, 0};
  }

  private static final class Reader {
    private final JsonParser p;
    final Map<String, int[]> positions = new HashMap<>();
    private int values;

    Reader(JsonParser p) {
      this.p = p;
    }

    JsonNode value(JsonToken t, String pointer, int depth) throws IOException {
      JsonLocation loc = p.currentTokenLocation();
      if (++values > MAX_VALUES) {
        throw new LimitExceeded(p, "a contract document holds at most " + MAX_VALUES + " values");
      }
      if (depth > MAX_DEPTH) {
        throw new LimitExceeded(p, "a contract nests at most " + MAX_DEPTH + " levels");
      }
      if (p instanceof YAMLParser y) {
        if (y.isCurrentAlias()) {
          throw new JsonParseException(
              p,
              "YAML aliases (*"
                  + p.getText()
                  + ") are not supported in contracts: write the value out");
        }
        Object anchor = y.getObjectId(); // YAML anchors are Jackson's object ids
        if (anchor != null) {
          throw new JsonParseException(
              p, "YAML anchors (&" + anchor + ") are not supported in contracts");
        }
      }
      positions.put(pointer, new int[] {loc.getLineNr(), loc.getColumnNr()});
      switch (t) {
        case START_OBJECT:
          {
            ObjectNode o = NODES.objectNode();
            JsonToken k;
            while ((k = p.nextToken()) == JsonToken.FIELD_NAME) {
              String name = p.currentName();
              if (name.length() > MAX_KEY_CHARS) {
                throw new LimitExceeded(p, "a key has at most " + MAX_KEY_CHARS + " characters");
              }
              String child = pointer + "/" + escape(name);
              JsonLocation kl = p.currentTokenLocation();
              JsonNode v = value(p.nextToken(), child, depth + 1);
              if (v.isContainerNode()) {
                // a block mapping or list starts on the lines below its key: point at the key
                positions.put(child, new int[] {kl.getLineNr(), kl.getColumnNr()});
              }
              o.set(name, v);
            }
            return o;
          }
        case START_ARRAY:
          {
            ArrayNode a = NODES.arrayNode();
            JsonToken e;
            int i = 0;
            while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
              if (i == MAX_LIST) {
                throw new LimitExceeded(p, "a list holds at most " + MAX_LIST + " items");
              }
              a.add(value(e, pointer + "/" + i++, depth + 1));
            }
            return a;
          }
        case VALUE_STRING:
          return NODES.textNode(p.getText());
        case VALUE_NUMBER_INT:
          return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
              ? NODES.numberNode(p.getBigIntegerValue())
              : NODES.numberNode(p.getLongValue());
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
  }

  static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }
}
