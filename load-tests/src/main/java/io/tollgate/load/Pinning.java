package io.tollgate.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU pinning for the stream load on Linux, with {@code taskset} (util-linux): the job's threads on
 * one core, the broker, the load generator and the measuring consumer on the other, so that the
 * job's latency and throughput are those of a core of its own. A thread's affinity is inherited by
 * the threads it creates, which is how a generator's Kafka producer follows its generator.
 */
final class Pinning {
  private Pinning() {}

  /** Whether this machine can pin: Linux with {@code taskset} and at least two CPUs. */
  static boolean available() {
    return Files.isExecutable(Path.of("/usr/bin/taskset"))
        && Files.isDirectory(Path.of("/proc/thread-self"))
        && Runtime.getRuntime().availableProcessors() >= 2;
  }

  /** Pins every thread of process {@code pid} to {@code core}. */
  static void process(long pid, int core) {
    run(List.of("taskset", "-a", "-p", "-c", Integer.toString(core), Long.toString(pid)));
  }

  /** Pins the calling thread (and so the threads it creates from now on) to {@code core}. */
  static void currentThread(int core) {
    run(List.of("taskset", "-p", "-c", Integer.toString(core), Long.toString(threadId())));
  }

  /** The calling thread's Linux thread id. */
  static long threadId() {
    try {
      // /proc/thread-self links to /proc/<pid>/task/<tid>
      return Long.parseLong(
          Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
    } catch (IOException e) {
      throw new IllegalStateException("cannot tell the thread's id", e);
    }
  }

  private static void run(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (p.waitFor() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out.strip());
      }
    } catch (IOException e) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
