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
  /** The reason bits this check reports when it fails. */
  protected final int reasons;

  protected Check(int reasons) {
    this.reasons = reasons;
  }

  /** 0 when the constraint holds for the (bound) call, else the mask of reasons it failed on. */
  public abstract int failures(DataCall call);

  /** The reason bits this check can report. */
  public final int reasons() {
    return reasons;
  }
}
