package io.tollgate.metering;

/**
 * Billable usage of one contract version in one billing period: permitted calls, the records and
 * bytes they delivered.
 */
public record Usage(long calls, long records, long bytes) {
  public static final Usage NONE = new Usage(0, 0, 0);

  public Usage {
    if (calls < 0 || records < 0 || bytes < 0) {
      throw new IllegalArgumentException(
          "usage cannot be negative: " + calls + ", " + records + ", " + bytes);
    }
  }

  public Usage plus(Usage o) {
    return new Usage(
        Math.addExact(calls, o.calls),
        Math.addExact(records, o.records),
        Math.addExact(bytes, o.bytes));
  }
}
