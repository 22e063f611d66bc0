package io.tollgate.metering;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdSetTest {
  @Test
  void onlyCanonicalNumbersAreBitsEveryOtherIdIsKeptAsItIs() {
    IdSet s = new IdSet();
    assertThat(s.add("s-1-7")).isTrue();
    assertThat(s.add("s-1-07")).as("a leading zero is another id").isTrue();
    assertThat(s.add("s-1-7")).isFalse();
    assertThat(s.add("s-1-07")).isFalse();
    assertThat(s.add("s-2-7")).as("another partition").isTrue();
    assertThat(s.add("h-8f3a-zz")).isTrue();
    assertThat(s.add("h-8f3a-ZZ")).as("upper case is not canonical: a string").isTrue();
    assertThat(s.add("no-dash-at-end-")).isTrue();
    assertThat(s.add("nodash")).isTrue();
    assertThat(s.add("x-1234567890123")).as("13 digits: a string").isTrue();
    assertThat(s.size()).isEqualTo(8);
    assertThat(IdSet.number("s-1-10", 4)).isEqualTo(36);
    assertThat(IdSet.number("s-1-0", 4)).isEqualTo(0);
    assertThat(IdSet.number("s-1--1", 4)).isEqualTo(-1);
    assertThat(IdSet.decimal("s-1-10", 4)).isEqualTo(10);
    assertThat(IdSet.decimal("s-1-a", 4)).isEqualTo(-1);
    // "10" (decimal ten) and "a" (base-36 ten) are different ids
    IdSet t = new IdSet();
    assertThat(t.add("h-x-10")).isTrue();
    assertThat(t.add("h-x-a")).isTrue();
    assertThat(t.add("h-x-a")).isFalse();
    // a stream partition's offsets are dense in their bitmap: well under a byte each
    IdSet dense = new IdSet();
    for (int i = 0; i < 200_000; i++) {
      dense.add("s-0-" + i);
    }
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try {
      dense.write(new DataOutputStream(b));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertThat(b.size()).as("bytes for 200,000 offsets").isLessThan(20_000);
  }

  @Test
  void behavesAsASetOfStringsAndReadsBackTheSame() throws Exception {
    Random r = new Random(3);
    IdSet s = new IdSet();
    IdSet half = new IdSet();
    Set<String> model = new HashSet<>();
    for (int i = 0; i < 20_000; i++) {
      String id =
          switch (r.nextInt(3)) {
            case 0 -> "s-" + r.nextInt(4) + "-" + r.nextInt(50_000);
            case 1 ->
                "h-" + Long.toHexString(r.nextInt(3)) + "-" + Long.toString(r.nextInt(9999), 36);
            default -> "other:" + r.nextInt(5000);
          };
      assertThat(s.add(id)).isEqualTo(model.add(id));
      if (i % 2 == 0) {
        half.add(id);
      }
    }
    assertThat(s.size()).isEqualTo(model.size());
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    s.write(new DataOutputStream(b));
    IdSet back = IdSet.read(new DataInputStream(new ByteArrayInputStream(b.toByteArray())));
    assertThat(back.size()).isEqualTo(model.size());
    for (String id : model) {
      assertThat(back.add(id)).as(id).isFalse();
    }
    back.removeAll(half);
    long left = back.size();
    int present = 0;
    for (String id : model) {
      if (!back.add(id)) {
        present++;
      }
    }
    assertThat(present).isEqualTo(left);
    assertThat(b.size()).as("bytes for %d ids", model.size()).isLessThan(model.size() * 8);
  }
}
