package io.tollgate.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiles on disk give the same tree as the leaves in memory, for every size that was sealed:
 * across tile boundaries and three levels, and after a reopen at an earlier size that writes other
 * entries over what lay beyond it (a restore).
 */
class TileStoreTest {
  @TempDir Path dir;

  static byte[] entry(String run, long i) {
    return (run + "-entry-" + i).getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void pathsAreTheTlogTilesOnes() {
    assertThat(TileStore.encode(0)).isEqualTo("000");
    assertThat(TileStore.encode(67)).isEqualTo("067");
    assertThat(TileStore.encode(1234)).isEqualTo("x001/234");
    assertThat(TileStore.encode(1234067)).isEqualTo("x001/x234/067");
  }

  @Test
  void theTilesProveWhatMemoryProves() throws Exception {
    Random r = new Random(256);
    TileStore s = TileStore.open(dir, 0);
    List<byte[]> leaves = new ArrayList<>();
    List<Long> sealed = new ArrayList<>();
    int total = 70_000; // past 256^2: tiles of level 2
    while (leaves.size() < total) {
      int batch = Math.min(total - leaves.size(), 1 + r.nextInt(r.nextBoolean() ? 300 : 9000));
      List<byte[]> es = new ArrayList<>();
      for (int i = 0; i < batch; i++) {
        byte[] e = entry("a", leaves.size());
        es.add(e);
        leaves.add(Merkle.leafHash(e));
      }
      s.append(es);
      sealed.add((long) leaves.size());
    }
    assertThat(Files.exists(dir.resolve("tile/2/000.p/1"))).isTrue();
    assertThat(Files.exists(dir.resolve("tile/0/000"))).isTrue();
    Merkle.Hashes mem = Merkle.of(leaves);
    for (int t = 0; t < 25; t++) {
      long size = sealed.get(r.nextInt(sealed.size()));
      TileStore.Reader rd = TileStore.reader(dir, size);
      byte[] root = Merkle.root(rd, size);
      assertThat(root).isEqualTo(MerkleTest.mth(leaves.subList(0, (int) size)));
      long i = r.nextInt((int) size);
      assertThat(rd.entry(i)).isEqualTo(entry("a", i));
      Merkle.verifyInclusion(
          i, size, leaves.get((int) i), Merkle.inclusionProof(rd, i, size), root);
      long m = r.nextInt((int) size + 1);
      assertThat(Merkle.consistencyProof(rd, m, size))
          .usingElementComparator(java.util.Arrays::compare)
          .containsExactlyElementsOf(Merkle.consistencyProof(mem, m, size));
      // the frontier of a sealed size, read back: what a restore without state could rebuild
      assertThat(Frontier.of(rd, size).root()).isEqualTo(root);
    }
    // a size beyond the last sealed has no tiles to read
    long unsealed = total + 1;
    assertThatThrownBy(() -> Merkle.root(TileStore.reader(dir, unsealed), unsealed))
        .isInstanceOf(EvidenceException.class)
        .hasMessageContaining("never sealed");
  }

  @Test
  void aReopenAtAnEarlierSizeWritesOverWhatLayBeyond() throws Exception {
    TileStore s = TileStore.open(dir, 0);
    List<byte[]> first = new ArrayList<>();
    for (int i = 0; i < 700; i++) {
      first.add(entry("a", i));
    }
    s.append(first.subList(0, 300));
    s.append(first.subList(300, 700)); // sealed but never published: the task then failed
    // restored to 300: other entries come after it this time
    TileStore again = TileStore.open(dir, 300);
    List<byte[]> leaves = new ArrayList<>();
    List<byte[]> next = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      leaves.add(Merkle.leafHash(first.get(i)));
    }
    for (int i = 300; i < 650; i++) {
      next.add(entry("b", i));
      leaves.add(Merkle.leafHash(next.get(next.size() - 1)));
    }
    again.append(next);
    TileStore.Reader rd = TileStore.reader(dir, 650);
    assertThat(Merkle.root(rd, 650)).isEqualTo(MerkleTest.mth(leaves));
    assertThat(rd.entry(600)).isEqualTo(entry("b", 600));
    assertThat(Merkle.root(TileStore.reader(dir, 300), 300))
        .isEqualTo(MerkleTest.mth(leaves.subList(0, 300)));
  }
}
