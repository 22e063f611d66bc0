package io.tollgate.evidence.audit;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * What one audit report shows: a title, the range it covers, when it was made, the zone its times
 * are read in, and one {@link Section} per contract of one consumer. {@link AuditReport#render}
 * turns it into a page.
 *
 * <p>The lists are not copied: a section may hold a million decisions, and the report reads them
 * once, in order. A {@code null} list or map is read as empty; every string may come from outside
 * (contract files, calls) and is escaped when shown.
 *
 * @param title the page's title, such as "Compliance audit, December 2026"
 * @param from the start of the range, inclusive; {@code null} takes the earliest decision
 * @param to the end of the range, exclusive; {@code null} takes just after the latest decision
 * @param generatedAt when the report was made
 * @param zone the zone that times, days and months are shown in; {@code null} is UTC
 * @param sections one per contract of one consumer
 */
public record AuditData(
    String title,
    Instant from,
    Instant to,
    Instant generatedAt,
    ZoneId zone,
    List<Section> sections) {

  public AuditData {
    sections = sections == null ? List.of() : sections;
  }

  /**
   * One contract of one consumer, and what happened under it in the range.
   *
   * @param consumer who used the data
   * @param provider whose data it is
   * @param contract the contract's id
   * @param versions the contract's versions, in order of publication
   * @param decisions the decisions on the consumer's calls in the range, in time order as a rule
   * @param usage the billed usage, one entry per month
   * @param quota the quota as it stands, {@code null} when the contract has none
   * @param evidence the check of the evidence log that backs these figures
   */
  public record Section(
      String consumer,
      String provider,
      String contract,
      List<Version> versions,
      List<Decision> decisions,
      List<Usage> usage,
      Quota quota,
      Verification evidence) {

    public Section {
      versions = versions == null ? List.of() : versions;
      decisions = decisions == null ? List.of() : decisions;
      usage = usage == null ? List.of() : usage;
    }
  }

  /**
   * One published version of a contract.
   *
   * @param version its id
   * @param published when it came into force
   * @param revoked when it was revoked or replaced, {@code null} while in force
   * @param datasets the datasets it covers
   * @param fields the fields it lets through; empty means all fields
   * @param purposes the purposes it allows
   */
  public record Version(
      String version,
      Instant published,
      Instant revoked,
      List<String> datasets,
      List<String> fields,
      List<String> purposes) {

    public Version {
      datasets = datasets == null ? List.of() : datasets;
      fields = fields == null ? List.of() : fields;
      purposes = purposes == null ? List.of() : purposes;
    }
  }

  /**
   * One decision on one call.
   *
   * @param at when it was made
   * @param decision {@code PERMIT}, {@code DENY} or {@code THROTTLE}
   * @param reasons why, for a denial or a throttle: {@code purpose}, {@code rate}, {@code quota},
   *     {@code time}, {@code region}, {@code fields}, {@code no-contract}, ...
   * @param dataset the dataset called
   * @param action the action, such as {@code read}
   * @param purpose the purpose the call declared
   * @param channel the channel it came through, such as {@code api} or {@code stream}
   * @param point the enforcement point that decided, such as a gateway's id
   * @param records the records delivered
   * @param bytes the bytes delivered
   */
  public record Decision(
      Instant at,
      String decision,
      List<String> reasons,
      String dataset,
      String action,
      String purpose,
      String channel,
      String point,
      long records,
      long bytes) {

    public Decision {
      reasons = reasons == null ? List.of() : reasons;
    }
  }

  /**
   * The billed usage of one month.
   *
   * @param period the month, {@code YYYY-MM}
   * @param closed whether the month is closed (its figures final) or still running
   * @param calls the billed calls
   * @param records the billed records
   * @param bytes the billed bytes
   * @param amount the amount as decimal text, {@code null} when the month could not be priced
   * @param currency the amount's currency, such as {@code CNY}
   * @param refused the calls refused, by {@code outcome:reason} (such as {@code deny:purpose})
   */
  public record Usage(
      String period,
      boolean closed,
      long calls,
      long records,
      long bytes,
      String amount,
      String currency,
      Map<String, Long> refused) {

    public Usage {
      refused = refused == null ? Map.of() : refused;
    }
  }

  /**
   * The quota as it stands: what was used and the limit, per day, month and in all. A {@code null}
   * limit is no limit; a {@code null} use is not known.
   */
  public record Quota(
      Long dayUsed,
      Long dayLimit,
      Long monthUsed,
      Long monthLimit,
      Long totalUsed,
      Long totalLimit) {}

  /**
   * The check of the evidence log behind a section.
   *
   * @param verified whether everything verified
   * @param message what the check said: "1,204 entries verify ..." or the failure
   * @param origin the log's origin line
   * @param treeSize the size of the checked tree
   * @param rootHash its root hash, base64
   * @param keys the ids of the keys that signed the checkpoint (name and hex)
   * @param checkedAt when the check ran
   */
  public record Verification(
      boolean verified,
      String message,
      String origin,
      long treeSize,
      String rootHash,
      List<String> keys,
      Instant checkedAt) {

    public Verification {
      keys = keys == null ? List.of() : keys;
    }
  }
}
