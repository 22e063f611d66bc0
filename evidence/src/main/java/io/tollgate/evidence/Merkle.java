package io.tollgate.evidence;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Merkle tree hash of RFC 6962 / RFC 9162 section 2.1: a leaf is {@code SHA-256(0x00 ‖ entry)},
 * a node {@code SHA-256(0x01 ‖ left ‖ right)}, the tree of n leaves splits at the largest power of
 * two below n. Inclusion and consistency proofs are built from a {@link Hashes} source (the tiles
 * on disk, or memory) and verified with the algorithms of RFC 9162 sections 2.1.3.2 and 2.1.4.2.
 */
public final class Merkle {
  /** The length of a hash: SHA-256. */
  public static final int HASH = 32;

  private Merkle() {}

  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("the JDK has no SHA-256", e);
            }
          });

  /** {@code SHA-256(0x00 ‖ entry)}. */
  public static byte[] leafHash(byte[] entry) {
    MessageDigest d = SHA256.get();
    d.update((byte) 0);
    d.update(entry);
    return d.digest();
  }

  /** {@code SHA-256(0x01 ‖ left ‖ right)}. */
  public static byte[] nodeHash(byte[] left, byte[] right) {
    MessageDigest d = SHA256.get();
    d.update((byte) 1);
    d.update(left);
    d.update(right);
    return d.digest();
  }

  /** The hash of the empty tree: {@code SHA-256()} of nothing. */
  public static byte[] emptyRoot() {
    return SHA256.get().digest();
  }

  /**
   * The hashes of complete subtrees: {@code hash(h, k)} is the root of the 2^h leaves {@code [k ·
   * 2^h, (k + 1) · 2^h)} (h = 0: a leaf hash).
   */
  @FunctionalInterface
  public interface Hashes {
    byte[] hash(int height, long index) throws EvidenceException;
  }

  /** Leaf hashes in memory (tests, small trees). */
  public static Hashes of(List<byte[]> leaves) {
    return (h, k) -> {
      long start = k << h;
      long end = start + (1L << h);
      if (end > leaves.size()) {
        throw new EvidenceException("no subtree " + h + "/" + k + " in " + leaves.size());
      }
      return perfect(leaves, (int) start, h);
    };
  }

  private static byte[] perfect(List<byte[]> leaves, int start, int h) {
    if (h == 0) {
      return leaves.get(start);
    }
    return nodeHash(perfect(leaves, start, h - 1), perfect(leaves, start + (1 << (h - 1)), h - 1));
  }

  /** The root of the first {@code size} leaves. */
  public static byte[] root(Hashes h, long size) throws EvidenceException {
    return size == 0 ? emptyRoot() : range(h, 0, size);
  }

  private static long largestPowerBelow(long n) {
    return Long.highestOneBit(n - 1); // n > 1
  }

  /** MTH(D[start:end]) where start is a multiple of the largest power of two up to end - start. */
  private static byte[] range(Hashes h, long start, long end) throws EvidenceException {
    long n = end - start;
    if (Long.bitCount(n) == 1 && start % n == 0) {
      return h.hash(Long.numberOfTrailingZeros(n), start / n);
    }
    long k = largestPowerBelow(n);
    return nodeHash(range(h, start, start + k), range(h, start + k, end));
  }

  /** The inclusion proof of leaf {@code index} in the tree of {@code size} (RFC 6962 PATH). */
  public static List<byte[]> inclusionProof(Hashes h, long index, long size)
      throws EvidenceException {
    if (index < 0 || index >= size) {
      throw new IllegalArgumentException("no leaf " + index + " in a tree of " + size);
    }
    List<byte[]> out = new ArrayList<>();
    path(h, index, 0, size, out);
    return out;
  }

  private static void path(Hashes h, long m, long start, long end, List<byte[]> out)
      throws EvidenceException {
    long n = end - start;
    if (n <= 1) {
      return;
    }
    long k = largestPowerBelow(n);
    if (m < k) {
      path(h, m, start, start + k, out);
      out.add(range(h, start + k, end));
    } else {
      path(h, m - k, start + k, end, out);
      out.add(range(h, start, start + k));
    }
  }

  /**
   * The consistency proof from the tree of {@code m} leaves to that of {@code n} (RFC 6962 PROOF):
   * empty when m is 0 or m equals n.
   */
  public static List<byte[]> consistencyProof(Hashes h, long m, long n) throws EvidenceException {
    if (m < 0 || m > n) {
      throw new IllegalArgumentException("no consistency proof from " + m + " to " + n);
    }
    List<byte[]> out = new ArrayList<>();
    if (m > 0 && m < n) {
      subproof(h, m, 0, n, true, out);
    }
    return out;
  }

  private static void subproof(Hashes h, long m, long start, long end, boolean b, List<byte[]> out)
      throws EvidenceException {
    long n = end - start;
    if (m == n) {
      if (!b) {
        out.add(range(h, start, end));
      }
      return;
    }
    long k = largestPowerBelow(n);
    if (m <= k) {
      subproof(h, m, start, start + k, b, out);
      out.add(range(h, start + k, end));
    } else {
      subproof(h, m - k, start + k, end, false, out);
      out.add(range(h, start, start + k));
    }
  }

  /**
   * RFC 9162 section 2.1.3.2: that {@code leaf} is at {@code index} of the tree with {@code root}.
   */
  public static void verifyInclusion(
      long index, long size, byte[] leaf, List<byte[]> proof, byte[] root)
      throws EvidenceException {
    if (index < 0 || index >= size) {
      throw new EvidenceException("index " + index + " is not in a tree of " + size);
    }
    long fn = index;
    long sn = size - 1;
    byte[] r = leaf;
    for (byte[] p : proof) {
      if (sn == 0) {
        throw new EvidenceException(
            "the inclusion proof of " + index + " in " + size + " has too many hashes");
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = nodeHash(p, r);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      } else {
        r = nodeHash(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    if (sn != 0) {
      throw new EvidenceException(
          "the inclusion proof of " + index + " in " + size + " has too few hashes");
    }
    if (!Arrays.equals(r, root)) {
      throw new EvidenceException(
          "entry " + index + " is not in the tree of " + size + " with that root");
    }
  }

  /**
   * RFC 9162 section 2.1.4.2: that the tree of {@code m} leaves with {@code rootM} is a prefix of
   * the tree of {@code n} with {@code rootN}.
   */
  public static void verifyConsistency(
      long m, long n, byte[] rootM, byte[] rootN, List<byte[]> proof) throws EvidenceException {
    if (m < 0 || m > n) {
      throw new EvidenceException("a tree of " + m + " cannot be a prefix of one of " + n);
    }
    if (m == n || m == 0) {
      if (!proof.isEmpty()) {
        throw new EvidenceException(
            "the consistency proof from " + m + " to " + n + " must be empty");
      }
      if (m == n && !Arrays.equals(rootM, rootN)) {
        throw new EvidenceException("two different roots for the tree of " + n + ": a fork");
      }
      return;
    }
    if (proof.isEmpty()) {
      throw new EvidenceException("the consistency proof from " + m + " to " + n + " is empty");
    }
    List<byte[]> p = proof;
    if (Long.bitCount(m) == 1) {
      p = new ArrayList<>(proof.size() + 1);
      p.add(rootM);
      p.addAll(proof);
    }
    long fn = m - 1;
    long sn = n - 1;
    while ((fn & 1) == 1) {
      fn >>= 1;
      sn >>= 1;
    }
    byte[] fr = p.get(0);
    byte[] sr = p.get(0);
    for (int i = 1; i < p.size(); i++) {
      byte[] c = p.get(i);
      if (sn == 0) {
        throw new EvidenceException(
            "the consistency proof from " + m + " to " + n + " has too many hashes");
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = nodeHash(c, fr);
        sr = nodeHash(c, sr);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      } else {
        sr = nodeHash(sr, c);
      }
      fn >>= 1;
      sn >>= 1;
    }
    if (sn != 0) {
      throw new EvidenceException(
          "the consistency proof from " + m + " to " + n + " has too few hashes");
    }
    if (!Arrays.equals(fr, rootM)) {
      throw new EvidenceException(
          "the consistency proof from " + m + " to " + n + " does not give the root of " + m);
    }
    if (!Arrays.equals(sr, rootN)) {
      throw new EvidenceException(
          "the tree of " + n + " does not extend the tree of " + m + ": the log forked");
    }
  }
}
