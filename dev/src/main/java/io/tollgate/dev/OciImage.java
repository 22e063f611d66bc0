package io.tollgate.dev;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * An OCI image layout tarball as Jib's {@code buildTar} writes it ({@code oci-layout}, {@code
 * index.json}, {@code blobs/sha256/...}), read whole into memory: the index, the one manifest, its
 * config, and each layer's entries. Tar is read here (ustar, PAX and GNU long names), gzip by the
 * JDK.
 */
public final class OciImage {
  public static final ObjectMapper JSON = new ObjectMapper();

  /** One entry of a layer: its path without the leading {@code /} or {@code ./}. */
  public record Entry(String path, char type, int mode, byte[] content, String linkTarget) {
    public boolean isDirectory() {
      return type == '5';
    }

    public boolean isFile() {
      return type == '0' || type == '\0';
    }
  }

  /** A layer: its descriptor and the entries of its uncompressed tar. */
  public record Layer(
      String digest, String mediaType, long size, byte[] uncompressed, List<Entry> entries) {}

  public final Map<String, byte[]> files; // the outer tarball's files by path
  public final JsonNode index;
  public final JsonNode manifest;
  public final JsonNode config;
  public final List<Layer> layers = new ArrayList<>();

  public OciImage(Path tarball) throws IOException {
    files = new LinkedHashMap<>();
    try (InputStream in = Files.newInputStream(tarball)) {
      for (Entry e : readTar(in)) {
        if (e.isFile()) {
          files.put(e.path(), e.content());
        }
      }
    }
    index = JSON.readTree(file("index.json"));
    manifest = JSON.readTree(blob(index.path("manifests").path(0).path("digest").asText()));
    config = JSON.readTree(blob(manifest.path("config").path("digest").asText()));
    for (JsonNode l : manifest.path("layers")) {
      byte[] compressed = blob(l.path("digest").asText());
      byte[] raw;
      try (InputStream z = new GZIPInputStream(new java.io.ByteArrayInputStream(compressed))) {
        raw = z.readAllBytes();
      }
      layers.add(
          new Layer(
              l.path("digest").asText(),
              l.path("mediaType").asText(),
              l.path("size").asLong(),
              raw,
              readTar(new java.io.ByteArrayInputStream(raw))));
    }
  }

  public byte[] file(String path) {
    byte[] b = files.get(path);
    if (b == null) {
      throw new IllegalStateException("no " + path + " in the tarball; it holds " + files.keySet());
    }
    return b;
  }

  public byte[] blob(String digest) {
    if (!digest.startsWith("sha256:")) {
      throw new IllegalStateException("not a sha256 digest: " + digest);
    }
    return file("blobs/sha256/" + digest.substring("sha256:".length()));
  }

  public JsonNode containerConfig() {
    return config.path("config");
  }

  /** Every entry of every layer, the later layer winning, by path. */
  public Map<String, Entry> fileSystem() {
    Map<String, Entry> fs = new LinkedHashMap<>();
    for (Layer l : layers) {
      for (Entry e : l.entries()) {
        fs.put(e.path(), e);
      }
    }
    return fs;
  }

  /** Writes the layers, in order, under {@code root} (as a container runtime would unpack them). */
  public void extract(Path root) throws IOException {
    // the image's / is root-owned 755 (a @TempDir is 700, closed to the image's user)
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (Layer l : layers) {
      for (Entry e : l.entries()) {
        if (e.path().isEmpty()) {
          continue;
        }
        Path p = root.resolve(e.path()).normalize();
        if (!p.startsWith(root)) {
          throw new IllegalStateException("entry outside the root: " + e.path());
        }
        if (e.isDirectory()) {
          Files.createDirectories(p);
        } else if (e.type() == '2') {
          Files.createDirectories(p.getParent());
          Files.deleteIfExists(p);
          Files.createSymbolicLink(p, Path.of(e.linkTarget()));
          continue;
        } else if (e.isFile()) {
          Files.createDirectories(p.getParent());
          Files.write(p, e.content());
        } else {
          continue;
        }
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(rwx(e.mode())));
      }
    }
  }

  public static String sha256(byte[] b) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String rwx(int mode) {
    StringBuilder s = new StringBuilder();
    String letters = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) {
      s.append((mode & (1 << (8 - i))) != 0 ? letters.charAt(i) : '-');
    }
    return s.toString();
  }

  public static boolean exists(Path p) {
    return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
  }

  /** The entries of a tar stream: ustar headers, PAX ({@code x}) and GNU ({@code L}) names. */
  public static List<Entry> readTar(InputStream in) throws IOException {
    List<Entry> out = new ArrayList<>();
    byte[] header = new byte[512];
    String longName = null;
    String longLink = null;
    while (true) {
      if (in.readNBytes(header, 0, 512) < 512) {
        break;
      }
      if (isZero(header)) {
        break;
      }
      String name = cString(header, 0, 100);
      int mode = (int) octal(header, 100, 8);
      long size = octal(header, 124, 12);
      char type = (char) header[156];
      String link = cString(header, 157, 100);
      if ("ustar".equals(cString(header, 257, 6).trim())) {
        String prefix = cString(header, 345, 155);
        if (!prefix.isEmpty()) {
          name = prefix + "/" + name;
        }
      }
      byte[] content = in.readNBytes((int) size);
      if (content.length < size) {
        throw new IOException("truncated tar entry " + name);
      }
      long pad = (512 - size % 512) % 512;
      if (in.readNBytes((int) pad).length < pad) {
        throw new IOException("truncated tar padding after " + name);
      }
      if (type == 'x') {
        Map<String, String> pax = pax(content);
        longName = pax.getOrDefault("path", longName);
        longLink = pax.getOrDefault("linkpath", longLink);
        continue;
      }
      if (type == 'g') {
        continue;
      }
      if (type == 'L' || type == 'K') {
        String v = cString(content, 0, content.length);
        if (type == 'L') {
          longName = v;
        } else {
          longLink = v;
        }
        continue;
      }
      if (longName != null) {
        name = longName;
      }
      if (longLink != null) {
        link = longLink;
      }
      longName = null;
      longLink = null;
      out.add(new Entry(clean(name), type, mode, content, link));
    }
    return out;
  }

  private static String clean(String name) {
    String n = name;
    while (n.startsWith("./") || n.startsWith("/")) {
      n = n.startsWith("./") ? n.substring(2) : n.substring(1);
    }
    return n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
  }

  private static Map<String, String> pax(byte[] b) {
    Map<String, String> m = new LinkedHashMap<>();
    int i = 0;
    while (i < b.length) {
      int sp = i;
      while (b[sp] != ' ') {
        sp++;
      }
      int len = Integer.parseInt(new String(b, i, sp - i, StandardCharsets.US_ASCII));
      String rec = new String(b, sp + 1, len - (sp - i) - 2, StandardCharsets.UTF_8);
      int eq = rec.indexOf('=');
      m.put(rec.substring(0, eq), rec.substring(eq + 1));
      i += len;
    }
    return m;
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static long octal(byte[] b, int off, int len) {
    String s = cString(b, off, len).trim();
    return s.isEmpty() ? 0 : Long.parseLong(s, 8);
  }

  /** Runs {@code command}, returning its exit code and its output (stdout and stderr). */
  public static Map.Entry<Integer, String> run(List<String> command, Map<String, String> env)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(env);
    Process p = pb.start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream i = p.getInputStream()) {
      i.transferTo(out);
    }
    if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new UncheckedIOException(new IOException("timed out: " + command));
    }
    return Map.entry(p.exitValue(), out.toString(StandardCharsets.UTF_8));
  }
}
