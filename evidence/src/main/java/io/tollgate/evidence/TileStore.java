package io.tollgate.evidence;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The log on disk in the C2SP tlog-tiles layout (docs/evidence.md, "Tiles"): hash tiles {@code
 * tile/<L>/<N>} of 256 hashes of height 8·L, entry bundles {@code tile/entries/<N>} of 256 entries
 * (each a big-endian uint16 length and the entry's bytes), and partial tiles {@code <N>.p/<W>} at
 * the right edge. A full tile is written once its 256 hashes exist; the partial tiles of a size are
 * written when that size is sealed, and removed when their tile is full.
 *
 * <p>One writer appends ({@link #append}); any number of readers read the tree of a size that was
 * sealed ({@link #reader}). A writer reopened at a smaller size than the files reach (a restore to
 * an earlier checkpoint) writes over what lies beyond it: those files belonged to no published
 * checkpoint.
 */
public final class TileStore implements Sealer.Tiles {
  /** Hashes in a tile, entries in a bundle. */
  public static final int WIDTH = 256;

  /** The longest entry a bundle can hold (its length is a uint16). */
  public static final int MAX_ENTRY = 65_535;

  private final Path dir;
  private long size;
  private final List<List<byte[]>> edges = new ArrayList<>(); // per level: the incomplete tile
  private final List<byte[]> entryEdge = new ArrayList<>();

  private TileStore(Path dir) {
    this.dir = dir;
  }

  /**
   * The store in {@code dir} (created if missing), to append to from {@code size} entries: a size
   * that was sealed. Files beyond it (an unpublished seal of a failed attempt) are removed first.
   */
  public static TileStore open(Path dir, long size) throws IOException, EvidenceException {
    Files.createDirectories(dir);
    TileStore s = new TileStore(dir);
    s.size = size;
    Reader r = new Reader(dir, size);
    for (int level = 0; level < 8; level++) {
      long count = size >>> (8 * level);
      int width = (int) (count % WIDTH);
      List<byte[]> edge = new ArrayList<>();
      if (width > 0) {
        edge.addAll(r.tile(level, count / WIDTH, width));
      }
      s.truncate(Integer.toString(level), count, width == 0 ? null : tileBytes(edge));
      if (count > 0) {
        s.edges.add(edge);
      }
    }
    int w = (int) (size % WIDTH);
    if (w > 0) {
      s.entryEdge.addAll(r.bundle(size / WIDTH, w));
    }
    s.truncate("entries", size, w == 0 ? null : bundleBytes(s.entryEdge));
    s.sync();
    return s;
  }

  /**
   * Leaves nothing of {@code kind} beyond {@code count}: the edge tile as its partial ({@code
   * edge}, read from a full tile that a failed attempt completed, whose prefix is the sealed one),
   * and no tile after it.
   */
  private void truncate(String kind, long count, byte[] edge) throws IOException {
    long n = count / WIDTH;
    int width = (int) (count % WIDTH);
    if (edge != null) {
      Path full = path(kind, n, 0);
      Path partial = path(kind, n, width);
      if (Files.exists(full) || !Files.exists(partial)) {
        writeFile(partial, edge);
      }
      Files.deleteIfExists(full);
      Path dirP = full.resolveSibling(full.getFileName() + ".p");
      if (Files.isDirectory(dirP)) {
        try (var files = Files.list(dirP)) {
          for (Path f : (Iterable<Path>) files::iterator) {
            String name = f.getFileName().toString();
            if (name.matches("[0-9]+") && Integer.parseInt(name) > width) {
              Files.delete(f);
            }
          }
        }
      }
      n++;
    }
    while (true) {
      Path full = path(kind, n, 0);
      Path dirP = full.resolveSibling(full.getFileName() + ".p");
      if (!Files.exists(full) && !Files.isDirectory(dirP)) {
        return;
      }
      Files.deleteIfExists(full);
      deletePartials(kind, n);
      n++;
    }
  }

  @Override
  public long size() {
    return size;
  }

  public Path dir() {
    return dir;
  }

  /** Appends {@code entries} and writes the tiles of the new size: it can be read from then on. */
  @Override
  public void append(List<byte[]> entries) throws IOException {
    if (entries.isEmpty()) {
      return;
    }
    for (byte[] e : entries) {
      if (e.length > MAX_ENTRY) {
        throw new IllegalArgumentException(
            "entry " + size + " is " + e.length + " bytes, over " + MAX_ENTRY);
      }
      entryEdge.add(e);
      if (entryEdge.size() == WIDTH) {
        long n = size / WIDTH;
        writeFile(path("entries", n, 0), bundleBytes(entryEdge));
        deletePartials("entries", n);
        entryEdge.clear();
      }
      add(0, Merkle.leafHash(e));
      size++;
    }
    if (!entryEdge.isEmpty()) {
      writeFile(path("entries", size / WIDTH, entryEdge.size()), bundleBytes(entryEdge));
    }
    for (int level = 0; level < edges.size(); level++) {
      List<byte[]> edge = edges.get(level);
      if (!edge.isEmpty()) {
        long count = size >>> (8 * level);
        writeFile(path(Integer.toString(level), count / WIDTH, edge.size()), tileBytes(edge));
      }
    }
    sync();
  }

  private void add(int level, byte[] hash) throws IOException {
    while (edges.size() <= level) {
      edges.add(new ArrayList<>());
    }
    List<byte[]> edge = edges.get(level);
    edge.add(hash);
    if (edge.size() == WIDTH) {
      // the index of this tile at its level: the hashes of height 8·level before it, over 256
      long n = (((size + 1) >>> (8 * level)) - 1) / WIDTH;
      writeFile(path(Integer.toString(level), n, 0), tileBytes(edge));
      deletePartials(Integer.toString(level), n);
      byte[] root = perfect(edge, 0, WIDTH);
      edge.clear();
      add(level + 1, root);
    }
  }

  static byte[] perfect(List<byte[]> hashes, int from, int count) {
    if (count == 1) {
      return hashes.get(from);
    }
    int half = count / 2;
    return Merkle.nodeHash(perfect(hashes, from, half), perfect(hashes, from + half, half));
  }

  private static byte[] tileBytes(List<byte[]> hashes) {
    ByteBuffer b = ByteBuffer.allocate(hashes.size() * Merkle.HASH);
    hashes.forEach(b::put);
    return b.array();
  }

  private static byte[] bundleBytes(List<byte[]> entries) {
    int n = 0;
    for (byte[] e : entries) {
      n += 2 + e.length;
    }
    ByteBuffer b = ByteBuffer.allocate(n);
    for (byte[] e : entries) {
      b.putShort((short) e.length);
      b.put(e);
    }
    return b.array();
  }

  /** {@code tile/<kind>/<N>}, or its partial {@code <N>.p/<W>} when width is 1 to 255. */
  Path path(String kind, long n, int width) {
    Path p = dir.resolve("tile").resolve(kind).resolve(encode(n));
    return width == 0
        ? p
        : p.resolveSibling(p.getFileName() + ".p").resolve(Integer.toString(width));
  }

  /** N in groups of three digits, all but the last prefixed with x: 1234067 is x001/x234/067. */
  static String encode(long n) {
    String s = Long.toString(n);
    while (s.length() % 3 != 0) {
      s = "0" + s;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i += 3) {
      if (i > 0) {
        b.append('/');
      }
      if (i + 3 < s.length()) {
        b.append('x');
      }
      b.append(s, i, i + 3);
    }
    return b.toString();
  }

  private void deletePartials(String kind, long n) throws IOException {
    Path full = path(kind, n, 0);
    Path partials = full.resolveSibling(full.getFileName() + ".p");
    if (Files.isDirectory(partials)) {
      try (var files = Files.list(partials)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(partials);
    }
  }

  // written since the last sync: forced to the disk together, once a seal's files are all out
  // (one journal commit for the lot rather than one per file)
  private final java.util.Set<Path> unsynced = new java.util.LinkedHashSet<>();

  /** Written whole or not at all (a rename); on the disk once {@link #sync} returns. */
  private final java.util.Set<Path> made = new java.util.HashSet<>();

  private static final java.util.concurrent.atomic.AtomicLong TEMP =
      new java.util.concurrent.atomic.AtomicLong(System.nanoTime());

  private void writeFile(Path p, byte[] bytes) throws IOException {
    if (made.add(p.getParent())) {
      Files.createDirectories(p.getParent());
    }
    Path tmp = p.resolveSibling("." + p.getFileName() + "." + TEMP.incrementAndGet() + ".tmp");
    try (FileChannel c =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        c.write(b);
      }
    }
    try {
      Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING);
    }
    unsynced.add(p);
  }

  /** Forces every file written since the last sync, and their directories, to the disk. */
  private void sync() throws IOException {
    java.util.Set<Path> dirs = new java.util.LinkedHashSet<>();
    for (Path p : unsynced) {
      try (FileChannel c = FileChannel.open(p, StandardOpenOption.READ)) {
        c.force(true);
      } catch (NoSuchFileException e) {
        // a partial tile removed since: its full tile is in the set
      }
      dirs.add(p.getParent());
    }
    for (Path d : dirs) {
      try (FileChannel c = FileChannel.open(d, StandardOpenOption.READ)) {
        c.force(true);
      } catch (IOException e) {
        // a directory cannot be opened on every platform: the files are forced
      }
    }
    unsynced.clear();
  }

  /** Reads the tree of {@code treeSize} entries: a size that was sealed. */
  public static Reader reader(Path dir, long treeSize) {
    return new Reader(dir, treeSize);
  }

  /** The tree of one size, read from the tiles: its hashes and entries. */
  public static final class Reader implements Merkle.Hashes {
    private final Path dir;
    private final long treeSize;
    private final Map<String, List<byte[]>> cache =
        new LinkedHashMap<>(64, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, List<byte[]>> e) {
            return size() > 64;
          }
        };

    Reader(Path dir, long treeSize) {
      this.dir = dir;
      this.treeSize = treeSize;
    }

    public long treeSize() {
      return treeSize;
    }

    // nodes between the heights that tiles hold, computed once: proofs of neighbouring entries
    // share most of them
    private final Map<Long, byte[]> nodes =
        new LinkedHashMap<>(1 << 12, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<Long, byte[]> e) {
            return size() > 1 << 18;
          }
        };

    @Override
    public byte[] hash(int height, long index) throws EvidenceException {
      int level = height / 8;
      int r = height % 8;
      long first = index << r;
      long count = treeSize >>> (8 * level);
      if (height >= 56 || index < 0 || first + (1L << r) > count) {
        throw new EvidenceException(
            "no subtree of height " + height + " at " + index + " in the tree of " + treeSize);
      }
      if (r == 0) {
        long n = first / WIDTH;
        int width = (int) Math.min(WIDTH, count - n * WIDTH);
        return tile(level, n, width).get((int) (first % WIDTH));
      }
      Long key = ((long) height << 56) | index;
      byte[] h = nodes.get(key);
      if (h == null) {
        h = Merkle.nodeHash(hash(height - 1, 2 * index), hash(height - 1, 2 * index + 1));
        nodes.put(key, h);
      }
      return h;
    }

    /** Entry {@code index}'s bytes. */
    public byte[] entry(long index) throws EvidenceException {
      if (index < 0 || index >= treeSize) {
        throw new EvidenceException("no entry " + index + " in the tree of " + treeSize);
      }
      long n = index / WIDTH;
      int width = (int) Math.min(WIDTH, treeSize - n * WIDTH);
      return bundle(n, width).get((int) (index % WIDTH));
    }

    List<byte[]> tile(int level, long n, int width) throws EvidenceException {
      String key = level + "/" + n + "/" + width;
      List<byte[]> t = cache.get(key);
      if (t == null) {
        byte[] b = read(Integer.toString(level), n, width, width * Merkle.HASH);
        t = new ArrayList<>(width);
        for (int i = 0; i < width; i++) {
          byte[] h = new byte[Merkle.HASH];
          System.arraycopy(b, i * Merkle.HASH, h, 0, Merkle.HASH);
          t.add(h);
        }
        cache.put(key, t);
      }
      return t;
    }

    List<byte[]> bundle(long n, int width) throws EvidenceException {
      String key = "e/" + n + "/" + width;
      List<byte[]> t = cache.get(key);
      if (t == null) {
        byte[] b = read("entries", n, width, -1);
        ByteBuffer in = ByteBuffer.wrap(b);
        t = new ArrayList<>(width);
        while (t.size() < width) {
          if (in.remaining() < 2) {
            throw new EvidenceException(
                "entry bundle " + n + " ends after " + t.size() + " of " + width + " entries");
          }
          int len = Short.toUnsignedInt(in.getShort());
          if (in.remaining() < len) {
            throw new EvidenceException("entry bundle " + n + " is cut in entry " + t.size());
          }
          byte[] e = new byte[len];
          in.get(e);
          t.add(e);
        }
        cache.put(key, t);
      }
      return t;
    }

    /** The full tile if it exists (its prefix is the partial one), else the partial of width. */
    private byte[] read(String kind, long n, int width, int expect) throws EvidenceException {
      TileStore paths = new TileStore(dir);
      Path full = paths.path(kind, n, 0);
      Path p = width == WIDTH ? full : paths.path(kind, n, width);
      try {
        byte[] b;
        if (Files.exists(full)) {
          b = Files.readAllBytes(full);
        } else {
          b = Files.readAllBytes(p);
        }
        if (expect >= 0 && b.length < expect) {
          throw new EvidenceException(
              dir.relativize(p) + " holds " + b.length + " bytes, " + expect + " expected");
        }
        return b;
      } catch (NoSuchFileException e) {
        throw new EvidenceException(
            "the log in "
                + dir
                + " has no "
                + dir.relativize(p)
                + ": the tree of "
                + treeSize
                + " was never sealed here");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
