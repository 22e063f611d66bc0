package io.tollgate.enforcement.records;

import io.tollgate.policy.MaskMethod;
import io.tollgate.policy.Obligations;

/**
 * Carries out a permit's obligations on a payload: projection to the allowed top-level keys, then
 * the masks ({@code hash} through {@link Pseudonyms}, {@code redact}, {@code drop}). It works on
 * the raw bytes of a payload whose top-level values the parser located ({@link
 * CallRecord#payloadSpans}): values are copied byte for byte and never parsed again. Keys keep the
 * payload's own order; key names match exactly.
 *
 * <p>Not thread-safe (it shares its {@link Pseudonyms}' buffers).
 */
public final class PayloadFilter {
  /** What {@link MaskMethod#REDACT} puts in place of a value. */
  public static final String REDACTED = "[redacted]";

  private final Pseudonyms pseudonyms;

  public PayloadFilter(Pseudonyms pseudonyms) {
    this.pseudonyms = pseudonyms;
  }

  /**
   * Writes the filtered payload object to {@code out}.
   *
   * @param payload the bytes holding the payload object's UTF-8 JSON (null: writes {@code {}})
   * @param from where the object starts in {@code payload}
   * @param to where it ends
   * @param keys its top-level keys in order
   * @param spans for key i, its value is {@code payload[spans[2i], spans[2i+1])}
   * @param project the keys to keep, or null for all
   * @param masks the masks to apply, or null for none
   * @param memo whether {@code project} and {@code masks} are a contract's own arrays, which never
   *     change, so that what becomes of each key may be remembered (not for a call's own list)
   */
  void write(
      JsonBytes out,
      byte[] payload,
      int from,
      int to,
      String[] keys,
      int[] spans,
      String[] project,
      Obligations.Mask[] masks,
      boolean memo) {
    if (payload == null) {
      out.raw('{').raw('}');
      return;
    }
    if (project == null && (masks == null || masks.length == 0)) {
      out.raw(payload, from, to - from);
      return;
    }
    out.raw('{');
    boolean first = true;
    for (int i = 0; i < keys.length; i++) {
      String name = keys[i];
      int code = memo ? code(project, masks, name) : decide(project, masks, name);
      if (code == SKIP) {
        continue;
      }
      MaskMethod m = code == PASS ? null : METHODS[code - 1];
      if (!first) {
        out.raw(',');
      }
      first = false;
      out.recurring(name).raw(':');
      int at = spans[2 * i];
      int end = spans[2 * i + 1];
      if (m == null) {
        out.raw(payload, at, end - at);
      } else if (m == MaskMethod.REDACT) {
        out.string(REDACTED);
      } else {
        out.raw(pseudonyms.quoted(payload, at, end), 0, Pseudonyms.QUOTED_LENGTH);
      }
    }
    out.raw('}');
  }

  private static final MaskMethod[] METHODS = MaskMethod.values();
  private static final int PASS = 0; // codes: 0 pass, 1 + ordinal a mask, SKIP left out
  private static final int SKIP = 100;
  private static final int MEMO = 1024;
  private final String[][] memoProject = new String[MEMO][];
  private final Obligations.Mask[][] memoMasks = new Obligations.Mask[MEMO][];
  private final String[] memoKey = new String[MEMO];
  private final byte[] memoCode = new byte[MEMO];

  /**
   * What becomes of the payload key {@code name} under a permit's projection and masks. The answer
   * for (projection, masks, key), the first two by identity (a contract's own arrays), the key by
   * equality, is kept in a small table: a key is looked up in the contract's lists once.
   */
  private int code(String[] project, Obligations.Mask[] masks, String name) {
    int h =
        (System.identityHashCode(project) * 31 + System.identityHashCode(masks)) * 31
            + name.hashCode();
    int slot = (h * 0x9E3779B9) >>> 22;
    String k = memoKey[slot];
    if (memoProject[slot] == project
        && memoMasks[slot] == masks
        && k != null
        && (k == name || k.equals(name))) {
      return memoCode[slot];
    }
    int code = decide(project, masks, name);
    memoProject[slot] = project;
    memoMasks[slot] = masks;
    memoKey[slot] = name;
    memoCode[slot] = (byte) code;
    return code;
  }

  private static int decide(String[] project, Obligations.Mask[] masks, String name) {
    if (project != null && !contains(project, name)) {
      return SKIP;
    }
    MaskMethod m = mask(masks, name);
    return m == null ? PASS : m == MaskMethod.DROP ? SKIP : 1 + m.ordinal();
  }

  private static boolean contains(String[] names, String name) {
    for (String n : names) {
      if (n.equals(name)) {
        return true;
      }
    }
    return false;
  }

  private static MaskMethod mask(Obligations.Mask[] masks, String name) {
    if (masks != null) {
      for (Obligations.Mask m : masks) {
        if (m.field().equals(name)) {
          return m.method();
        }
      }
    }
    return null;
  }
}
