package io.tollgate.policy.spi;

import io.tollgate.policy.DataCall;

/**
 * One compiled stateless constraint: what an extension (an OPA module, say) implements to add a
 * constraint the compiler does not build in. The compiler's own checks are small final classes
 * chosen per constraint shape; a {@link io.tollgate.policy.CompiledPolicy} holds the conjunction of
 * its checks and calls the built-in ones directly, so the JIT inlines them.
 *
 * <p>Implementations must not allocate on {@link #failures} (the OPA check, which must build an
 * input document, is the documented exception) and must not read the system clock: time is the
 * call's event time.
 */
public abstract class Check {
  /** The reason bits this check reports when it fails. */
  protected final int reasons;

  /**
   * @param reasons the reason bits ({@link io.tollgate.policy.Reason#bit()}) it reports
   */
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
