package io.tollgate.load;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Vehicle-telemetry calls and their contracts for the stream load: {@code consumers} consumers with
 * one contract each, calls spread over them by a Zipf law, so a few consumers carry most of the
 * traffic (and run into their rate limits) while the long tail is light. Of the calls, 4 % ask for
 * a purpose the contract does not allow, 1 % come from a consumer with no contract and 0.05 % are
 * malformed.
 */
public final class Telemetry {
  public static final String DATASET = "vehicle-telemetry";
  final int consumers;
  private final Zipf zipf;
  private final SplittableRandom rnd;
  private final StringBuilder b = new StringBuilder(512);
  private long seq;
  private boolean keyByVehicle;

  /**
   * Records keyed by vehicle rather than by consumer and dataset, as a platform streaming many
   * vehicles for one consumer keys them: they spread over every partition of tollgate.calls.
   */
  public Telemetry keyByVehicle() {
    keyByVehicle = true;
    return this;
  }

  public Telemetry(int consumers, double exponent, long seed) {
    this.consumers = consumers;
    this.zipf = new Zipf(consumers, exponent);
    this.rnd = new SplittableRandom(seed);
  }

  static String consumer(int i) {
    return "consumer-" + i;
  }

  /** The contract of consumer {@code i}: {@code purposes} may differ to make a new version. */
  public static String contract(int i, String purposes) {
    return contract(i, purposes, i < 3 ? 4000 : 20000);
  }

  /** The contract of consumer {@code i} with a rate limit of {@code rate} calls/s. */
  public static String contract(int i, String purposes, long rate) {
    return String.join(
        "\n",
        "contract: load-" + i,
        "provider: sh-cv-platform",
        "consumer: " + consumer(i),
        "dataset: " + DATASET,
        "actions: [read, stream]",
        "purposes: [" + purposes + "]",
        "valid: {from: \"2026-01-01T00:00:00Z\", until: \"2036-01-01T00:00:00Z\"}",
        "fields:",
        "  allow: [vehicle_id, ts, lat, lon, speed, heading]",
        "  mask: {vehicle_id: hash}",
        "regions: [CN-SH]",
        "geofence: [[120.85, 30.68], [122.05, 30.68], [122.05, 31.88], [120.85, 31.88]]",
        "channels: [kafka]",
        "limits: {rate: \"" + rate + "/s\", quota: \"900000000/day\"}",
        "price: {amount: \"0.0001\", currency: CNY, per: record}",
        "");
  }

  public static final String PURPOSES = "traffic-optimisation, road-safety-research";

  /**
   * The key of the next call (consumer|dataset) is written to {@code key[0]}; returns the value.
   */
  public byte[] next(long ts, byte[][] key) {
    long id = seq++;
    int roll = rnd.nextInt(10_000);
    if (roll < 5) {
      key[0] = null;
      return ("{\"v\":1,\"id\":\"m-" + id + "\",\"ts\":" + ts + ",\"consumer\":")
          .getBytes(StandardCharsets.UTF_8);
    }
    String consumer = roll < 105 ? "no-contract-" + (roll % 7) : consumer(zipf.sample(rnd));
    String purpose =
        roll < 505
            ? "advertising"
            : (roll & 1) == 0 ? "traffic-optimisation" : "road-safety-research";
    double lat = 30.95 + rnd.nextDouble() * 0.45;
    double lon = 121.20 + rnd.nextDouble() * 0.60;
    int vehicle = rnd.nextInt(100_000);
    b.setLength(0);
    b.append("{\"v\":1,\"id\":\"l-")
        .append(id)
        .append("\",\"ts\":")
        .append(ts)
        .append(",\"consumer\":\"")
        .append(consumer)
        .append("\",\"dataset\":\"")
        .append(DATASET)
        .append("\",\"action\":\"stream\",\"purpose\":\"")
        .append(purpose)
        .append("\",\"region\":\"CN-SH\",\"location\":{\"lat\":")
        .append(lat)
        .append(",\"lon\":")
        .append(lon)
        .append("},\"channel\":\"kafka\",\"payload\":{\"vehicle_id\":\"SH-A")
        .append(vehicle)
        .append("\",\"ts\":")
        .append(ts)
        .append(",\"lat\":")
        .append(lat)
        .append(",\"lon\":")
        .append(lon)
        .append(",\"speed\":")
        .append(rnd.nextInt(120))
        .append(",\"heading\":")
        .append(rnd.nextInt(360))
        .append(",\"driver_phone\":\"13800001234\"}}");
    key[0] =
        (keyByVehicle ? "SH-A" + vehicle : consumer + "|" + DATASET)
            .getBytes(StandardCharsets.UTF_8);
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }
}
