package io.tollgate.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class CheckpointTest {
  /** The example of c2sp.org/tlog-checkpoint. */
  static final String SPEC_TEXT =
      "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

  static final String ROOT = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";

  @Test
  void theSpecExampleReadsAndWritesBack() throws Exception {
    Checkpoint c = Checkpoint.parse(SPEC_TEXT);
    assertThat(c.origin()).isEqualTo("example.com/behind-the-sofa");
    assertThat(c.size()).isEqualTo(20852163L);
    assertThat(c.root()).isEqualTo(Base64.getDecoder().decode(ROOT));
    assertThat(c.extensions()).isEmpty();
    assertThat(c.text()).isEqualTo(SPEC_TEXT);
    assertThat(c).isEqualTo(new Checkpoint("example.com/behind-the-sofa", 20852163L, c.root()));
  }

  @Test
  void extensionsAndLimitsRoundTrip() throws Exception {
    byte[] root = new byte[32];
    root[31] = 7;
    Checkpoint c =
        new Checkpoint("log with inner spaces", Long.MAX_VALUE, root, List.of("ext one", "\u00e9"));
    assertThat(c.text())
        .isEqualTo(
            "log with inner spaces\n9223372036854775807\n"
                + Base64.getEncoder().encodeToString(root)
                + "\next one\n\u00e9\n");
    assertThat(Checkpoint.parse(c.text())).isEqualTo(c);
    Checkpoint empty = new Checkpoint("o", 0, new byte[32]);
    assertThat(Checkpoint.parse(empty.text())).isEqualTo(empty);
    assertThat(empty.text()).contains("\n0\n");
  }

  @Test
  void rootIsCopiedAndComparedByContent() {
    byte[] root = new byte[32];
    Checkpoint a = new Checkpoint("o", 1, root);
    root[0] = 1;
    assertThat(a.root()[0]).as("copied in").isZero();
    a.root()[1] = 1;
    assertThat(a.root()[1]).as("copied out").isZero();
    Checkpoint b = new Checkpoint("o", 1, new byte[32]);
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(new Checkpoint("o", 1, root));
    assertThat(a).isNotEqualTo(new Checkpoint("o", 2, new byte[32]));
    assertThat(a).isNotEqualTo(new Checkpoint("p", 1, new byte[32]));
    assertThat(a).isNotEqualTo(new Checkpoint("o", 1, new byte[32], List.of("x")));
    assertThat(a.toString()).contains("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  }

  @Test
  void malformedTextsAreRejectedNamingTheLineAndWhy() {
    String ok2 = "\n" + ROOT + "\n";
    byte[] r31 = Arrays.copyOf(Base64.getDecoder().decode(ROOT), 31);
    byte[] r33 = Arrays.copyOf(Base64.getDecoder().decode(ROOT), 33);
    String[][] cases = {
      {"", "checkpoint text is empty"},
      {"o\n1\n" + ROOT, "checkpoint line 3 \"" + ROOT + "\" does not end with a newline"},
      {"o\n1", "checkpoint line 2 \"1\" does not end with a newline"},
      {"o\n", "checkpoint line 2 (tree size) is missing"},
      {"o\n1\n", "checkpoint line 3 (root hash) is missing"},
      {"\n1\n" + ROOT + "\n", "checkpoint line 1 (origin) is empty"},
      {
        " o\n1\n" + ROOT + "\n", "checkpoint line 1 (origin) \" o\" has a leading or trailing space"
      },
      {"o \n1\n" + ROOT + "\n", "has a leading or trailing space"},
      {"o\u00a0\n1\n" + ROOT + "\n", "has a leading or trailing space"},
      {"o\n\n" + ROOT + "\n", "checkpoint line 2 (tree size) is empty"},
      {"o\n+1" + ok2, "checkpoint line 2 (tree size) \"+1\" has a sign"},
      {"o\n-1" + ok2, "\"-1\" has a sign"},
      {"o\n01" + ok2, "\"01\" has a leading zero"},
      {"o\n00" + ok2, "\"00\" has a leading zero"},
      {"o\n1a" + ok2, "\"1a\" is not a decimal number"},
      {"o\n 1" + ok2, "\" 1\" is not a decimal number"},
      {"o\n1.0" + ok2, "is not a decimal number"},
      {"o\n\u0661" + ok2, "is not a decimal number"}, // ARABIC-INDIC DIGIT ONE
      {"o\n9223372036854775808" + ok2, "does not fit in a signed 64-bit integer"},
      {"o\n99999999999999999999" + ok2, "does not fit in a signed 64-bit integer"},
      {"o\n1\n\n", "checkpoint line 3 (root hash) is empty"},
      {"o\n1\nnot base64!\n", "checkpoint line 3 (root hash) \"not base64!\" is not canonical"},
      {"o\n1\n" + ROOT.substring(0, 43) + "\n", "is not canonical standard base64"},
      {"o\n1\n" + ROOT.replace('/', '_') + "\n", "is not canonical standard base64"},
      {"o\n1\n" + ROOT.substring(0, 42) + "3=\n", "is not canonical standard base64"},
      {
        "o\n1\n" + Base64.getEncoder().encodeToString(r31) + "\n",
        "checkpoint line 3 (root hash) is 31 bytes, want 32"
      },
      {"o\n1\n" + Base64.getEncoder().encodeToString(r33) + "\n", "is 33 bytes, want 32"},
      {"o\n1\n" + ROOT + "\n\n", "checkpoint line 4 (extension) is empty"},
      {"o\n1\n" + ROOT + "\nx\n\ny\n", "checkpoint line 5 (extension) is empty"},
      {"o\r\n1\r\n" + ROOT + "\r\n", "checkpoint line 1 (origin) has a control character U+000D"},
      {
        "o\n1\n" + ROOT + "\nx\ty\n", "checkpoint line 4 (extension) has a control character U+0009"
      },
      {"o\ud800\n1\n" + ROOT + "\n", "line 1 (origin) has an unpaired surrogate"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> Checkpoint.parse(c[0]))
          .as("text %s", Checkpoint.quote(c[0]))
          .isInstanceOf(EvidenceException.class)
          .hasMessageContaining(c[1]);
    }
    assertThatThrownBy(() -> Checkpoint.parse(null)).isInstanceOf(EvidenceException.class);
  }

  @Test
  void theConstructorRefusesWhatParseRefuses() {
    byte[] root = new byte[32];
    assertThatThrownBy(() -> new Checkpoint("", 1, root))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> new Checkpoint(" o", 1, root))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("leading or trailing space");
    assertThatThrownBy(() -> new Checkpoint("o\nx", 1, root))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("U+000A");
    assertThatThrownBy(() -> new Checkpoint("o", -1, root))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("negative");
    assertThatThrownBy(() -> new Checkpoint("o", 1, new byte[31]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("31 bytes");
    assertThatThrownBy(() -> new Checkpoint("o", 1, root, List.of("")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("extension 1 is empty");
    assertThatThrownBy(() -> new Checkpoint("o", 1, root, List.of("a\nb")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("extension 1 has a control character U+000A");
  }

  @Test
  void aCheckpointIsTheTextOfASignedNote() throws Exception {
    NoteKey k = NoteKey.generate("example.com/behind-the-sofa");
    Checkpoint c = Checkpoint.parse(SPEC_TEXT);
    SignedNote n = SignedNote.parse(SignedNote.sign(c.text(), List.of(k)));
    n.verify(List.of(k));
    assertThat(Checkpoint.parse(n.text())).isEqualTo(c);
  }
}
