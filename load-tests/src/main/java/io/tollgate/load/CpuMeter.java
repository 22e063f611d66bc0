package io.tollgate.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time spent over a run: the whole machine's (from {@code /proc/stat}) and some processes' with
 * their children (from {@code /proc/PID/stat}). Divided by the requests of the run it gives a cost
 * per request, less sensitive than a rate to a neighbour taking the shared cores a while.
 */
final class CpuMeter {
  private static final long TICK_NANOS = 10_000_000L; // USER_HZ is 100 on Linux

  private final List<ProcessHandle> processes;
  private final long machine0;
  private final long processes0;

  private CpuMeter(List<ProcessHandle> processes) {
    this.processes = processes;
    this.machine0 = machineBusyNanos();
    this.processes0 = processNanos(processes);
  }

  /** Starts counting the machine and {@code processes} with their children. */
  static CpuMeter start(List<ProcessHandle> processes) {
    return new CpuMeter(
        processes.stream()
            .flatMap(
                p -> java.util.stream.Stream.concat(java.util.stream.Stream.of(p), p.descendants()))
            .toList());
  }

  /** CPU nanoseconds since the start: the machine's, the processes'. */
  long[] stop() {
    return new long[] {machineBusyNanos() - machine0, processNanos(processes) - processes0};
  }

  private static long machineBusyNanos() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0;
      for (int i = 1; i < f.length && i <= 7; i++) { // user .. softirq; not steal (others' time)
        if (i != 4 && i != 5) { // idle, iowait
          busy += Long.parseLong(f[i]);
        }
      }
      return busy * TICK_NANOS;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static long processNanos(List<ProcessHandle> ps) {
    long sum = 0;
    for (ProcessHandle p : ps) {
      try {
        String s = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        sum += (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_NANOS; // utime, stime
      } catch (IOException | RuntimeException e) {
        // gone
      }
    }
    return sum;
  }
}
