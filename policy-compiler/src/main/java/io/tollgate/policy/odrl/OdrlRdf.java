package io.tollgate.policy.odrl;

import io.tollgate.policy.Diagnostic;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import no.hasmac.jsonld.JsonLdError;
import no.hasmac.jsonld.JsonLdErrorCode;
import no.hasmac.jsonld.document.Document;
import no.hasmac.jsonld.document.JsonDocument;
import no.hasmac.jsonld.loader.DocumentLoader;
import no.hasmac.jsonld.loader.DocumentLoaderOptions;
import org.eclipse.rdf4j.model.Model;
import org.eclipse.rdf4j.model.Resource;
import org.eclipse.rdf4j.model.Statement;
import org.eclipse.rdf4j.model.impl.LinkedHashModel;
import org.eclipse.rdf4j.rio.RDFFormat;
import org.eclipse.rdf4j.rio.RDFParseException;
import org.eclipse.rdf4j.rio.RDFParser;
import org.eclipse.rdf4j.rio.Rio;
import org.eclipse.rdf4j.rio.helpers.AbstractRDFHandler;
import org.eclipse.rdf4j.rio.helpers.BasicParserSettings;
import org.eclipse.rdf4j.rio.jsonld.JSONLDSettings;

/**
 * ODRL documents read into RDF with Eclipse RDF4J: JSON-LD or Turtle, by file extension or by name.
 * No document is ever fetched: the ODRL context (and Tollgate's, which adds its profile's prefix)
 * ship with Tollgate and are the only remote contexts a document may name; any other is an error.
 * Relative IRIs resolve against {@link #BASE}, so a plain id such as {@code "bank-a"} reads as
 * {@code https://tollgate.io/id/bank-a}.
 */
public final class OdrlRdf {
  private OdrlRdf() {}

  /** Where relative IRIs resolve: Tollgate ids (contracts, participants, datasets) live here. */
  public static final String BASE = "https://tollgate.io/id/";

  /** The contexts a document may name, served from Tollgate's own copies. */
  static final Map<String, String> CONTEXTS =
      Map.of(
          "http://www.w3.org/ns/odrl.jsonld", "odrl.jsonld",
          "https://www.w3.org/ns/odrl.jsonld", "odrl.jsonld",
          "http://www.w3.org/ns/odrl/2/odrl.jsonld", "odrl.jsonld",
          "https://www.w3.org/ns/odrl/2/odrl.jsonld", "odrl.jsonld",
          "https://tollgate.io/odrl/context.jsonld", "tollgate.jsonld");

  /** The notations read. */
  public enum Format {
    JSONLD,
    TURTLE;

    /** By file name: {@code .ttl} is Turtle, {@code .jsonld} and {@code .json} are JSON-LD. */
    public static Format of(String file) {
      String n = file.toLowerCase(Locale.ROOT);
      if (n.endsWith(".ttl")) {
        return TURTLE;
      }
      if (n.endsWith(".jsonld") || n.endsWith(".json")) {
        return JSONLD;
      }
      return null;
    }

    /** By name, as {@code --format} takes it. */
    public static Format named(String name) {
      return switch (name.toLowerCase(Locale.ROOT)) {
        case "jsonld", "json-ld", "json" -> JSONLD;
        case "turtle", "ttl" -> TURTLE;
        default -> null;
      };
    }
  }

  /** A document read: its statements, and the line each subject first appears on (Turtle). */
  public record Parsed(Model model, Map<Resource, Integer> lines) {}

  /** Parse failures, with the place the parser stopped at. */
  public static final class ParseError extends Exception {
    public final Diagnostic diagnostic;

    ParseError(Diagnostic d) {
      super(d.message());
      this.diagnostic = d;
    }
  }

  /** Reads {@code text} of {@code file} in {@code format}. */
  public static Parsed parse(String file, String text, Format format) throws ParseError {
    RDFParser parser =
        Rio.createParser(format == Format.TURTLE ? RDFFormat.TURTLE : RDFFormat.JSONLD);
    parser.getParserConfig().set(BasicParserSettings.VERIFY_URI_SYNTAX, true);
    parser.getParserConfig().set(BasicParserSettings.FAIL_ON_UNKNOWN_DATATYPES, false);
    parser.getParserConfig().set(BasicParserSettings.VERIFY_DATATYPE_VALUES, true);
    parser.getParserConfig().set(BasicParserSettings.PRESERVE_BNODE_IDS, true);
    // no prefix is known unless the document declares it: an undeclared one is an error
    parser.getParserConfig().set(BasicParserSettings.NAMESPACES, java.util.Set.of());
    if (format == Format.JSONLD) {
      parser.getParserConfig().set(JSONLDSettings.DOCUMENT_LOADER, new Closed());
      parser.getParserConfig().set(JSONLDSettings.SECURE_MODE, true);
      parser.getParserConfig().set(JSONLDSettings.EXCEPTION_ON_WARNING, true);
    }
    Model model = new LinkedHashModel();
    Map<Resource, Integer> lines = new HashMap<>();
    long[] line = {0};
    parser.setParseLocationListener((l, c) -> line[0] = l);
    parser.setRDFHandler(
        new AbstractRDFHandler() {
          @Override
          public void handleStatement(Statement st) {
            model.add(st);
            if (line[0] > 0) {
              lines.putIfAbsent(st.getSubject(), (int) line[0]);
            }
          }

          @Override
          public void handleNamespace(String prefix, String uri) {
            model.setNamespace(prefix, uri);
          }
        });
    try {
      parser.parse(new StringReader(text), BASE);
    } catch (RDFParseException e) {
      throw new ParseError(
          new Diagnostic(
              file,
              // at the end of the text the parser names no line: the last one it reached
              (int) (e.getLineNumber() > 0 ? e.getLineNumber() : Math.max(0, line[0])),
              (int) Math.max(0, e.getColumnNumber()),
              "",
              "expected "
                  + (format == Format.TURTLE ? "Turtle" : "JSON-LD")
                  + ", found: "
                  + clean(deepest(e))));
    } catch (StackOverflowError e) {
      throw new ParseError(
          new Diagnostic(
              file,
              (int) Math.max(0, line[0]),
              0,
              "",
              "expected a document nested less deeply: the parser's stack ran out"));
    } catch (IOException | RuntimeException e) {
      throw new ParseError(
          new Diagnostic(
              file,
              0,
              0,
              "",
              "expected "
                  + (format == Format.TURTLE ? "Turtle" : "JSON-LD")
                  + ", found: "
                  + clean(String.valueOf(e.getMessage()))));
    }
    return new Parsed(model, lines);
  }

  /** The most telling message of a chain: JSON-LD errors wrap the loader's reason. */
  private static String deepest(Throwable e) {
    String best = e.getMessage();
    for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        best = t.getMessage();
      }
    }
    return best;
  }

  private static String clean(String m) {
    // RDF4J appends " [line 3]" to its messages: the diagnostic carries the line itself
    return m == null
        ? "a document that does not parse"
        : m.replaceAll(" \\[line \\d+(, column \\d+)?\\]$", "");
  }

  /** The bundled context, as a resource's text. */
  static InputStream context(String resource) {
    InputStream in = OdrlRdf.class.getResourceAsStream(resource);
    if (in == null) {
      throw new IllegalStateException("the bundled context " + resource + " is missing");
    }
    return in;
  }

  /** Serves the bundled contexts and refuses every other document: nothing is fetched. */
  static final class Closed implements DocumentLoader {
    @Override
    public Document loadDocument(URI url, DocumentLoaderOptions options) throws JsonLdError {
      String resource = CONTEXTS.get(url.toString());
      if (resource == null) {
        throw new JsonLdError(
            JsonLdErrorCode.LOADING_REMOTE_CONTEXT_FAILED,
            "the remote context "
                + url
                + " is not fetched (Tollgate reads no document from the network): inline it, or"
                + " name one of "
                + List.copyOf(new java.util.TreeSet<>(CONTEXTS.keySet())));
      }
      try (InputStream in = context(resource)) {
        return JsonDocument.of(in);
      } catch (IOException e) {
        throw new JsonLdError(JsonLdErrorCode.LOADING_DOCUMENT_FAILED, e);
      }
    }
  }
}
