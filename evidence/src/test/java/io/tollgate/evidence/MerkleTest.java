package io.tollgate.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Properties of the tree: for random sizes every inclusion and consistency proof verifies, and any
 * single change to a proof, a root, an index or a size is detected. The reference for the root is
 * RFC 6962's recursive definition, computed here independently of {@link Merkle}'s proof code.
 */
class MerkleTest {
  static List<byte[]> leaves(int n, Random r) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] e = new byte[r.nextInt(40)];
      r.nextBytes(e);
      out.add(Merkle.leafHash(e));
    }
    return out;
  }

  /** MTH straight from RFC 6962 section 2.1, on a list. */
  static byte[] mth(List<byte[]> l) {
    if (l.isEmpty()) {
      return Merkle.emptyRoot();
    }
    if (l.size() == 1) {
      return l.get(0);
    }
    int k = Integer.highestOneBit(l.size() - 1);
    return Merkle.nodeHash(mth(l.subList(0, k)), mth(l.subList(k, l.size())));
  }

  @Test
  void knownAnswers() throws Exception {
    // RFC 6962's hashing of the empty tree and of one empty leaf
    assertThat(HexFormat.of().formatHex(Merkle.emptyRoot()))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assertThat(HexFormat.of().formatHex(Merkle.leafHash(new byte[0])))
        .isEqualTo("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    // the reference tree of certificate-transparency-go's merkle tests (RFC 6962's eight leaves)
    String[] inputs = {
      "",
      "00",
      "10",
      "2021",
      "3031",
      "40414243",
      "5051525354555657",
      "606162636465666768696a6b6c6d6e6f"
    };
    List<byte[]> l = new ArrayList<>();
    for (String in : inputs) {
      l.add(Merkle.leafHash(HexFormat.of().parseHex(in)));
    }
    assertThat(HexFormat.of().formatHex(Merkle.root(Merkle.of(l), 8)))
        .isEqualTo("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
    assertThat(HexFormat.of().formatHex(Merkle.root(Merkle.of(l), 3)))
        .isEqualTo("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77");
  }

  @Test
  void everyProofOfRandomTreesVerifies() throws Exception {
    Random r = new Random(6962);
    for (int round = 0; round < 60; round++) {
      int n = 1 + r.nextInt(round < 30 ? 40 : 700);
      List<byte[]> l = leaves(n, r);
      Merkle.Hashes h = Merkle.of(l);
      byte[] root = Merkle.root(h, n);
      assertThat(root).isEqualTo(mth(l));
      for (int t = 0; t < 20; t++) {
        int i = r.nextInt(n);
        Merkle.verifyInclusion(i, n, l.get(i), Merkle.inclusionProof(h, i, n), root);
        int m = r.nextInt(n + 1);
        Merkle.verifyConsistency(
            m, n, mth(l.subList(0, m)), root, Merkle.consistencyProof(h, m, n));
      }
      // the frontier gives the same root, leaf by leaf, and from the hashes
      Frontier f = new Frontier();
      for (int i = 0; i < n; i++) {
        f.append(l.get(i));
        if (i == n / 2) {
          assertThat(f.root()).isEqualTo(mth(l.subList(0, i + 1)));
        }
      }
      assertThat(f.root()).isEqualTo(root);
      assertThat(Frontier.of(h, n).root()).isEqualTo(root);
    }
  }

  @Test
  void anySingleChangeToAnInclusionProofIsDetected() throws Exception {
    Random r = new Random(9162);
    for (int round = 0; round < 40; round++) {
      int n = 2 + r.nextInt(300);
      List<byte[]> l = leaves(n, r);
      Merkle.Hashes h = Merkle.of(l);
      byte[] root = Merkle.root(h, n);
      int i = r.nextInt(n);
      List<byte[]> proof = Merkle.inclusionProof(h, i, n);
      // a flipped bit in any hash of the proof
      for (int k = 0; k < proof.size(); k++) {
        List<byte[]> bad = copy(proof);
        bad.get(k)[r.nextInt(32)] ^= (byte) (1 << r.nextInt(8));
        assertThatThrownBy(() -> Merkle.verifyInclusion(i, n, l.get(i), bad, root))
            .isInstanceOf(EvidenceException.class);
      }
      // a hash left out, one too many, another leaf, index or size
      if (!proof.isEmpty()) {
        List<byte[]> shorter = copy(proof).subList(0, proof.size() - 1);
        assertThatThrownBy(() -> Merkle.verifyInclusion(i, n, l.get(i), shorter, root))
            .isInstanceOf(EvidenceException.class);
      }
      List<byte[]> longer = copy(proof);
      longer.add(new byte[32]);
      assertThatThrownBy(() -> Merkle.verifyInclusion(i, n, l.get(i), longer, root))
          .isInstanceOf(EvidenceException.class);
      int j = (i + 1 + r.nextInt(n - 1)) % n;
      assertThatThrownBy(() -> Merkle.verifyInclusion(i, n, l.get(j), proof, root))
          .isInstanceOf(EvidenceException.class);
      assertThatThrownBy(() -> Merkle.verifyInclusion(j, n, l.get(i), proof, root))
          .isInstanceOf(EvidenceException.class);
      if (n > i + 1) {
        // the proof for this size, against the root of another
        byte[] other = mth(l.subList(0, n - 1));
        assertThatThrownBy(() -> Merkle.verifyInclusion(i, n - 1, l.get(i), proof, other))
            .isInstanceOf(EvidenceException.class);
      }
    }
  }

  @Test
  void anySingleChangeToAConsistencyProofIsDetected() throws Exception {
    Random r = new Random(42);
    for (int round = 0; round < 40; round++) {
      int n = 3 + r.nextInt(300);
      int m = 1 + r.nextInt(n - 1);
      List<byte[]> l = leaves(n, r);
      Merkle.Hashes h = Merkle.of(l);
      byte[] rootN = Merkle.root(h, n);
      byte[] rootM = Merkle.root(h, m);
      List<byte[]> proof = Merkle.consistencyProof(h, m, n);
      Merkle.verifyConsistency(m, n, rootM, rootN, proof);
      for (int k = 0; k < proof.size(); k++) {
        List<byte[]> bad = copy(proof);
        bad.get(k)[r.nextInt(32)] ^= 1;
        assertThatThrownBy(() -> Merkle.verifyConsistency(m, n, rootM, rootN, bad))
            .isInstanceOf(EvidenceException.class);
      }
      // a fork: the old tree with one leaf changed
      List<byte[]> forked = new ArrayList<>(l);
      forked.set(r.nextInt(m), Merkle.leafHash("forged".getBytes(StandardCharsets.UTF_8)));
      byte[] forkedM = mth(forked.subList(0, m));
      assertThatThrownBy(() -> Merkle.verifyConsistency(m, n, forkedM, rootN, proof))
          .isInstanceOf(EvidenceException.class);
      assertThatThrownBy(() -> Merkle.verifyConsistency(m, n, rootM, mth(forked), proof))
          .isInstanceOf(EvidenceException.class);
      // a proof between other sizes
      if (m + 1 < n) {
        List<byte[]> other = Merkle.consistencyProof(h, m + 1, n);
        boolean same = other.size() == proof.size();
        for (int k = 0; same && k < other.size(); k++) {
          same = java.util.Arrays.equals(other.get(k), proof.get(k));
        }
        if (!same) {
          assertThatThrownBy(() -> Merkle.verifyConsistency(m, n, rootM, rootN, other))
              .isInstanceOf(EvidenceException.class);
        }
      }
    }
    assertThatThrownBy(
            () -> Merkle.verifyConsistency(5, 5, new byte[32], Merkle.emptyRoot(), List.of()))
        .hasMessageContaining("fork");
  }

  static List<byte[]> copy(List<byte[]> p) {
    List<byte[]> out = new ArrayList<>();
    p.forEach(b -> out.add(b.clone()));
    return out;
  }
}
