package io.tollgate.evidence;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The right edge of a growing tree: the roots of the perfect subtrees that the binary digits of its
 * size make up, largest first. Appending a leaf costs one hash on average and the root at most log
 * n; the sealer keeps this in its state (a few hundred bytes), never the tree.
 */
public final class Frontier {
  private long size;
  private final List<byte[]> roots = new ArrayList<>(); // heights descending

  public long size() {
    return size;
  }

  /** Appends a leaf hash. */
  public void append(byte[] leafHash) {
    byte[] h = leafHash;
    long s = size;
    // each trailing one bit of the old size is a subtree of the same height as the carry
    while ((s & 1) == 1) {
      h = Merkle.nodeHash(roots.remove(roots.size() - 1), h);
      s >>= 1;
    }
    roots.add(h);
    size++;
  }

  /** The tree's root (RFC 6962 MTH of every leaf so far). */
  public byte[] root() {
    if (roots.isEmpty()) {
      return Merkle.emptyRoot();
    }
    byte[] r = roots.get(roots.size() - 1);
    for (int i = roots.size() - 2; i >= 0; i--) {
      r = Merkle.nodeHash(roots.get(i), r);
    }
    return r;
  }

  public void write(DataOutput o) throws IOException {
    o.writeLong(size);
    o.writeInt(roots.size());
    for (byte[] r : roots) {
      o.write(r);
    }
  }

  public static Frontier read(DataInput in) throws IOException {
    Frontier f = new Frontier();
    f.size = in.readLong();
    int n = in.readInt();
    if (n != Long.bitCount(f.size)) {
      throw new IOException("a frontier of " + f.size + " leaves has " + n + " roots");
    }
    for (int i = 0; i < n; i++) {
      byte[] r = new byte[Merkle.HASH];
      in.readFully(r);
      f.roots.add(r);
    }
    return f;
  }

  /** The frontier of the first {@code size} leaves of a tree whose hashes {@code h} gives. */
  public static Frontier of(Merkle.Hashes h, long size) throws EvidenceException {
    Frontier f = new Frontier();
    long start = 0;
    for (int height = 63; height >= 0; height--) {
      if ((size >>> height & 1) == 1) {
        f.roots.add(h.hash(height, start >>> height));
        start += 1L << height;
      }
    }
    f.size = size;
    return f;
  }
}
