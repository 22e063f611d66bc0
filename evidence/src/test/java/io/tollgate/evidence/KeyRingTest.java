package io.tollgate.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyRingTest {
  static final String NAME = "tollgate.example/log";

  @TempDir Path tmp;
  Path dir;

  @BeforeEach
  void posixOnly() throws IOException {
    assertThat(Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class))
        .as("these tests check POSIX permissions")
        .isTrue();
    dir = tmp.resolve("keys");
  }

  @Test
  void theFirstOpenCreatesTheKeyAndTheSaltWithTheirPermissions() throws Exception {
    KeyRing ring = KeyRing.open(dir, NAME);
    NoteKey k = ring.current();
    assertThat(k.name()).isEqualTo(NAME);
    assertThat(k.canSign()).isTrue();
    assertThat(ring.all()).containsExactly(k);
    assertThat(ring.byId(k.id())).contains(k);
    assertThat(ring.byId(NAME + "+00000000")).isEmpty();
    assertThat(ring.verifierKeys()).containsExactly(k.verifierKey());
    assertThat(ring.saltKey()).hasSize(32);

    String stem = "tollgate.example%2Flog+" + NoteKey.hex(k.keyId());
    assertThat(perms(dir)).isEqualTo("rwx------");
    Path key = dir.resolve(stem + ".key");
    Path vkey = dir.resolve(stem + ".vkey");
    Path salt = dir.resolve("salt.key");
    assertThat(perms(key)).isEqualTo("rw-------");
    assertThat(perms(vkey)).isEqualTo("rw-r--r--");
    assertThat(perms(salt)).isEqualTo("rw-------");
    assertThat(perms(dir.resolve("current"))).isEqualTo("rw-r--r--");
    assertThat(Files.readString(key)).isEqualTo(k.signerKey());
    assertThat(Files.readString(vkey)).isEqualTo(k.verifierKey() + "\n");
    assertThat(Files.readString(dir.resolve("current"))).isEqualTo(k.id() + "\n");
    assertThat(Files.readString(dir.resolve("keys.log"))).isEqualTo(k.id() + "\n");
    assertThat(Files.readString(salt))
        .isEqualTo(Base64.getEncoder().encodeToString(ring.saltKey()) + "\n");
    assertThat(names(dir))
        .containsExactlyInAnyOrder(
            stem + ".key", stem + ".vkey", "salt.key", "current", "keys.log");

    byte[] s = ring.saltKey();
    s[0] ^= 1;
    assertThat(ring.saltKey()[0]).as("a copy").isNotEqualTo(s[0]);
  }

  @Test
  void reopeningGivesTheSameKeys() throws Exception {
    KeyRing a = KeyRing.open(dir, NAME);
    KeyRing b = KeyRing.open(dir, NAME);
    assertThat(b.current()).isEqualTo(a.current());
    assertThat(b.current().signerKey()).isEqualTo(a.current().signerKey());
    assertThat(b.saltKey()).isEqualTo(a.saltKey());
    assertThat(b.all()).isEqualTo(a.all());
    assertThatThrownBy(() -> KeyRing.open(dir, "another.example/log"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("signs as " + NAME + ", not as another.example/log");
  }

  @Test
  void rotateKeepsTheOldKeysAndARunningRingSeesTheNewOne() throws Exception {
    KeyRing job = KeyRing.open(dir, NAME);
    NoteKey old = job.current();
    String oldNote = SignedNote.sign("before\n", List.of(old));

    KeyRing command = KeyRing.open(dir, NAME);
    NoteKey fresh = command.rotate();
    assertThat(fresh).isNotEqualTo(old);
    assertThat(fresh.name()).isEqualTo(NAME);
    assertThat(command.current()).isEqualTo(fresh);
    assertThat(command.all()).containsExactly(old, fresh);

    // the ring opened before the rotation re-reads it
    assertThat(job.current()).isEqualTo(fresh);
    assertThat(job.all()).containsExactly(old, fresh);
    assertThat(job.byId(old.id())).contains(old);
    assertThat(job.verifierKeys()).containsExactly(old.verifierKey(), fresh.verifierKey());

    // the old key still verifies what it signed, and co-signs the first note of the new key
    assertThat(SignedNote.parse(oldNote).verify(job.all())).containsExactly(old);
    String first = SignedNote.sign("after\n", List.of(job.current(), job.byId(old.id()).get()));
    assertThat(SignedNote.parse(first).verify(List.of(old.verifierOnly()))).containsExactly(old);

    KeyRing reopened = KeyRing.open(dir, NAME);
    assertThat(reopened.current()).isEqualTo(fresh);
    assertThat(reopened.all()).containsExactly(old, fresh);
    assertThat(reopened.saltKey()).isEqualTo(job.saltKey());
    NoteKey third = reopened.rotate();
    assertThat(job.all()).containsExactly(old, fresh, third);
    assertThat(Files.readString(dir.resolve("keys.log")))
        .isEqualTo(old.id() + "\n" + fresh.id() + "\n" + third.id() + "\n");
    assertThat(Files.readString(dir.resolve("current"))).isEqualTo(third.id() + "\n");
  }

  @Test
  void aPrivateKeyReadableByOthersIsRefused() throws Exception {
    NoteKey k = KeyRing.open(dir, NAME).current();
    Path key = dir.resolve(KeyRing.fileStem(k.id()) + ".key");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> KeyRing.open(dir, NAME))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(key.toString())
        .hasMessageContaining("mode 0644")
        .hasMessageContaining("chmod 600 " + key);
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r-----"));
    assertThatThrownBy(() -> KeyRing.open(dir, NAME)).hasMessageContaining("mode 0640");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    Path salt = dir.resolve("salt.key");
    Files.setPosixFilePermissions(salt, PosixFilePermissions.fromString("rw----r--"));
    assertThatThrownBy(() -> KeyRing.open(dir, NAME))
        .hasMessageContaining(salt.toString())
        .hasMessageContaining("chmod 600");
    Files.setPosixFilePermissions(salt, PosixFilePermissions.fromString("r--------"));
    assertThat(KeyRing.open(dir, NAME).current()).isEqualTo(k);
  }

  @Test
  void missingOrCorruptFilesAreNamed() throws Exception {
    KeyRing ring = KeyRing.open(dir, NAME);
    NoteKey k = ring.current();
    String stem = KeyRing.fileStem(k.id());
    Path key = dir.resolve(stem + ".key");
    Path vkey = dir.resolve(stem + ".vkey");
    Path current = dir.resolve("current");
    Path log = dir.resolve("keys.log");
    Path salt = dir.resolve("salt.key");

    String vkeyText = Files.readString(vkey);
    Files.delete(vkey);
    assertThatThrownBy(() -> KeyRing.open(dir, NAME)).hasMessage("missing " + vkey);
    Files.writeString(vkey, NoteKey.generate(NAME).verifierKey() + "\n");
    assertThatThrownBy(() -> KeyRing.open(dir, NAME))
        .hasMessage(vkey + " is not the verifier key of " + key);
    Files.writeString(vkey, vkeyText);

    String keyText = Files.readString(key);
    Files.writeString(key, keyText.substring(0, keyText.length() - 4));
    assertThatThrownBy(() -> KeyRing.open(dir, NAME))
        .hasMessageStartingWith(key + " is not a valid signer key: ");
    Files.writeString(key, NoteKey.generate(NAME).signerKey());
    assertThatThrownBy(() -> KeyRing.open(dir, NAME)).hasMessageContaining(key + " holds the key ");
    Files.writeString(key, keyText + "\n"); // a line end added by an editor is fine
    assertThat(KeyRing.open(dir, NAME).current()).isEqualTo(k);

    Files.writeString(current, "garbage\n");
    assertThatThrownBy(() -> KeyRing.open(dir, NAME))
        .hasMessageStartingWith(current + ": \"garbage\" is not a key id");
    Files.writeString(current, NAME + "+00000000\n");
    assertThatThrownBy(() -> KeyRing.open(dir, NAME))
        .hasMessage(
            current + " names the key " + NAME + "+00000000, which " + log + " does not list");
    Files.writeString(current, k.id() + "\n");

    Files.writeString(log, k.id() + "\n" + k.id() + "\n");
    assertThatThrownBy(() -> KeyRing.open(dir, NAME)).hasMessageContaining(log + " line 2: ");
    Files.writeString(log, k.id());
    assertThatThrownBy(() -> KeyRing.open(dir, NAME)).hasMessageContaining(log + " does not end");
    Files.delete(log);
    assertThatThrownBy(() -> KeyRing.open(dir, NAME)).hasMessageStartingWith("missing " + log);
    Files.writeString(log, k.id() + "\n");

    Files.writeString(salt, "c2hvcnQ=\n");
    assertThatThrownBy(() -> KeyRing.open(dir, NAME))
        .hasMessage(salt + " is not the base64 of 32 bytes");
    Files.delete(salt);
    assertThatThrownBy(() -> KeyRing.open(dir, NAME)).hasMessage("missing " + salt);
  }

  @Test
  void aRingThatBecameCorruptFailsLoudlyInsteadOfSigningWithAStaleKey() throws Exception {
    KeyRing ring = KeyRing.open(dir, NAME);
    Files.writeString(dir.resolve("current"), "nonsense\n");
    assertThatThrownBy(ring::current)
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining(dir.toString());
  }

  @Test
  void aCreationCutShortAfterKeysLogIsCompleted() throws Exception {
    NoteKey k = KeyRing.open(dir, NAME).current();
    Files.delete(dir.resolve("current"));
    KeyRing ring = KeyRing.open(dir, NAME);
    assertThat(ring.current()).isEqualTo(k);
    assertThat(Files.readString(dir.resolve("current"))).isEqualTo(k.id() + "\n");
  }

  @Test
  void twoRingsOpenedAtOnceOnAnEmptyDirectoryEndWithOneKey() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 25; round++) {
        Path d = tmp.resolve("race-" + round);
        CyclicBarrier start = new CyclicBarrier(2);
        List<Future<KeyRing>> rings = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
          rings.add(
              pool.submit(
                  () -> {
                    start.await();
                    return KeyRing.open(d, NAME);
                  }));
        }
        KeyRing a = rings.get(0).get();
        KeyRing b = rings.get(1).get();
        assertThat(a.current()).as("round %d", round).isEqualTo(b.current());
        assertThat(a.current().signerKey()).isEqualTo(b.current().signerKey());
        assertThat(a.all()).hasSize(1).isEqualTo(b.all());
        assertThat(a.saltKey()).isEqualTo(b.saltKey());
        String stem = KeyRing.fileStem(a.current().id());
        assertThat(names(d))
            .as("the loser's key removed, no temporary file left")
            .containsExactlyInAnyOrder(
                stem + ".key", stem + ".vkey", "salt.key", "current", "keys.log");
        assertThat(KeyRing.open(d, NAME).current()).isEqualTo(a.current());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void twoRotationsAtOnceKeepBothKeys() throws Exception {
    KeyRing.open(dir, NAME);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CyclicBarrier start = new CyclicBarrier(2);
      List<Future<NoteKey>> keys = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        keys.add(
            pool.submit(
                () -> {
                  KeyRing r = KeyRing.open(dir, NAME);
                  start.await();
                  return r.rotate();
                }));
      }
      NoteKey a = keys.get(0).get();
      NoteKey b = keys.get(1).get();
      KeyRing ring = KeyRing.open(dir, NAME);
      assertThat(ring.all()).hasSize(3).contains(a, b);
      assertThat(ring.current()).isEqualTo(ring.all().get(2));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void invalidNamesAndANonDirectoryAreRefused() throws Exception {
    assertThatThrownBy(() -> KeyRing.open(dir, "a b")).isInstanceOf(IllegalArgumentException.class);
    Path file = tmp.resolve("file");
    Files.writeString(file, "x");
    assertThatThrownBy(() -> KeyRing.open(file, NAME)).isInstanceOf(IOException.class);
    assertThat(KeyRing.fileStem("a/b\\c:%+0000000a")).isEqualTo("a%2Fb%5Cc%3A%25+0000000a");
  }

  private static String perms(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private static List<String> names(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }
}
