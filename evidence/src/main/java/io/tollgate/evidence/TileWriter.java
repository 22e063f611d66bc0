package io.tollgate.evidence;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Writes a {@link TileStore} on a thread of its own: a seal hands its entries over and goes on (its
 * checkpoint's root comes from the sealer's frontier, not the disk), and {@link #flush} waits until
 * everything handed over is on the disk. The evidence job flushes before every Flink checkpoint, so
 * a checkpoint it publishes (after that Flink checkpoint completed) is on disk. At most {@code
 * queue} seals wait: more blocks the caller (back-pressure, never a growing heap).
 */
public final class TileWriter implements Sealer.Tiles, AutoCloseable {
  private final TileStore store;
  private final ThreadPoolExecutor executor;
  private long submitted;
  private Future<?> last;

  public TileWriter(TileStore store, int queue) {
    this.store = store;
    this.submitted = store.size();
    this.executor =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(queue),
            r -> {
              Thread t = new Thread(r, "evidence-tiles " + store.dir());
              t.setDaemon(true);
              return t;
            },
            (r, e) -> {
              try {
                e.getQueue().put(r); // wait for room: the caller slows down with the disk
              } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                throw new java.util.concurrent.RejectedExecutionException(x);
              }
            });
  }

  /** Entries handed over: what the store will hold once it has written them. */
  @Override
  public long size() {
    return submitted;
  }

  @Override
  public void append(List<byte[]> entries) throws IOException {
    check();
    List<byte[]> copy = List.copyOf(entries);
    last =
        executor.submit(
            () -> {
              store.append(copy);
              return null;
            });
    submitted += copy.size();
  }

  /** Waits until every entry handed over is written and on the disk; rethrows a failure. */
  public void flush() throws IOException {
    Future<?> f = last;
    if (f == null) {
      return;
    }
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the tiles were written", e);
    } catch (ExecutionException e) {
      throw new IOException("writing the tiles failed: " + e.getCause().getMessage(), e.getCause());
    }
  }

  /** A failure of a write that already ended fails the next call, not a later flush only. */
  private void check() throws IOException {
    Future<?> f = last;
    if (f != null && f.isDone()) {
      flush();
    }
  }

  /** Stops after the write under way: none lands after this returns (a restarted task's open). */
  @Override
  public void close() {
    executor.shutdownNow();
    // wait even when interrupted (a cancelled task is): returning early would let a write land
    // after the restarted task opened the store
    boolean interrupted = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    try {
      while (true) {
        try {
          if (executor.awaitTermination(
              Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            return;
          }
          throw new IllegalStateException("the tile writer of " + store.dir() + " did not stop");
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
