package io.tollgate.policy.model;

import java.time.LocalTime;

/**
 * A daily window of local time, {@code from} inclusive, {@code until} exclusive. When {@code until}
 * is before {@code from} the window wraps midnight (22:00 to 06:00).
 */
public record TimeWindow(LocalTime from, LocalTime until) {

  public boolean wraps() {
    return until.isBefore(from);
  }
}
