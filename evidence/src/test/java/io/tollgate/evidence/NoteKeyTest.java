package io.tollgate.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NoteKeyTest {
  /**
   * The example keys of Go's golang.org/x/mod/sumdb/note, from the package documentation in
   * sumdb/note/note.go (section "Example"), verbatim.
   */
  static final String GO_SKEY =
      "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";

  static final String GO_VKEY =
      "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

  @Test
  void goExampleKeysReadAndWriteBackAsTheyAre() throws Exception {
    NoteKey v = NoteKey.parseVerifierKey(GO_VKEY);
    assertThat(v.name()).isEqualTo("PeterNeumann");
    assertThat(v.keyId()).isEqualTo(0xc74f20a3);
    assertThat(v.id()).isEqualTo("PeterNeumann+c74f20a3");
    assertThat(v.canSign()).isFalse();
    assertThat(v.verifierKey()).isEqualTo(GO_VKEY);
    assertThatThrownBy(v::signerKey).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> v.sign(new byte[1]))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("PeterNeumann+c74f20a3");

    NoteKey s = NoteKey.parseSignerKey(GO_SKEY);
    assertThat(s.canSign()).isTrue();
    assertThat(s.signerKey()).isEqualTo(GO_SKEY);
    assertThat(s.verifierKey()).as("the public key derived from the seed").isEqualTo(GO_VKEY);
    assertThat(s).isEqualTo(v).hasSameHashCodeAs(v);
    assertThat(s.toString()).contains("PeterNeumann+c74f20a3").doesNotContain("AYEKF");
    assertThat(s.verifierOnly().canSign()).isFalse();
    assertThat(s.verifierOnly()).isEqualTo(s);
  }

  @Test
  void keyIdIsTheFirstFourBytesOfTheSpecHash() throws Exception {
    NoteKey k = NoteKey.generate("example.com/log-\u00e9");
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    d.update("example.com/log-\u00e9".getBytes(StandardCharsets.UTF_8));
    d.update(new byte[] {0x0A, 0x01});
    d.update(k.publicKeyBytes());
    int want = ByteBuffer.wrap(d.digest(), 0, 4).getInt();
    assertThat(k.keyId()).isEqualTo(want);
    assertThat(k.id()).isEqualTo("example.com/log-\u00e9+" + HexFormat.of().toHexDigits(want));
    assertThat(k.verifierKey())
        .isEqualTo(
            k.id()
                + "+"
                + Base64.getEncoder()
                    .encodeToString(
                        ByteBuffer.allocate(33).put((byte) 1).put(k.publicKeyBytes()).array()));
  }

  @Test
  void generatedKeysRoundTripSignAndVerify() throws Exception {
    NoteKey k = NoteKey.generate("log.example/a");
    NoteKey other = NoteKey.generate("log.example/a");
    assertThat(k).isNotEqualTo(other);
    assertThat(k.publicKeyBytes()).hasSize(32);
    NoteKey v = NoteKey.parseVerifierKey(k.verifierKey());
    NoteKey s = NoteKey.parseSignerKey(k.signerKey());
    assertThat(v).isEqualTo(k);
    assertThat(s.signerKey()).isEqualTo(k.signerKey());

    byte[] msg = "a message\n".getBytes(StandardCharsets.UTF_8);
    byte[] sig = k.sign(msg);
    assertThat(sig).hasSize(64);
    assertThat(s.sign(msg)).as("Ed25519 is deterministic").isEqualTo(sig);
    assertThat(v.verify(msg, sig)).isTrue();
    assertThat(other.verify(msg, sig)).isFalse();
    for (int i = 0; i < msg.length; i++) {
      byte[] m = msg.clone();
      m[i] ^= 1;
      assertThat(v.verify(m, sig)).as("message byte %d flipped", i).isFalse();
    }
    for (int i = 0; i < sig.length; i++) {
      byte[] bad = sig.clone();
      bad[i] ^= 0x40;
      assertThat(v.verify(msg, bad)).as("signature byte %d flipped", i).isFalse();
    }
    assertThat(v.verify(msg, Arrays.copyOf(sig, 63))).isFalse();
    assertThat(v.verify(msg, Arrays.copyOf(sig, 65))).isFalse();
    assertThat(v.verify(msg, null)).isFalse();
  }

  @Test
  void fromSeedAndFromPublicKeyGiveTheSameKey() throws Exception {
    NoteKey k = NoteKey.generate("n");
    byte[] seed = Arrays.copyOfRange(Base64.getDecoder().decode(keyData(k.signerKey(), 4)), 1, 33);
    NoteKey s = NoteKey.fromSeed("n", seed);
    assertThat(s.signerKey()).isEqualTo(k.signerKey());
    assertThat(s.verifierKey()).isEqualTo(k.verifierKey());
    NoteKey p = NoteKey.fromPublicKey("n", k.publicKeyBytes());
    assertThat(p).isEqualTo(k);
    assertThat(p.canSign()).isFalse();
    assertThat(NoteKey.fromPublicKey("m", k.publicKeyBytes())).isNotEqualTo(k);
    assertThatThrownBy(() -> NoteKey.fromSeed("n", new byte[31]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("32");
    assertThatThrownBy(() -> NoteKey.fromPublicKey("n", new byte[33]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("32");
  }

  @Test
  void invalidNamesAreRefusedSayingWhy() {
    String[][] cases = {
      {"", "empty"},
      {"a b", "space (U+0020)"},
      {"a\tb", "space (U+0009)"},
      {"a\nb", "space (U+000A)"},
      {"a\u00a0b", "space (U+00A0)"},
      {"a\u2003b", "space (U+2003)"},
      {"a\u0085", "space (U+0085)"},
      {"a+b", "'+'"},
      {"bell\u0007", "control character (U+0007)"},
      {"del\u007f", "control character (U+007F)"},
      {"half\ud800", "unpaired surrogate"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> NoteKey.generate(c[0]))
          .as("name %s", Checkpoint.quote(c[0]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(c[1]);
    }
    assertThat(NoteKey.generate("\ud83d\udd11key").name()).isEqualTo("\ud83d\udd11key");
  }

  @Test
  void malformedVerifierKeysAreRefusedNamingWhatIsWrong() throws Exception {
    String data = keyData(GO_VKEY, 2);
    byte[] raw = Base64.getDecoder().decode(data);
    byte[] alg2 = raw.clone();
    alg2[0] = 2;
    String[][] cases = {
      {"", "empty"},
      {"PeterNeumann", "form"},
      {"PeterNeumann+c74f20a3", "form"},
      {"+c74f20a3+" + data, "name \"\" is empty"},
      {"Peter Neumann+c74f20a3+" + data, "space"},
      {GO_VKEY + "\n", "line end"},
      {"PeterNeumann+c74f20a+" + data, "not 8 hex digits"},
      {"PeterNeumann+c74f20a3x+" + data, "not 8 hex digits"},
      {"PeterNeumann+c74f20a4+" + data, "id c74f20a4 does not match its name and key"},
      {"PeterNeumanm+c74f20a3+" + data, "does not match"},
      {"PeterNeumann+c74f20a3+" + data.substring(0, 43), "not canonical standard base64"},
      {"PeterNeumann+c74f20a3+" + data.replace('/', '_'), "not canonical standard base64"},
      {"PeterNeumann+c74f20a3+", "data is empty"},
      {
        "PeterNeumann+c74f20a3+" + Base64.getEncoder().encodeToString(alg2),
        "algorithm is 0x02, want 0x01"
      },
      {
        "PeterNeumann+c74f20a3+" + Base64.getEncoder().encodeToString(Arrays.copyOf(raw, 32)),
        "31 bytes after the algorithm byte, want 32"
      },
      {
        "PeterNeumann+c74f20a3+" + Base64.getEncoder().encodeToString(Arrays.copyOf(raw, 34)),
        "33 bytes after the algorithm byte, want 32"
      },
      {GO_SKEY, "it is a signer key"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> NoteKey.parseVerifierKey(c[0]))
          .as("verifier key %s", c[0])
          .isInstanceOf(EvidenceException.class)
          .hasMessageContaining(c[1]);
    }
    // upper-case hex is read as Go reads it
    assertThat(NoteKey.parseVerifierKey("PeterNeumann+C74F20A3+" + data).verifierKey())
        .isEqualTo(GO_VKEY);
  }

  @Test
  void malformedSignerKeysAreRefusedWithoutShowingTheSecret() {
    String data = keyData(GO_SKEY, 4);
    assertThat(data).isEqualTo("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
    List<String[]> cases = new ArrayList<>();
    cases.add(new String[] {GO_VKEY, "does not start with PRIVATE+KEY+"});
    cases.add(new String[] {"PRIVATE+KEY+PeterNeumann+c74f20a4+" + data, "does not match"});
    cases.add(new String[] {"PRIVATE+KEY+EnochRoot+c74f20a3+" + data, "does not match"});
    cases.add(new String[] {"PRIVATE+KEY+PeterNeumann+c74f20a3+" + data + "=", "not canonical"});
    cases.add(new String[] {"PRIVATE+KEY+PeterNeumann+c74f20a3", "form"});
    for (String[] c : cases) {
      assertThatThrownBy(() -> NoteKey.parseSignerKey(c[0]))
          .as("signer key %s", c[0])
          .isInstanceOf(EvidenceException.class)
          .hasMessageContaining(c[1])
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(data));
    }
  }

  @Test
  void publicKeyPemIsTheSubjectPublicKeyInfo(@TempDir Path tmp) throws Exception {
    NoteKey k = NoteKey.parseVerifierKey(GO_VKEY);
    String pem = k.publicKeyPem();
    assertThat(pem)
        .startsWith("-----BEGIN PUBLIC KEY-----\n")
        .endsWith("-----END PUBLIC KEY-----\n");
    String b64 =
        pem.replace("-----BEGIN PUBLIC KEY-----", "")
            .replace("-----END PUBLIC KEY-----", "")
            .strip();
    byte[] der = Base64.getDecoder().decode(b64);
    assertThat(HexFormat.of().formatHex(der, 0, 12)).isEqualTo("302a300506032b6570032100");
    assertThat(Arrays.copyOfRange(der, 12, 44)).isEqualTo(k.publicKeyBytes());
    assertThat(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der)))
        .isEqualTo(k.publicKey());
    assertThat(k.publicKey().getEncoded()).isEqualTo(der);

    // and OpenSSL reads it as the same key
    Path pemFile = tmp.resolve("pub.pem");
    Files.writeString(pemFile, pem);
    OpenSsl.Result r =
        OpenSsl.run(tmp, "pkey", "-pubin", "-in", "pub.pem", "-outform", "DER", "-out", "pub.der");
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(Files.readAllBytes(tmp.resolve("pub.der"))).isEqualTo(der);
  }

  @Test
  void aNoteKeySignatureVerifiesWithOpenSsl(@TempDir Path tmp) throws Exception {
    NoteKey k = NoteKey.generate("tollgate.example/log");
    byte[] msg =
        "tollgate.example/log\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
            .getBytes(StandardCharsets.UTF_8);
    Files.writeString(tmp.resolve("pub.pem"), k.publicKeyPem());
    Files.write(tmp.resolve("msg.bin"), msg);
    Files.write(tmp.resolve("sig.bin"), k.sign(msg));
    OpenSsl.Result ok = OpenSsl.verify(tmp);
    assertThat(ok.exit()).as(ok.output()).isZero();
    assertThat(ok.output()).contains("Signature Verified Successfully");

    msg[0] ^= 1;
    Files.write(tmp.resolve("msg.bin"), msg);
    OpenSsl.Result bad = OpenSsl.verify(tmp);
    assertThat(bad.exit()).as("OpenSSL rejects a changed message: " + bad.output()).isNotZero();
  }

  @Test
  void anOpenSslKeySignsWhatNoteKeyVerifiesAndNoteKeyDerivesTheSameKey(@TempDir Path tmp)
      throws Exception {
    OpenSsl.Result gen = OpenSsl.run(tmp, "genpkey", "-algorithm", "ed25519", "-out", "priv.pem");
    assertThat(gen.exit()).as(gen.output()).isZero();
    OpenSsl.Result der =
        OpenSsl.run(tmp, "pkey", "-in", "priv.pem", "-outform", "DER", "-out", "priv.der");
    assertThat(der.exit()).as(der.output()).isZero();
    OpenSsl.Result pub =
        OpenSsl.run(
            tmp, "pkey", "-in", "priv.pem", "-pubout", "-outform", "DER", "-out", "pub.der");
    assertThat(pub.exit()).as(pub.output()).isZero();
    byte[] privDer = Files.readAllBytes(tmp.resolve("priv.der"));
    byte[] pubDer = Files.readAllBytes(tmp.resolve("pub.der"));
    byte[] seed = Arrays.copyOfRange(privDer, privDer.length - 32, privDer.length);
    byte[] rawPub = Arrays.copyOfRange(pubDer, pubDer.length - 32, pubDer.length);

    byte[] msg = "a message signed by OpenSSL\n".getBytes(StandardCharsets.UTF_8);
    Files.write(tmp.resolve("msg.bin"), msg);
    OpenSsl.Result sign =
        OpenSsl.run(
            tmp,
            "pkeyutl",
            "-sign",
            "-inkey",
            "priv.pem",
            "-rawin",
            "-in",
            "msg.bin",
            "-out",
            "sig.bin");
    assertThat(sign.exit()).as(sign.output()).isZero();
    byte[] sig = Files.readAllBytes(tmp.resolve("sig.bin"));
    assertThat(sig).hasSize(64);

    NoteKey fromSeed = NoteKey.fromSeed("openssl", seed);
    assertThat(fromSeed.publicKeyBytes()).as("public key derived from the seed").isEqualTo(rawPub);
    assertThat(fromSeed.verify(msg, sig)).isTrue();
    assertThat(fromSeed.sign(msg)).as("the same deterministic signature").isEqualTo(sig);
    NoteKey fromPub = NoteKey.fromPublicKey("openssl", rawPub);
    assertThat(fromPub.verify(msg, sig)).isTrue();
    sig[10] ^= 1;
    assertThat(fromPub.verify(msg, sig)).isFalse();
  }

  /** The base64 key data of a key text: what follows its {@code plusses}-th '+'. */
  static String keyData(String key, int plusses) {
    int at = -1;
    for (int i = 0; i < plusses; i++) {
      at = key.indexOf('+', at + 1);
    }
    return key.substring(at + 1);
  }

  /** Runs the openssl command line; a missing openssl fails the test. */
  static final class OpenSsl {
    record Result(int exit, String output) {}

    static Path binary() {
      for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
        Path p = Path.of(d, "openssl");
        if (Files.isExecutable(p)) {
          return p;
        }
      }
      Path fallback = Path.of("/usr/bin/openssl");
      assertThat(Files.isExecutable(fallback))
          .as("these tests need the openssl command (OpenSSL 3) on the PATH")
          .isTrue();
      return fallback;
    }

    static Result run(Path dir, String... args) throws IOException, InterruptedException {
      List<String> cmd = new ArrayList<>();
      cmd.add(binary().toString());
      cmd.addAll(List.of(args));
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return new Result(p.waitFor(), String.join(" ", cmd) + ": " + out);
    }

    /** Verifies sig.bin over msg.bin with pub.pem, in {@code dir}. */
    static Result verify(Path dir) throws IOException, InterruptedException {
      return run(
          dir,
          "pkeyutl",
          "-verify",
          "-pubin",
          "-inkey",
          "pub.pem",
          "-rawin",
          "-in",
          "msg.bin",
          "-sigfile",
          "sig.bin");
    }
  }
}
