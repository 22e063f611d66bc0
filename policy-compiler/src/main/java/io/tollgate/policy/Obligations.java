package io.tollgate.policy;

import java.util.Arrays;

/**
 * What an enforcement point must do with a permitted call's data: project it to a set of fields and
 * mask some of them. Immutable and precomputed per compiled policy, so a decision only points at
 * it.
 */
public final class Obligations {
  static final Obligations NONE = new Obligations(null, new Mask[0]);

  private final String[] project;
  private final Mask[] masks;

  Obligations(String[] project, Mask[] masks) {
    this.project = project;
    this.masks = masks;
  }

  /** Fields to keep, or null for no projection. Do not modify. */
  public String[] project() {
    return project;
  }

  /** Masks to apply. Do not modify. */
  public Mask[] masks() {
    return masks;
  }

  public boolean isEmpty() {
    return project == null && masks.length == 0;
  }

  /** Mask {@code field} with {@code method}. */
  public record Mask(String field, MaskMethod method) {}

  @Override
  public String toString() {
    return "Obligations{project="
        + Arrays.toString(project)
        + ", masks="
        + Arrays.toString(masks)
        + "}";
  }
}
