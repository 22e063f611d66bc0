package io.tollgate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VocabularyTest {

  @Test
  void idsAreDenseStableAndPerKind() {
    Vocabulary v = new Vocabulary();
    assertThat(v.intern(Vocabulary.Kind.PURPOSE, "risk")).isZero();
    assertThat(v.intern(Vocabulary.Kind.PURPOSE, "ads")).isEqualTo(1);
    assertThat(v.intern(Vocabulary.Kind.REGION, "risk")).as("kinds are separate").isZero();
    assertThat(v.intern(Vocabulary.Kind.PURPOSE, new String("risk"))).isZero();
    assertThat(v.lookup(Vocabulary.Kind.PURPOSE, "ads")).isEqualTo(1);
    assertThat(v.lookup(Vocabulary.Kind.PURPOSE, "unknown")).isEqualTo(-1);
    assertThat(v.lookup(Vocabulary.Kind.FIELD, "risk")).isEqualTo(-1);
    assertThat(v.lookup(Vocabulary.Kind.PURPOSE, null)).isEqualTo(-1);
    assertThat(v.size(Vocabulary.Kind.PURPOSE)).isEqualTo(2);
  }

  @Test
  void matchesAMapOverManyTermsIncludingHashCollisions() {
    Vocabulary v = new Vocabulary();
    Map<String, Integer> expected = new HashMap<>();
    Random random = new Random(1);
    // "Aa" and "BB" have the same String hash code; so do their concatenations
    String[] colliding = {"AaAa", "AaBB", "BBAa", "BBBB"};
    for (String s : colliding) {
      expected.put(s, v.intern(Vocabulary.Kind.FIELD, s));
    }
    for (int i = 0; i < 5000; i++) {
      String s = "f" + random.nextInt(3000);
      int id = v.intern(Vocabulary.Kind.FIELD, s);
      Integer before = expected.putIfAbsent(s, id);
      if (before != null) {
        assertThat(id).isEqualTo(before);
      }
    }
    assertThat(v.size(Vocabulary.Kind.FIELD)).isEqualTo(expected.size());
    expected.forEach(
        (s, id) -> assertThat(v.lookup(Vocabulary.Kind.FIELD, new String(s))).isEqualTo(id));
    assertThat(expected.values()).doesNotHaveDuplicates();
  }

  @Test
  void namesHaveTheirOwnIds() {
    Vocabulary v = new Vocabulary();
    int fleet = v.internName("fleet-analytics");
    assertThat(v.internName(new String("fleet-analytics"))).isEqualTo(fleet);
    assertThat(v.nameId(new String("fleet-analytics"))).isEqualTo(fleet);
    assertThat(v.internName("vehicle-telemetry")).isEqualTo(fleet + 1);
    assertThat(v.nameId("stranger")).isEqualTo(-1);
    assertThat(v.nameId(null)).isEqualTo(-1);
    assertThat(v.lookup(Vocabulary.Kind.PURPOSE, "fleet-analytics"))
        .as("names are their own table")
        .isEqualTo(-1);
  }
}
