package io.tollgate.evidence;

import static io.tollgate.evidence.NoteKeyTest.GO_SKEY;
import static io.tollgate.evidence.NoteKeyTest.GO_VKEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignedNoteTest {
  /** The text of the example note of Go's golang.org/x/mod/sumdb/note (sumdb/note/note.go). */
  static final String GO_TEXT =
      "If you think cryptography is the answer to your problem,\n"
          + "then you don't know what your problem is.\n";

  /** The example note signed by PeterNeumann, verbatim from the same documentation. */
  static final String GO_NOTE =
      GO_TEXT
          + "\n"
          + "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

  /** The doubly-signed example of the same documentation: EnochRoot's key is not given there. */
  static final String GO_NOTE_TWO_SIGNERS =
      GO_NOTE
          + "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

  static final String CHECKPOINT_TEXT =
      "tollgate.example/log\n42\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

  @Test
  void signingTheGoExampleGivesTheGoNoteAndItVerifies() throws Exception {
    NoteKey signer = NoteKey.parseSignerKey(GO_SKEY);
    NoteKey verifier = NoteKey.parseVerifierKey(GO_VKEY);
    assertThat(SignedNote.sign(GO_TEXT, List.of(signer))).isEqualTo(GO_NOTE);

    SignedNote n = SignedNote.parse(GO_NOTE);
    assertThat(n.text()).isEqualTo(GO_TEXT);
    assertThat(n.encoded()).isEqualTo(GO_NOTE);
    assertThat(n.signatures()).hasSize(1);
    SignedNote.Signature s = n.signatures().get(0);
    assertThat(s.name()).isEqualTo("PeterNeumann");
    assertThat(s.keyId()).isEqualTo(0xc74f20a3);
    assertThat(s.id()).isEqualTo("PeterNeumann+c74f20a3");
    assertThat(s.signature()).hasSize(64);
    assertThat(n.verify(List.of(verifier))).containsExactly(verifier);
    assertThat(SignedNote.parse(GO_NOTE.getBytes(StandardCharsets.UTF_8))).isEqualTo(n);
  }

  @Test
  void signaturesOfUnknownKeysAreIgnoredAndNamedWhenNoKnownKeySigned() throws Exception {
    NoteKey peter = NoteKey.parseVerifierKey(GO_VKEY);
    SignedNote n = SignedNote.parse(GO_NOTE_TWO_SIGNERS);
    assertThat(n.text()).isEqualTo(GO_TEXT);
    assertThat(n.signatures())
        .extracting(SignedNote.Signature::name)
        .containsExactly("PeterNeumann", "EnochRoot");
    assertThat(n.verify(List.of(peter))).containsExactly(peter);

    String enoch = n.signatures().get(1).id();
    assertThat(enoch).matches("EnochRoot\\+[0-9a-f]{8}");
    assertThatThrownBy(() -> n.verify(List.of(NoteKey.generate("EnochRoot"))))
        .isInstanceOf(EvidenceException.class)
        .hasMessage(
            "no signature by a known key (signed by: PeterNeumann+c74f20a3, " + enoch + ")");
    assertThatThrownBy(() -> n.verify(List.of()))
        .isInstanceOf(EvidenceException.class)
        .hasMessageStartingWith("no signature by a known key");
  }

  @Test
  void theSpecExampleSplitsAtTheLastBlankLine() throws Exception {
    // the example of c2sp.org/signed-note: its text holds a blank line of its own
    String note =
        "Ognuno sta solo sul cuor della terra\n"
            + "trafitto da un raggio di sole:\n"
            + "\n"
            + "ed \u00e8 subito sera.\n"
            + "\n"
            + "\u2014 quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";
    SignedNote n = SignedNote.parse(note);
    assertThat(n.text())
        .isEqualTo(
            "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned \u00e8 subito sera.\n");
    assertThat(n.signatures())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.name()).isEqualTo("quasimodo.example/salvatore");
              assertThat(s.signature()).hasSize(64);
            });
  }

  @Test
  void notesWithManySignersAndEmptyLinesInTheirTextRoundTrip() throws Exception {
    NoteKey a = NoteKey.generate("log.example/a");
    NoteKey b = NoteKey.generate("witness.example/b");
    NoteKey c = NoteKey.generate("log.example/a"); // same name as a, another key
    String text = "first\n\nafter a blank line \u00e9\ud83d\udd11\n";
    String note = SignedNote.sign(text, List.of(a, b, c));
    assertThat(note).startsWith(text + "\n\u2014 log.example/a ");
    SignedNote n = SignedNote.parse(note);
    assertThat(n.text()).isEqualTo(text);
    assertThat(n.signatures())
        .extracting(SignedNote.Signature::id)
        .containsExactly(a.id(), b.id(), c.id());
    assertThat(n.verify(List.of(b.verifierOnly(), a.verifierOnly(), c.verifierOnly())))
        .as("in the order of the note")
        .containsExactly(a, b, c);
    assertThat(n.verify(List.of(b))).containsExactly(b);
    assertThat(n.verify(List.of(a)))
        .as("c has a's name but another id: ignored")
        .containsExactly(a);
    assertThat(n.verify(List.of(a, a.verifierOnly()))).containsExactly(a);

    // the message signed is the text's UTF-8, final newline included
    byte[] msg = text.getBytes(StandardCharsets.UTF_8);
    assertThat(b.verify(msg, n.signatures().get(1).signature())).isTrue();
    assertThat(
            b.verify(
                text.strip().getBytes(StandardCharsets.UTF_8), n.signatures().get(1).signature()))
        .isFalse();

    // a text of only a newline is a note too (as in Go)
    assertThat(SignedNote.parse(SignedNote.sign("\n", List.of(a))).verify(List.of(a)))
        .containsExactly(a);
  }

  @Test
  void signRefusesTextsThatAreNotANoteText() {
    NoteKey k = NoteKey.generate("k");
    String[][] cases = {
      {"", "empty"},
      {"no newline", "does not end with a newline"},
      {"windows\r\n", "U+000D (carriage return"},
      {"a\n\tb\n", "U+0009 (tab) on line 2 at column 1"},
      {"nul\u0000\n", "U+0000"},
      {"half \ud800\n", "unpaired surrogate"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> SignedNote.sign(c[0], List.of(k)))
          .as("text %s", Checkpoint.quote(c[0]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(c[1]);
    }
    assertThatThrownBy(() -> SignedNote.sign("t\n", List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SignedNote.sign("t\n", List.of(k.verifierOnly())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no private part");
    assertThatThrownBy(() -> SignedNote.sign("t\n", List.of(k, k)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("twice");
  }

  @Test
  void everyFlippedByteOfTheTextIsRejected() throws Exception {
    NoteKey k = NoteKey.generate("tollgate.example/log");
    byte[] note = SignedNote.sign(CHECKPOINT_TEXT, List.of(k)).getBytes(StandardCharsets.UTF_8);
    int textLength = CHECKPOINT_TEXT.length();
    for (int i = 0; i < textLength; i++) {
      byte[] m = note.clone();
      m[i] ^= 1;
      Throwable t = catchThrowable(() -> SignedNote.parse(m).verify(List.of(k)));
      assertThat(t).as("text byte %d flipped", i).isInstanceOf(EvidenceException.class);
      if (note[i] == '\n') {
        assertThat(t).hasMessageContaining("control character U+000B on line");
      } else {
        assertThat(t).hasMessage("signature of " + k.id() + " does not verify");
      }
    }
  }

  @Test
  void everyFlippedByteOfASignatureIsRejected() throws Exception {
    NoteKey k = NoteKey.generate("tollgate.example/log");
    String note = SignedNote.sign(CHECKPOINT_TEXT, List.of(k));
    String line = note.substring(note.lastIndexOf('\u2014'));
    String b64 = line.substring(line.lastIndexOf(' ') + 1, line.length() - 1);
    byte[] data = Base64.getDecoder().decode(b64);
    assertThat(data).hasSize(68);
    for (int j = 0; j < data.length; j++) {
      byte[] d = data.clone();
      d[j] ^= 1;
      String m = note.replace(b64, Base64.getEncoder().encodeToString(d));
      Throwable t = catchThrowable(() -> SignedNote.parse(m).verify(List.of(k)));
      assertThat(t).as("signature byte %d flipped", j).isInstanceOf(EvidenceException.class);
      if (j < 4) {
        int id = ByteBuffer.wrap(d).getInt();
        assertThat(t)
            .as("another key id: an unknown key")
            .hasMessage(
                "no signature by a known key (signed by: "
                    + k.name()
                    + "+"
                    + NoteKey.hex(id)
                    + ")");
      } else {
        assertThat(t).hasMessage("signature of " + k.id() + " does not verify");
      }
    }
    // and every changed character of the base64
    for (int j = 0; j < b64.length(); j++) {
      char c = b64.charAt(j);
      char other = c == 'A' ? 'B' : c == '=' ? 'A' : 'A';
      String changed = b64.substring(0, j) + other + b64.substring(j + 1);
      String m = note.replace(b64, changed);
      Throwable t = catchThrowable(() -> SignedNote.parse(m).verify(List.of(k)));
      assertThat(t).as("base64 character %d changed", j).isInstanceOf(EvidenceException.class);
    }
  }

  @Test
  void aForgedSignatureOfAKnownKeyRejectsTheNoteEvenWithAGoodOne() throws Exception {
    NoteKey log = NoteKey.generate("log");
    NoteKey witness = NoteKey.generate("witness");
    String note = SignedNote.sign(CHECKPOINT_TEXT, List.of(log, witness));
    String[] lines = note.split("\n", -1);
    String w = lines[lines.length - 2];
    byte[] data = Base64.getDecoder().decode(w.substring(w.lastIndexOf(' ') + 1));
    data[40] ^= 0x10;
    String forged =
        note.replace(
            w, w.substring(0, w.lastIndexOf(' ') + 1) + Base64.getEncoder().encodeToString(data));
    SignedNote n = SignedNote.parse(forged);
    assertThat(n.verify(List.of(log))).as("the witness is not known here").containsExactly(log);
    assertThatThrownBy(() -> n.verify(List.of(log, witness)))
        .isInstanceOf(EvidenceException.class)
        .hasMessage("signature of " + witness.id() + " does not verify");
  }

  @Test
  void aChangedKeyNameIsRejected() throws Exception {
    NoteKey peter = NoteKey.parseVerifierKey(GO_VKEY);
    String renamed = GO_NOTE.replace("\u2014 PeterNeumann ", "\u2014 PeterNeumanm ");
    assertThatThrownBy(() -> SignedNote.parse(renamed).verify(List.of(peter)))
        .isInstanceOf(EvidenceException.class)
        .hasMessage("no signature by a known key (signed by: PeterNeumanm+c74f20a3)");
    String invalid = GO_NOTE.replace("\u2014 PeterNeumann ", "\u2014 Peter+Neumann ");
    assertThatThrownBy(() -> SignedNote.parse(invalid))
        .isInstanceOf(EvidenceException.class)
        .hasMessageContaining("note line 4: key name \"Peter+Neumann\" contains '+'");
  }

  @Test
  void everyTruncationOfANoteIsRejected() throws Exception {
    NoteKey k = NoteKey.generate("tollgate.example/log");
    String note = SignedNote.sign(CHECKPOINT_TEXT, List.of(k));
    for (int len = 0; len < note.length(); len++) {
      String cut = note.substring(0, len);
      Throwable t = catchThrowable(() -> SignedNote.parse(cut).verify(List.of(k)));
      assertThat(t).as("cut after %d characters", len).isInstanceOf(EvidenceException.class);
    }
    assertThatThrownBy(() -> SignedNote.parse(note.substring(0, note.length() - 1)))
        .hasMessage("note line 5 does not end with a newline (is the note cut short?)");
    assertThatThrownBy(() -> SignedNote.parse(CHECKPOINT_TEXT + "\n"))
        .hasMessage("note has no signature line after its last blank line (line 4)");
    assertThatThrownBy(() -> SignedNote.parse(CHECKPOINT_TEXT))
        .hasMessageContaining("no blank line between its text and its signatures");
    assertThatThrownBy(() -> SignedNote.parse("")).hasMessage("note is empty");
  }

  @Test
  void everySignatureLineMustBeWellFormedNamingItsLine() throws Exception {
    NoteKey k = NoteKey.generate("log");
    String note = SignedNote.sign("a\nb\n", List.of(k)); // signature on line 4
    String good = note.substring(note.indexOf('\u2014'));
    String[][] cases = {
      {"- log AAAAAAA=\n", "note line 5: a signature line starts with \"\u2014 \""},
      {"\u2014log AAAAAAA=\n", "note line 5: a signature line starts with"},
      {"\u2014 log\n", "note line 5: no space between the key name and the signature"},
      {"\u2014  AAAAAAA=\n", "note line 5: key name \"\" is empty"},
      {"\u2014 log \n", "note line 5: the signature of log is empty"},
      {"\u2014 log AAAA\n", "note line 5: the signature of log is 3 bytes, needs at least 5"},
      {"\u2014 log AAAAAAA\n", "note line 5: the signature of log is not canonical"},
      {"\u2014 log AAAAAAB=\n", "note line 5: the signature of log is not canonical"},
      {"\u2014 log AAAA AAA=\n", "note line 5: the signature of log is not canonical"},
      {"\u2014 log AA-_AAA=\n", "note line 5: the signature of log is not canonical"},
      {"\u2014 other AAAAAAA=\r\n", "U+000D (carriage return"},
    };
    for (String[] c : cases) {
      String bad = note + c[0];
      assertThatThrownBy(() -> SignedNote.parse(bad))
          .as("extra line %s", Checkpoint.quote(c[0]))
          .isInstanceOf(EvidenceException.class)
          .hasMessageContaining(c[1]);
    }
    // a well-formed line of an unknown key is fine
    SignedNote n = SignedNote.parse(note + "\u2014 other AAAAAAA=\n");
    assertThat(n.signatures()).hasSize(2);
    assertThat(n.signatures().get(1).signature()).hasSize(1);
    assertThat(n.verify(List.of(k))).containsExactly(k);
    // the same line twice is the same signature
    assertThat(SignedNote.parse(note + good).verify(List.of(k))).containsExactly(k);
  }

  @Test
  void invalidUtf8AndControlCharactersAnywhereAreRejected() throws Exception {
    NoteKey k = NoteKey.generate("log");
    byte[] note = SignedNote.sign("a\nb\n", List.of(k)).getBytes(StandardCharsets.UTF_8);
    byte[] bad = note.clone();
    bad[2] = (byte) 0xff;
    assertThatThrownBy(() -> SignedNote.parse(bad))
        .isInstanceOf(EvidenceException.class)
        .hasMessage("note line 2 is not valid UTF-8 (at byte 2 of the note)");
    // the em dash cut in the middle: the signature line is not UTF-8
    byte[] dash = note.clone();
    dash[5] = 'x';
    assertThatThrownBy(() -> SignedNote.parse(dash))
        .hasMessageContaining("note line 4 is not valid UTF-8");
    assertThatThrownBy(() -> SignedNote.parse("a\u0007\n\n\u2014 log AAAAAAA=\n"))
        .hasMessage("note has a control character U+0007 on line 1 at column 2");
  }

  @Test
  void aNoteHasAtMostAHundredSignatureLines() throws Exception {
    NoteKey k = NoteKey.generate("log");
    String note = SignedNote.sign("t\n", List.of(k));
    StringBuilder b = new StringBuilder(note);
    for (int i = 0; i < 99; i++) {
      b.append("\u2014 w").append(i).append(" AAAAAAA=\n");
    }
    assertThat(SignedNote.parse(b.toString()).verify(List.of(k))).containsExactly(k);
    b.append("\u2014 one-more AAAAAAA=\n");
    assertThatThrownBy(() -> SignedNote.parse(b.toString()))
        .hasMessageContaining("more than 100 signature lines (line 103)");
    List<NoteKey> many = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      many.add(NoteKey.generate("k" + i));
    }
    assertThat(SignedNote.parse(SignedNote.sign("t\n", many)).verify(many)).hasSize(16);
  }

  @Test
  void aSignedCheckpointVerifiesWithOpenSsl(@TempDir Path tmp) throws Exception {
    NoteKey k = NoteKey.generate("tollgate.example/log");
    String note = SignedNote.sign(CHECKPOINT_TEXT, List.of(k));
    SignedNote n = SignedNote.parse(note);
    Files.writeString(tmp.resolve("pub.pem"), k.publicKeyPem());
    Files.write(tmp.resolve("msg.bin"), n.text().getBytes(StandardCharsets.UTF_8));
    Files.write(tmp.resolve("sig.bin"), n.signatures().get(0).signature());
    NoteKeyTest.OpenSsl.Result r = NoteKeyTest.OpenSsl.verify(tmp);
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("Signature Verified Successfully");

    // what OpenSSL checks is the text with its final newline: without it, no
    Files.write(tmp.resolve("msg.bin"), CHECKPOINT_TEXT.strip().getBytes(StandardCharsets.UTF_8));
    NoteKeyTest.OpenSsl.Result bad = NoteKeyTest.OpenSsl.verify(tmp);
    assertThat(bad.exit()).as(bad.output()).isNotZero();
  }
}
