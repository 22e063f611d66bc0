package io.tollgate.policy;

/**
 * One compiled stateless constraint. The compiler chooses a small final subclass per constraint
 * shape ({@link Checks}); a {@link CompiledPolicy} holds the conjunction of its checks.
 *
 * <p>Implementations must not allocate on {@link #failures} (the OPA check, which must build an
 * input document, is the documented exception) and must not read the system clock: time is the
 * call's event time.
 */
public abstract class Check {
  static final int OTHER = 0;
  static final int ACTION = 1;
  static final int PURPOSE = 2;
  static final int PERIOD = 3;
  static final int HOURS = 4;
  static final int DAYS = 5;
  static final int FIELDS = 6;
  static final int REGION = 7;
  static final int GEOFENCE = 8;
  static final int CHANNEL = 9;

  /** The reason bits this check reports when it fails. */
  protected final int reasons;

  /**
   * The shape, for {@link CompiledPolicy#evaluate}: it switches on it and calls the final class
   * directly, so the JIT inlines every built-in check instead of dispatching virtually.
   */
  final int kind;

  protected Check(int reasons) {
    this(OTHER, reasons);
  }

  Check(int kind, int reasons) {
    this.kind = kind;
    this.reasons = reasons;
  }

  /** 0 when the constraint holds for the (bound) call, else the mask of reasons it failed on. */
  public abstract int failures(DataCall call);

  /** The reason bits this check can report. */
  public final int reasons() {
    return reasons;
  }
}
