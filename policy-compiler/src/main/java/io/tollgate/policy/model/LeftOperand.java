package io.tollgate.policy.model;

/**
 * The left operands Tollgate understands, with the type of right operand each takes. ODRL core
 * terms keep their ODRL names; Tollgate's own are prefixed {@code tg:}.
 */
public enum LeftOperand {
  /** Purpose of the call. Right operand: {@code List<String>}. Reason {@code purpose}. */
  PURPOSE("purpose"),
  /** Event time of the call. Right operand: {@link java.time.Instant}. Reason {@code period}. */
  DATE_TIME("dateTime"),
  /** Local time of day. Right operand: {@link TimeWindow}. Reason {@code hours}. */
  TIME_OF_DAY("tg:timeOfDay"),
  /** Local day of week. Right operand: {@code List<java.time.DayOfWeek>}. Reason {@code days}. */
  DAY_OF_WEEK("tg:dayOfWeek"),
  /** Fields the call asks for. Right operand: {@code List<String>}. Reason {@code fields}. */
  FIELD("tg:field"),
  /** ISO 3166-2 region of the call. Right operand: {@code List<String>}. Reason {@code region}. */
  SPATIAL("spatial"),
  /** Location of the call. Right operand: {@link Polygon}. Reason {@code geofence}. */
  SPATIAL_COORDINATES("spatialCoordinates"),
  /** Channel of the call. Right operand: {@code List<io.tollgate.policy.Channel>}. */
  DELIVERY_CHANNEL("deliveryChannel"),
  /** Lifetime number of permitted calls. Right operand: {@link Long}. Reason {@code total}. */
  COUNT("count"),
  /** Permitted calls per calendar period. Right operand: {@link Quota}. Reason {@code quota}. */
  QUOTA("tg:quota"),
  /** Token-bucket rate. Right operand: {@link Rate}. Reason {@code rate} (throttle). */
  RATE("tg:rate"),
  /** An Open Policy Agent policy compiled to Wasm. Right operand: {@link OpaReference}. */
  OPA("tg:opa");

  private final String term;

  LeftOperand(String term) {
    this.term = term;
  }

  public String term() {
    return term;
  }
}
