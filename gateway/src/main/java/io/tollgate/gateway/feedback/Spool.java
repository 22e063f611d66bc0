package io.tollgate.gateway.feedback;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A bounded on-disk FIFO of feedback records: segment files of length-prefixed, CRC-checked records
 * and an acknowledgement file holding the position up to which records are on Kafka. One thread
 * appends, one reads; {@link #ack} deletes segments wholly acknowledged. On open, a torn record at
 * the tail (a crash mid-write) is cut off, and reading resumes at the acknowledged position, so a
 * restart replays, in order, everything not yet on Kafka.
 *
 * <p>Why not a library: the candidates (Tape's QueueFile, Chronicle Queue, MapDB, BigQueue) are
 * either unmaintained, need JVM-internal access flags on Java 17, or bring a storage engine for a
 * log of a few hundred lines; docs/adr/0006 says more.
 */
public final class Spool implements AutoCloseable {
  private static final int HEADER = 12; // key length, value length, CRC32C
  static final long SEGMENT_BYTES = 64L << 20;
  private static final String ACK = "ack";

  /** One record read back: its key and value, and the position after it. */
  public record Entry(byte[] key, byte[] value, long next) {}

  private final Path dir;
  private final long maxBytes;
  private final TreeMap<Long, Path> segments = new TreeMap<>();
  private FileChannel tail;
  private long tailBase;
  private volatile long end;
  private volatile long acked;
  private final ByteBuffer header = ByteBuffer.allocate(HEADER);

  // reader side
  private FileChannel reading;
  private long readingBase = -1;

  public Spool(Path dir, long maxBytes) throws IOException {
    this.dir = dir;
    this.maxBytes = maxBytes;
    Files.createDirectories(dir);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String n = p.getFileName().toString();
        if (n.startsWith("segment-") && n.endsWith(".log")) {
          segments.put(Long.parseLong(n.substring(8, n.length() - 4)), p);
        }
      }
    }
    acked = readAck();
    if (segments.isEmpty()) {
      segments.put(acked, segment(acked));
    }
    // drop segments wholly below the acknowledged position
    while (segments.size() > 1 && segments.higherKey(segments.firstKey()) <= acked) {
      Files.deleteIfExists(segments.pollFirstEntry().getValue());
    }
    tailBase = segments.lastKey();
    tail =
        FileChannel.open(
            segments.lastEntry().getValue(),
            StandardOpenOption.CREATE,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
    long valid = validLength(tail);
    if (valid < tail.size()) {
      tail.truncate(valid); // a torn record from a crash mid-write
    }
    tail.position(valid);
    end = tailBase + valid;
    if (acked > end || acked < segments.firstKey()) {
      acked = Math.max(segments.firstKey(), Math.min(acked, end));
    }
  }

  private Path segment(long base) {
    return dir.resolve(String.format("segment-%020d.log", base));
  }

  private long readAck() throws IOException {
    Path p = dir.resolve(ACK);
    if (!Files.exists(p)) {
      return segments.isEmpty() ? 0 : segments.firstKey();
    }
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p));
    if (b.remaining() != 12) {
      throw new IOException(p + ": expected 12 bytes, found " + b.remaining());
    }
    long pos = b.getLong();
    CRC32C crc = new CRC32C();
    crc.update(ByteBuffer.allocate(8).putLong(0, pos));
    if ((int) crc.getValue() != b.getInt()) {
      throw new IOException(p + ": checksum mismatch; the spool cannot be trusted");
    }
    return pos;
  }

  private static long validLength(FileChannel ch) throws IOException {
    long pos = 0;
    long size = ch.size();
    ByteBuffer h = ByteBuffer.allocate(HEADER);
    while (pos + HEADER <= size) {
      h.clear();
      ch.read(h, pos);
      h.flip();
      int k = h.getInt();
      int v = h.getInt();
      int crc = h.getInt();
      if (k < 0 || v < 0 || pos + HEADER + k + v > size) {
        break;
      }
      ByteBuffer body = ByteBuffer.allocate(k + v);
      ch.read(body, pos + HEADER);
      CRC32C c = new CRC32C();
      c.update(body.flip());
      if ((int) c.getValue() != crc) {
        break;
      }
      pos += HEADER + k + v;
    }
    return pos;
  }

  /** Bytes written and not yet acknowledged. */
  public long pending() {
    return end - acked;
  }

  public boolean full() {
    return pending() >= maxBytes;
  }

  public long maxBytes() {
    return maxBytes;
  }

  public long end() {
    return end;
  }

  public long acked() {
    return acked;
  }

  /** Appends one record (the appending thread only). */
  public void append(byte[] key, byte[] value) throws IOException {
    int k = key == null ? 0 : key.length;
    int v = value.length;
    if (end - tailBase + HEADER + k + v > SEGMENT_BYTES && end > tailBase) {
      tail.force(false);
      tail.close();
      tailBase = end;
      Path p = segment(tailBase);
      synchronized (segments) {
        segments.put(tailBase, p);
      }
      tail =
          FileChannel.open(
              p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
    }
    CRC32C c = new CRC32C();
    if (key != null) {
      c.update(key);
    }
    c.update(value);
    header.clear();
    header.putInt(k).putInt(v).putInt((int) c.getValue()).flip();
    ByteBuffer[] parts = {
      header, ByteBuffer.wrap(key == null ? new byte[0] : key), ByteBuffer.wrap(value)
    };
    long want = HEADER + k + v;
    long at = end - tailBase;
    long wrote = 0;
    try {
      tail.position(at);
      while (wrote < want) {
        wrote += tail.write(parts);
      }
    } catch (IOException e) {
      tail.truncate(at);
      throw e;
    }
    end += want;
  }

  private ByteBuffer batch = ByteBuffer.allocate(1 << 20);

  /**
   * Appends records in order with one write per batch (the appending thread only). All or nothing
   * per batch: a failed write is cut back off the file, and {@link #end} moves only once the bytes
   * are written.
   */
  public void appendAll(List<byte[][]> records) throws IOException {
    int i = 0;
    while (i < records.size()) {
      batch.clear();
      long next = end;
      while (i < records.size()) {
        byte[] key = records.get(i)[0];
        byte[] value = records.get(i)[1];
        int k = key == null ? 0 : key.length;
        int need = HEADER + k + value.length;
        if (next - tailBase + need > SEGMENT_BYTES && next > tailBase) {
          break; // roll first
        }
        if (need > batch.remaining()) {
          if (batch.position() == 0) {
            batch = ByteBuffer.allocate(need);
          } else {
            break;
          }
        }
        CRC32C c = new CRC32C();
        if (key != null) {
          c.update(key);
        }
        c.update(value);
        batch.putInt(k).putInt(value.length).putInt((int) c.getValue());
        if (key != null) {
          batch.put(key);
        }
        batch.put(value);
        next += need;
        i++;
      }
      batch.flip();
      if (batch.hasRemaining()) {
        long at = end - tailBase;
        try {
          while (batch.hasRemaining()) {
            tail.write(batch, at + batch.position());
          }
        } catch (IOException e) {
          tail.truncate(at); // nothing of a failed batch stays
          throw e;
        }
        end = next;
      } else if (i < records.size()) {
        byte[][] r = records.get(i++);
        append(r[0], r[1]); // rolls the segment
      }
    }
  }

  /** Forces appended records to disk. */
  public void sync() throws IOException {
    tail.force(false);
  }

  private ByteBuffer chunk = ByteBuffer.allocate(1 << 20);

  /** Reads up to {@code max} records from {@code from} (the reading thread only). */
  public List<Entry> read(long from, int max, int maxBytes) throws IOException {
    List<Entry> out = new ArrayList<>();
    long pos = from;
    int bytes = 0;
    long limit = end;
    while (pos < limit && out.size() < max && bytes < maxBytes) {
      long base;
      Path p;
      Long next;
      synchronized (segments) {
        base = segments.floorKey(pos);
        p = segments.get(base);
        next = segments.higherKey(base);
      }
      if (base != readingBase) {
        if (reading != null) {
          reading.close();
        }
        reading = FileChannel.open(p, StandardOpenOption.READ);
        readingBase = base;
      }
      long off = pos - base;
      long segEnd = next == null ? limit - base : Math.min(reading.size(), limit - base);
      if (off >= segEnd) {
        if (next == null) {
          break;
        }
        pos = next;
        continue;
      }
      chunk.clear();
      int want = (int) Math.min(chunk.capacity(), segEnd - off);
      chunk.limit(want);
      while (chunk.hasRemaining() && reading.read(chunk, off + chunk.position()) > 0) {
        // fill
      }
      chunk.flip();
      boolean progressed = false;
      while (chunk.remaining() >= HEADER && out.size() < max && bytes < maxBytes) {
        int at = chunk.position();
        int k = chunk.getInt(at);
        int v = chunk.getInt(at + 4);
        int crc = chunk.getInt(at + 8);
        if (k < 0 || v < 0 || (long) HEADER + k + v > segEnd - (off + at)) {
          throw new IOException(
              "spool " + p + " is corrupt at byte " + (off + at) + ": a record runs past its end");
        }
        if (chunk.remaining() < HEADER + k + v) {
          if (!progressed && HEADER + k + v > chunk.capacity()) {
            chunk = ByteBuffer.allocate(HEADER + k + v); // one record larger than the chunk
          }
          break;
        }
        byte[] kb = new byte[k];
        byte[] vb = new byte[v];
        chunk.position(at + HEADER);
        chunk.get(kb).get(vb);
        CRC32C check = new CRC32C();
        check.update(kb);
        check.update(vb);
        if ((int) check.getValue() != crc) {
          throw new IOException(
              "spool " + p + " is corrupt at byte " + (off + at) + ": checksum mismatch");
        }
        pos += HEADER + k + v;
        bytes += k + v;
        out.add(new Entry(k == 0 ? null : kb, vb, pos));
        progressed = true;
      }
      if (!progressed && chunk.capacity() < HEADER) {
        break;
      }
    }
    return out;
  }

  /** Everything before {@code position} is on Kafka. */
  public void ack(long position) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(12).putLong(position);
    CRC32C crc = new CRC32C();
    crc.update(ByteBuffer.allocate(8).putLong(0, position));
    b.putInt((int) crc.getValue());
    Path tmp = dir.resolve(ACK + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.wrap(b.array()));
      ch.force(false);
    }
    try {
      Files.move(
          tmp,
          dir.resolve(ACK),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, dir.resolve(ACK), StandardCopyOption.REPLACE_EXISTING);
    }
    acked = position;
    synchronized (segments) {
      while (segments.size() > 1 && segments.higherKey(segments.firstKey()) <= position) {
        long base = segments.firstKey();
        if (base == readingBase && reading != null) {
          reading.close();
          reading = null;
          readingBase = -1;
        }
        Files.deleteIfExists(segments.pollFirstEntry().getValue());
      }
    }
  }

  @Override
  public void close() throws IOException {
    tail.force(false);
    tail.close();
    if (reading != null) {
      reading.close();
    }
  }
}
