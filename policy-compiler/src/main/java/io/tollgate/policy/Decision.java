package io.tollgate.policy;

import java.util.Arrays;
import java.util.List;

/**
 * The outcome of deciding one {@link DataCall}: PERMIT, DENY or THROTTLE, the contract applied,
 * every reason a constraint failed, and the obligations of a permit.
 *
 * <p>Mutable and reusable so that the decision path allocates nothing: {@link
 * PolicyEngine#decide(DataCall, CounterStore, Decision)} overwrites every attribute.
 */
public final class Decision {
  private String callId;
  private long ts;
  private Outcome outcome;
  private CompiledPolicy contract;
  private int reasons;
  private String[] project;
  private Obligations.Mask[] masks;

  void set(
      String callId,
      long ts,
      Outcome outcome,
      CompiledPolicy contract,
      int reasons,
      String[] project,
      Obligations.Mask[] masks) {
    this.callId = callId;
    this.ts = ts;
    this.outcome = outcome;
    this.contract = contract;
    this.reasons = reasons;
    this.project = project;
    this.masks = masks;
  }

  /** The id of the call decided. */
  public String callId() {
    return callId;
  }

  /** The event time the decision was made for (the call's {@code ts}), epoch ms. */
  public long ts() {
    return ts;
  }

  public Outcome outcome() {
    return outcome;
  }

  public boolean permitted() {
    return outcome == Outcome.PERMIT;
  }

  /**
   * The contract applied, or null (see {@link PolicyEngine} for which contract a refusal names).
   */
  public CompiledPolicy contract() {
    return contract;
  }

  /** The contract id applied, or null. */
  public String contractId() {
    return contract == null ? null : contract.id();
  }

  /** The content hash of the contract version applied, or null. */
  public String policyVersion() {
    return contract == null ? null : contract.version();
  }

  /** Mask of {@link Reason} bits. */
  public int reasonMask() {
    return reasons;
  }

  /** Sorted reason codes (allocates). */
  public List<String> reasons() {
    return Reason.codes(reasons);
  }

  /** Fields to project a permitted call's data to, or null. Do not modify. */
  public String[] project() {
    return project;
  }

  /** Masks to apply to a permitted call's data. Do not modify. */
  public Obligations.Mask[] masks() {
    return masks;
  }

  @Override
  public String toString() {
    return "Decision{"
        + callId
        + " "
        + outcome
        + " contract="
        + contractId()
        + " reasons="
        + reasons()
        + " project="
        + Arrays.toString(project)
        + " masks="
        + Arrays.toString(masks)
        + "}";
  }
}
