package io.tollgate.gateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.policy.Diagnostic;
import io.tollgate.policy.source.LocatedDocuments;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A value of a YAML file with its JSON pointer, so that every problem names its line and column.
 * Problems are collected in the file's {@link Problems}; readers go on after one, so a file's
 * errors are all reported at once.
 */
public final class Node {
  /** The problems of one or more files, and where each file's values are. */
  public static final class Problems {
    private final List<Diagnostic> list = new ArrayList<>();

    public void add(Diagnostic d) {
      list.add(d);
    }

    public boolean any() {
      return !list.isEmpty();
    }

    public List<Diagnostic> list() {
      return list;
    }

    public void throwIfAny() throws ConfigException {
      if (!list.isEmpty()) {
        throw new ConfigException(list);
      }
    }
  }

  private static final int MAX_FILE_BYTES = 4 << 20;
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("(\\d{1,12})(B|KiB|MiB|GiB)?");

  private final JsonNode value;
  private final String pointer;
  private final String file;
  private final Map<String, int[]> positions;
  private final Problems problems;

  private Node(
      JsonNode value, String pointer, String file, Map<String, int[]> positions, Problems p) {
    this.value = value;
    this.pointer = pointer;
    this.file = file;
    this.positions = positions;
    this.problems = p;
  }

  /** Reads one YAML document from {@code path}; null (with a problem) when it cannot. */
  public static Node read(Path path, Problems problems) {
    String file = path.toString();
    byte[] bytes;
    try {
      if (Files.size(path) > MAX_FILE_BYTES) {
        problems.add(
            new Diagnostic(file, 0, 0, "", "expected a file of at most 4 MiB, found a larger one"));
        return null;
      }
      bytes = Files.readAllBytes(path);
    } catch (java.io.IOException e) {
      problems.add(new Diagnostic(file, 0, 0, "", "cannot read: " + e));
      return null;
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      problems.add(new Diagnostic(file, 0, 0, "", "expected UTF-8 text, found invalid bytes"));
      return null;
    }
    return parse(file, text, problems);
  }

  /** Parses one YAML document of text. */
  public static Node parse(String file, String text, Problems problems) {
    try {
      List<LocatedDocuments.Document> docs = LocatedDocuments.yaml(text);
      if (docs.size() != 1) {
        problems.add(
            new Diagnostic(file, 0, 0, "", "expected one YAML document, found " + docs.size()));
        return null;
      }
      LocatedDocuments.Document d = docs.get(0);
      Node root = new Node(d.root(), "", file, d.positions(), problems);
      if (!d.root().isObject()) {
        root.problem("expected a mapping, found " + kind(d.root()));
        return null;
      }
      return root;
    } catch (LocatedDocuments.SyntaxError e) {
      problems.add(new Diagnostic(file, e.line, e.column, "", e.getMessage()));
      return null;
    }
  }

  public String file() {
    return file;
  }

  public String pointer() {
    return pointer;
  }

  public int line() {
    int[] at = positions.get(pointer);
    return at == null ? 0 : at[0];
  }

  /** Records a problem with this value. */
  public void problem(String message) {
    int[] at = positions.get(pointer);
    problems.add(
        new Diagnostic(file, at == null ? 0 : at[0], at == null ? 0 : at[1], pointer, message));
  }

  public Problems problems() {
    return problems;
  }

  public boolean has(String key) {
    JsonNode v = value.get(key);
    return v != null && !v.isNull();
  }

  /** Keys outside {@code known} are problems (a typo must not pass for a default). */
  public void only(String... known) {
    Set<String> k = Set.of(known);
    for (Iterator<String> it = value.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!k.contains(name)) {
        child(name).problem("unknown key; expected one of " + String.join(", ", known));
      }
    }
  }

  public Node child(String key) {
    JsonNode v = value.get(key);
    return new Node(
        v == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : v,
        pointer + "/" + key.replace("~", "~0").replace("/", "~1"),
        file,
        positions,
        problems);
  }

  /** A mapping under key, or null (with a problem if required). */
  public Node object(String key, boolean required) {
    Node c = child(key);
    if (c.value.isNull()) {
      if (required) {
        problem("expected key " + key);
      }
      return null;
    }
    if (!c.value.isObject()) {
      c.problem("expected a mapping, found " + kind(c.value));
      return null;
    }
    return c;
  }

  /** The items of a list under key (empty when absent and not required). */
  public List<Node> list(String key, boolean required) {
    Node c = child(key);
    List<Node> out = new ArrayList<>();
    if (c.value.isNull()) {
      if (required) {
        problem("expected key " + key);
      }
      return out;
    }
    if (!c.value.isArray()) {
      c.problem("expected a list, found " + kind(c.value));
      return out;
    }
    for (int i = 0; i < c.value.size(); i++) {
      out.add(new Node(c.value.get(i), c.pointer + "/" + i, file, positions, problems));
    }
    return out;
  }

  public boolean isObject() {
    return value.isObject();
  }

  public boolean isText() {
    return value.isTextual();
  }

  public String asText() {
    return value.asText();
  }

  public String text(String key, String dflt) {
    Node c = child(key);
    if (c.value.isNull()) {
      if (dflt == null) {
        problem("expected key " + key);
      }
      return dflt;
    }
    if (!c.value.isTextual() && !c.value.isNumber()) {
      c.problem("expected text, found " + kind(c.value));
      return dflt;
    }
    String s = c.value.asText();
    if (s.isEmpty()) {
      c.problem("expected text, found an empty string");
      return dflt;
    }
    return s;
  }

  /** Optional text: null when absent. */
  public String optionalText(String key) {
    Node c = child(key);
    if (c.value.isNull()) {
      return null;
    }
    return text(key, "");
  }

  public List<String> texts(String key) {
    List<String> out = new ArrayList<>();
    for (Node n : list(key, false)) {
      if (!n.value.isTextual() || n.value.asText().isEmpty()) {
        n.problem("expected text, found " + kind(n.value));
      } else {
        out.add(n.value.asText());
      }
    }
    return out;
  }

  public boolean bool(String key, boolean dflt) {
    Node c = child(key);
    if (c.value.isNull()) {
      return dflt;
    }
    if (!c.value.isBoolean()) {
      c.problem("expected true or false, found " + kind(c.value));
      return dflt;
    }
    return c.value.asBoolean();
  }

  public long integer(String key, long dflt, long min, long max) {
    Node c = child(key);
    if (c.value.isNull()) {
      return dflt;
    }
    if (!c.value.isIntegralNumber() || c.value.asLong() < min || c.value.asLong() > max) {
      c.problem("expected an integer from " + min + " to " + max + ", found " + c.value);
      return dflt;
    }
    return c.value.asLong();
  }

  /** A duration such as {@code 250ms}, {@code 10s}, {@code 5m}, {@code 1h}. */
  public Duration duration(String key, Duration dflt) {
    Node c = child(key);
    if (c.value.isNull()) {
      return dflt;
    }
    Matcher m = DURATION.matcher(c.value.asText());
    if (!c.value.isTextual() || !m.matches()) {
      c.problem("expected a duration such as 250ms, 10s, 5m or 1h, found " + c.value);
      return dflt;
    }
    long n = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "ms":
        return Duration.ofMillis(n);
      case "s":
        return Duration.ofSeconds(n);
      case "m":
        return Duration.ofMinutes(n);
      default:
        return Duration.ofHours(n);
    }
  }

  /** A size such as {@code 512KiB}, {@code 16MiB}, or a number of bytes. */
  public long size(String key, long dflt, long max) {
    Node c = child(key);
    if (c.value.isNull()) {
      return dflt;
    }
    Matcher m = SIZE.matcher(c.value.asText());
    if (!m.matches()) {
      c.problem("expected a size such as 4096, 512KiB or 16MiB, found " + c.value);
      return dflt;
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    long bytes =
        switch (unit) {
          case "KiB" -> n << 10;
          case "MiB" -> n << 20;
          case "GiB" -> n << 30;
          default -> n;
        };
    if (bytes < 1 || bytes > max) {
      c.problem("expected a size from 1 B to " + max + " bytes, found " + c.value);
      return dflt;
    }
    return bytes;
  }

  /** {@code host:port} on an address this machine can listen on or reach. */
  public java.net.InetSocketAddress address(String key, String dflt) {
    String s = text(key, dflt);
    if (s == null) {
      return null;
    }
    int colon = s.lastIndexOf(':');
    try {
      if (colon <= 0) {
        throw new NumberFormatException();
      }
      String host = s.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port = Integer.parseInt(s.substring(colon + 1));
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return new java.net.InetSocketAddress(host, port);
    } catch (NumberFormatException e) {
      child(key).problem("expected host:port, found " + s);
      return null;
    }
  }

  /** A path relative to the directory of this node's file. */
  public Path path(String key, String dflt) {
    String s = text(key, dflt);
    if (s == null) {
      return null;
    }
    Path base = Path.of(file).toAbsolutePath().getParent();
    return base.resolve(s).normalize();
  }

  /** One of {@code choices} (case-insensitive), or dflt. */
  public <E extends Enum<E>> E choice(String key, E dflt, Class<E> type) {
    Node c = child(key);
    if (c.value.isNull()) {
      return dflt;
    }
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(c.value.asText().replace('-', '_'))) {
        return e;
      }
    }
    List<String> names = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      names.add(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }
    c.problem("expected one of " + String.join(", ", names) + ", found " + c.value);
    return dflt;
  }

  /** Map each item, dropping nulls. */
  public static <T> List<T> each(List<Node> nodes, Function<Node, T> f) {
    List<T> out = new ArrayList<>();
    for (Node n : nodes) {
      T t = f.apply(n);
      if (t != null) {
        out.add(t);
      }
    }
    return out;
  }

  static String kind(JsonNode v) {
    if (v.isObject()) {
      return "a mapping";
    }
    if (v.isArray()) {
      return "a list";
    }
    if (v.isTextual()) {
      return "text \"" + v.asText() + "\"";
    }
    if (v.isNull()) {
      return "nothing";
    }
    return v.toString();
  }
}
