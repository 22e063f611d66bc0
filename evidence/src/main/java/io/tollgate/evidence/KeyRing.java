package io.tollgate.evidence;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's signing keys, kept in a directory and generated at first start.
 *
 * <h2>Files</h2>
 *
 * <ul>
 *   <li>{@code <name>+<hexid>.key}: the key's {@link NoteKey#signerKey()} text (mode 0600). In the
 *       file names (only there) the characters {@code / \ : * ? " < > | %} of a key name are
 *       written {@code %XX}, so that a name such as {@code example.com/log} stays one file.
 *   <li>{@code <name>+<hexid>.vkey}: its {@link NoteKey#verifierKey()} and a newline (0644), to
 *       hand to verifiers.
 *   <li>{@code keys.log}: the ids of the ring's keys, one a line, oldest first (0644). It is the
 *       order of {@link #all()}, and the list of the ring: a key file it does not name is not part
 *       of the ring (for instance the key of a process that lost the race to create the ring).
 *   <li>{@code current}: the id of the key that signs, and a newline (0644).
 *   <li>{@code salt.key}: 32 random bytes, base64, and a newline (0600); it never changes.
 *   <li>{@code lock}: locked while {@link #rotate()} runs (empty).
 * </ul>
 *
 * <p>The directory is created with mode 0700 when missing. On a POSIX file system a private file
 * ({@code .key}, {@code salt.key}) with any permission for group or others is refused.
 *
 * <h2>Writing</h2>
 *
 * Every file is written whole to a temporary file in the directory, flushed, then moved into place
 * atomically, so a reader sees the old content or the new, never a part. Creating the ring needs no
 * lock: the salt, {@code keys.log} and {@code current} are published with a hard link that fails
 * when the name exists (a move that does not replace where hard links are not supported). Of two
 * processes that create the ring at once, the one whose {@code keys.log} lands first wins; the
 * other removes its own key and reads the winner's, so both end with the same keys. {@link
 * #rotate()} appends to {@code keys.log}, then replaces {@code current}, under a lock on the {@code
 * lock} file (and a lock in this JVM), so rotations are one at a time.
 *
 * <h2>Re-reading</h2>
 *
 * {@link #current()}, {@link #all()}, {@link #byId} and {@link #verifierKeys()} re-read the ring
 * when {@code current} or {@code keys.log} changed on disk since they were last read (another file,
 * another modification time or size), so a running job picks up a rotation done by the command line
 * on the same directory at its next call. If the ring became unreadable they throw {@link
 * UncheckedIOException}. Instances are thread-safe.
 */
public final class KeyRing {
  private static final String CURRENT = "current";
  private static final String LOG = "keys.log";
  private static final String SALT = "salt.key";
  private static final String LOCK = "lock";
  private static final int SALT_SIZE = 32;

  private static final Set<PosixFilePermission> PRIVATE =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> PUBLIC =
      PosixFilePermissions.fromString("rw-r--r--");
  private static final Set<PosixFilePermission> DIRECTORY =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> NOT_OWNER =
      EnumSet.complementOf(
          EnumSet.of(
              PosixFilePermission.OWNER_READ,
              PosixFilePermission.OWNER_WRITE,
              PosixFilePermission.OWNER_EXECUTE));

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ConcurrentHashMap<Path, Object> LOCKS = new ConcurrentHashMap<>();

  private final Path dir;
  private final String name;
  private final boolean posix;
  private final byte[] salt;
  private volatile State state;

  /** When a file was last seen: which file (inode), its modification time and size. */
  private record Stamp(Object fileKey, FileTime modified, long size) {}

  private record State(List<NoteKey> keys, NoteKey current, Stamp currentStamp, Stamp logStamp) {}

  private KeyRing(Path dir, String name, boolean posix, byte[] salt, State state) {
    this.dir = dir;
    this.name = name;
    this.posix = posix;
    this.salt = salt;
    this.state = state;
  }

  /**
   * Opens the key ring in {@code dir}, creating the directory, a signing key named {@code name} and
   * the salt key if it holds no key yet.
   *
   * @throws IllegalArgumentException if {@code name} is not a valid key name
   * @throws IOException if a file is missing, corrupt or readable by others (the message names it),
   *     if the ring's keys have another name, or if the directory cannot be written
   */
  public static KeyRing open(Path dir, String name) throws IOException {
    String problem = NoteKey.nameProblem(name);
    if (problem != null) {
      throw new IllegalArgumentException(
          "key name " + Checkpoint.quote(String.valueOf(name)) + " " + problem);
    }
    dir = dir.toAbsolutePath().normalize();
    boolean posix = makeDirectory(dir);
    if (!Files.exists(dir.resolve(LOG)) && !Files.exists(dir.resolve(CURRENT))) {
      create(dir, name, posix);
    }
    byte[] salt = readSalt(dir.resolve(SALT), posix);
    KeyRing ring = new KeyRing(dir, name, posix, salt, null);
    ring.state = ring.load();
    return ring;
  }

  /** The directory of the ring. */
  public Path dir() {
    return dir;
  }

  /** The name of the ring's keys. */
  public String name() {
    return name;
  }

  /** The key that signs now (re-read if {@code current} changed on disk). */
  public NoteKey current() {
    return fresh().current;
  }

  /** Every signing key of the ring, oldest first, the current one among them. */
  public List<NoteKey> all() {
    return fresh().keys;
  }

  /** The key of the ring whose {@link NoteKey#id()} is {@code id}. */
  public Optional<NoteKey> byId(String id) {
    for (NoteKey k : fresh().keys) {
      if (k.id().equals(id)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }

  /** The 32-byte salt key (a copy). */
  public byte[] saltKey() {
    return salt.clone();
  }

  /** The verifier keys of {@link #all()}, oldest first. */
  public List<String> verifierKeys() {
    List<String> v = new ArrayList<>();
    for (NoteKey k : fresh().keys) {
      v.add(k.verifierKey());
    }
    return List.copyOf(v);
  }

  /**
   * Generates a new key of the ring's name and makes it current. The old keys stay in the ring:
   * they verify the old checkpoints, and the caller has the key before this one co-sign the first
   * checkpoint of the new key.
   *
   * @return the new current key
   */
  public NoteKey rotate() throws IOException {
    Object jvmLock = LOCKS.computeIfAbsent(dir.toRealPath(), p -> new Object());
    synchronized (jvmLock) {
      FileAttribute<?>[] attrs =
          posix
              ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PRIVATE)}
              : new FileAttribute<?>[0];
      try (FileChannel ch =
          FileChannel.open(
              dir.resolve(LOCK),
              Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
              attrs)) {
        FileLock lock = ch.lock();
        try {
          return rotateLocked();
        } finally {
          lock.release();
        }
      }
    }
  }

  private NoteKey rotateLocked() throws IOException {
    State before = load();
    NoteKey key = NoteKey.generate(name);
    writeKeyFiles(dir, key, posix);
    StringBuilder log = new StringBuilder();
    for (NoteKey k : before.keys) {
      log.append(k.id()).append('\n');
    }
    log.append(key.id()).append('\n');
    replace(writeTemp(dir, log.toString(), PUBLIC, posix), dir.resolve(LOG));
    replace(writeTemp(dir, key.id() + "\n", PUBLIC, posix), dir.resolve(CURRENT));
    syncDirectory(dir);
    synchronized (this) {
      state = load();
    }
    return key;
  }

  @Override
  public String toString() {
    return "KeyRing[" + dir + ", current " + state.current.id() + "]";
  }

  // ---- reading ----

  private State fresh() {
    State s = state;
    try {
      if (s.currentStamp.equals(stamp(dir.resolve(CURRENT)))
          && s.logStamp.equals(stamp(dir.resolve(LOG)))) {
        return s;
      }
      synchronized (this) {
        s = state;
        if (!s.currentStamp.equals(stamp(dir.resolve(CURRENT)))
            || !s.logStamp.equals(stamp(dir.resolve(LOG)))) {
          s = load();
          state = s;
        }
        return s;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot re-read the key ring " + dir, e);
    }
  }

  /**
   * Reads {@code current}, then {@code keys.log}, then the key files. {@link #rotate()} writes
   * {@code keys.log} before {@code current}, so the log read after {@code current} names it.
   */
  private State load() throws IOException {
    Path currentPath = dir.resolve(CURRENT);
    Path logPath = dir.resolve(LOG);
    Stamp currentStamp = stamp(currentPath);
    String currentText = currentStamp == null ? null : read(currentPath);
    Stamp logStamp = stamp(logPath);
    if (logStamp == null) {
      throw new IOException("missing " + logPath + " (the list of the key ring's keys)");
    }
    List<String> ids = parseLog(read(logPath), logPath);
    if (currentText == null) {
      if (ids.size() != 1) {
        throw new IOException("missing " + currentPath + " (the id of the current key)");
      }
      // the ring is being created, or its creation was cut short: its only key is current
      publishNew(writeTemp(dir, ids.get(0) + "\n", PUBLIC, posix), currentPath);
      currentStamp = stamp(currentPath);
      currentText = read(currentPath);
    }
    String currentId = parseCurrent(currentText, currentPath);
    if (!ids.contains(currentId)) {
      throw new IOException(
          currentPath + " names the key " + currentId + ", which " + logPath + " does not list");
    }
    List<NoteKey> keys = new ArrayList<>();
    NoteKey current = null;
    for (String id : ids) {
      NoteKey k = readKey(id);
      keys.add(k);
      if (id.equals(currentId)) {
        current = k;
      }
    }
    if (!current.name().equals(name)) {
      throw new IOException(
          "the key ring "
              + dir
              + " signs as "
              + current.name()
              + ", not as "
              + name
              + " (another ring's directory?)");
    }
    return new State(List.copyOf(keys), current, currentStamp, logStamp);
  }

  private NoteKey readKey(String id) throws IOException {
    Path keyPath = dir.resolve(fileStem(id) + ".key");
    Path vkeyPath = dir.resolve(fileStem(id) + ".vkey");
    checkPrivate(keyPath, posix);
    NoteKey key;
    try {
      key = NoteKey.parseSignerKey(withoutNewline(read(keyPath)));
    } catch (EvidenceException e) {
      throw new IOException(keyPath + " is not a valid signer key: " + e.getMessage(), e);
    }
    if (!key.id().equals(id)) {
      throw new IOException(keyPath + " holds the key " + key.id() + ", not " + id);
    }
    if (!withoutNewline(read(vkeyPath)).equals(key.verifierKey())) {
      throw new IOException(vkeyPath + " is not the verifier key of " + keyPath);
    }
    return key;
  }

  private static byte[] readSalt(Path path, boolean posix) throws IOException {
    checkPrivate(path, posix);
    byte[] salt = NoteKey.decodeBase64(withoutNewline(read(path)));
    if (salt == null || salt.length != SALT_SIZE) {
      throw new IOException(path + " is not the base64 of " + SALT_SIZE + " bytes");
    }
    return salt;
  }

  private static List<String> parseLog(String text, Path path) throws IOException {
    if (text.isEmpty()) {
      throw new IOException(path + " is empty: it lists the key ring's keys");
    }
    if (!text.endsWith("\n")) {
      throw new IOException(path + " does not end with a newline (cut short?)");
    }
    List<String> ids = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String problem = idProblem(lines[i]);
      if (problem != null) {
        throw new IOException(path + " line " + (i + 1) + ": " + problem);
      }
      if (!seen.add(lines[i])) {
        throw new IOException(path + " line " + (i + 1) + ": " + lines[i] + " is listed twice");
      }
      ids.add(lines[i]);
    }
    return ids;
  }

  private static String parseCurrent(String text, Path path) throws IOException {
    String id = withoutNewline(text);
    String problem = idProblem(id);
    if (problem != null) {
      throw new IOException(path + ": " + problem);
    }
    return id;
  }

  /** Why {@code id} is not {@code <key name>+<8 lowercase hex digits>}, or null. */
  private static String idProblem(String id) {
    int plus = id.lastIndexOf('+');
    if (plus < 0 || !id.substring(plus + 1).matches("[0-9a-f]{8}")) {
      return Checkpoint.quote(id) + " is not a key id <name>+<8 lowercase hex digits>";
    }
    String problem = NoteKey.nameProblem(id.substring(0, plus));
    return problem == null ? null : "the key name of " + Checkpoint.quote(id) + " " + problem;
  }

  private static String read(Path path) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new IOException("missing " + path, e);
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new IOException(path + " is not UTF-8 text", e);
    }
  }

  private static String withoutNewline(String s) {
    return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
  }

  private static void checkPrivate(Path path, boolean posix) throws IOException {
    if (!Files.exists(path)) {
      throw new IOException("missing " + path);
    }
    if (!posix) {
      return;
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
    Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
    open.addAll(perms);
    open.retainAll(NOT_OWNER);
    if (!open.isEmpty()) {
      throw new IOException(
          path
              + " has mode "
              + mode(perms)
              + " ("
              + PosixFilePermissions.toString(perms)
              + "): a private key must be accessible to its owner only; run chmod 600 "
              + path);
    }
  }

  private static String mode(Set<PosixFilePermission> perms) {
    int m = 0;
    for (PosixFilePermission p : perms) {
      m |= 1 << (8 - p.ordinal());
    }
    return String.format("%04o", m);
  }

  private static Stamp stamp(Path path) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(path, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return null;
    }
    return new Stamp(a.fileKey(), a.lastModifiedTime(), a.size());
  }

  // ---- writing ----

  /** Creates the directory (0700) if missing; says whether its file system is POSIX. */
  private static boolean makeDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Path parent = dir.getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      boolean posix =
          parent != null
              && Files.getFileStore(parent).supportsFileAttributeView(PosixFileAttributeView.class);
      try {
        if (posix) {
          Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
          Files.setPosixFilePermissions(dir, DIRECTORY);
        } else {
          Files.createDirectory(dir);
        }
      } catch (FileAlreadyExistsException e) {
        if (!Files.isDirectory(dir)) {
          throw new IOException(dir + " exists and is not a directory", e);
        }
      }
    }
    return Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class);
  }

  /** Creates the salt, a key, {@code keys.log} and {@code current}, unless another does first. */
  private static void create(Path dir, String name, boolean posix) throws IOException {
    Path saltPath = dir.resolve(SALT);
    if (!Files.exists(saltPath)) {
      byte[] salt = new byte[SALT_SIZE];
      RANDOM.nextBytes(salt);
      // if another process published its salt first, that one stands
      publishNew(
          writeTemp(dir, Base64.getEncoder().encodeToString(salt) + "\n", PRIVATE, posix),
          saltPath);
    }
    NoteKey key = NoteKey.generate(name);
    writeKeyFiles(dir, key, posix);
    boolean won = publishNew(writeTemp(dir, key.id() + "\n", PUBLIC, posix), dir.resolve(LOG));
    if (won) {
      publishNew(writeTemp(dir, key.id() + "\n", PUBLIC, posix), dir.resolve(CURRENT));
    } else {
      // another process created the ring first: its key is the ring's, ours goes
      Files.deleteIfExists(dir.resolve(fileStem(key.id()) + ".key"));
      Files.deleteIfExists(dir.resolve(fileStem(key.id()) + ".vkey"));
    }
    syncDirectory(dir);
  }

  private static void writeKeyFiles(Path dir, NoteKey key, boolean posix) throws IOException {
    String stem = fileStem(key.id());
    replace(writeTemp(dir, key.signerKey(), PRIVATE, posix), dir.resolve(stem + ".key"));
    replace(writeTemp(dir, key.verifierKey() + "\n", PUBLIC, posix), dir.resolve(stem + ".vkey"));
  }

  /** A new temporary file in {@code dir} holding {@code content}, flushed to disk. */
  private static Path writeTemp(
      Path dir, String content, Set<PosixFilePermission> perms, boolean posix) throws IOException {
    Path tmp =
        posix
            ? Files.createTempFile(dir, ".tmp-", "", PosixFilePermissions.asFileAttribute(PRIVATE))
            : Files.createTempFile(dir, ".tmp-", "");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      if (posix) {
        Files.setPosixFilePermissions(tmp, perms);
      }
      return tmp;
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
  }

  /**
   * Moves {@code tmp} to {@code target} unless {@code target} exists: a hard link, which fails
   * atomically when the name is taken, or where there are none a move without replacing.
   *
   * @return whether {@code target} is now {@code tmp}'s content
   */
  private static boolean publishNew(Path tmp, Path target) throws IOException {
    try {
      try {
        Files.createLink(target, tmp);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      } catch (UnsupportedOperationException | FileSystemException e) {
        try {
          Files.move(tmp, target);
          return true;
        } catch (FileAlreadyExistsException e2) {
          return false;
        }
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Moves {@code tmp} to {@code target}, replacing it, atomically where the system can. */
  private static void replace(Path tmp, Path target) throws IOException {
    try {
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Flushes the directory's entries to disk where the system allows it (best effort). */
  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // not every system opens a directory; the files themselves were flushed
    }
  }

  /** The file name of a key without its extension: {@code id}, its name %-escaped. */
  static String fileStem(String id) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if ("/\\:*?\"<>|%".indexOf(c) >= 0) {
        b.append(String.format("%%%02X", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
