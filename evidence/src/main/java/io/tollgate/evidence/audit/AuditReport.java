package io.tollgate.evidence.audit;

import io.tollgate.evidence.audit.AuditData.Decision;
import io.tollgate.evidence.audit.AuditData.Quota;
import io.tollgate.evidence.audit.AuditData.Section;
import io.tollgate.evidence.audit.AuditData.Usage;
import io.tollgate.evidence.audit.AuditData.Verification;
import io.tollgate.evidence.audit.AuditData.Version;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * The audit report (合规审计报表) as one self-contained HTML5 page.
 *
 * <p>{@link #render} reads each section's decisions once and keeps only tallies: counts per outcome
 * and time bucket, per dataset, purpose, channel, point and reason (at most {@value #MAX_KEYS}
 * distinct values of each, the rest counted together), and the first {@value #MAX_LISTED_DENIALS}
 * denied calls by time. The page therefore has a bounded size whatever the number of calls, and
 * never one SVG element per call.
 *
 * <p>The page has no script and refers to nothing outside itself: the style is inline, the charts
 * are inline SVG, the only links are to its own {@code #section-N} anchors. Every string of the
 * data is escaped for text and attributes alike. The markup is also well-formed XML, so that any
 * parser, not only a browser's, reads it.
 */
public final class AuditReport {

  /** The colour of permitted calls in the charts. */
  static final String PERMIT_COLOUR = "#2f6fb0";

  /** The colour of denied calls in the charts. */
  static final String DENY_COLOUR = "#c8384d";

  /** The colour of throttled calls in the charts. */
  static final String THROTTLE_COLOUR = "#e8a317";

  /** The colour of calls whose decision is none of the three. */
  static final String OTHER_COLOUR = "#8a8f98";

  /** The background of the VERIFIED badge. */
  static final String VERIFIED_COLOUR = "#1a7f37";

  /** The background of the NOT VERIFIED badge. */
  static final String NOT_VERIFIED_COLOUR = "#9f1d14";

  /** Denied calls listed one by one, per section; the rest are counted. */
  static final int MAX_LISTED_DENIALS = 500;

  /**
   * Distinct values tallied per kind (purposes, channels, ...); further ones are counted together.
   */
  static final int MAX_KEYS = 10_000;

  /** Rows shown in a table of tallies; the rest are summed in one row. */
  static final int MAX_ROWS = 100;

  /** The most bars a timeline has. */
  static final int MAX_BARS = 60;

  private static final int PERMIT = 0;
  private static final int DENY = 1;
  private static final int THROTTLE = 2;
  private static final int OTHER = 3;
  private static final String[] OUTCOMES = {"permit", "deny", "throttle", "other"};
  private static final String[] COLOURS = {
    PERMIT_COLOUR, DENY_COLOUR, THROTTLE_COLOUR, OTHER_COLOUR
  };

  private static final String NOT_GIVEN = "(not given)";
  private static final String OTHER_VALUES = "(other values)";
  private static final String NO_REASON = "(no reason given)";

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT);
  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
  private static final DateTimeFormatter HOUR_LABEL =
      DateTimeFormatter.ofPattern("MM-dd HH:mm", Locale.ROOT);
  private static final DateTimeFormatter DAY_LABEL =
      DateTimeFormatter.ofPattern("MM-dd", Locale.ROOT);
  private static final DateTimeFormatter MONTH_LABEL =
      DateTimeFormatter.ofPattern("yyyy-MM", Locale.ROOT);
  private static final DateTimeFormatter DAY =
      DateTimeFormatter.ofPattern("yyyy-MM-dd", Locale.ROOT);

  private AuditReport() {}

  /**
   * The report as one HTML5 page.
   *
   * @param d what it shows
   * @return the page, to be written as UTF-8
   */
  public static String render(AuditData d) {
    ZoneId zone = d.zone() == null ? ZoneOffset.UTC : d.zone();
    Instant[] range = range(d);
    Timeline timeline = null;
    try {
      timeline = range == null ? null : Timeline.of(range[0], range[1], zone);
    } catch (DateTimeException | ArithmeticException e) {
      // a range beyond the calendar's years: counted, not charted
    }
    List<Stats> stats = new ArrayList<>(d.sections().size());
    for (Section s : d.sections()) {
      stats.add(Stats.of(s == null ? emptySection() : s, timeline, zone));
    }
    Html h = new Html(zone);
    h.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    h.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
    h.raw("<meta name=\"generator\" content=\"Tollgate audit report\"/>\n<title>");
    h.text(title(d));
    h.raw("</title>\n<style>\n").raw(CSS).raw("</style>\n</head>\n<body>\n<main>\n");
    header(h, d, range, zone, stats);
    for (int i = 0; i < stats.size(); i++) {
      section(h, stats.get(i), i + 1, stats.size(), timeline);
    }
    h.raw("<footer><p>Made by Tollgate");
    if (d.generatedAt() != null) {
      h.raw(" on ").text(h.time(d.generatedAt()));
    }
    h.raw(". This page is self-contained: no script, nothing loaded from outside.");
    h.raw(" Counts are of decisions recorded in the evidence log; billed usage is as metered.");
    h.raw("</p></footer>\n</main>\n</body>\n</html>\n");
    return h.toString();
  }

  private static Section emptySection() {
    return new Section(null, null, null, null, null, null, null, null);
  }

  private static String title(AuditData d) {
    return d.title() == null || d.title().isBlank() ? "Audit report" : d.title();
  }

  /** The range of the timeline: the data's, or that of its decisions where it gives none. */
  private static Instant[] range(AuditData d) {
    Instant from = d.from();
    Instant to = d.to();
    if (from == null || to == null) {
      Instant min = null;
      Instant max = null;
      for (Section s : d.sections()) {
        if (s == null) {
          continue;
        }
        for (Decision c : s.decisions()) {
          if (c == null || c.at() == null) {
            continue;
          }
          if (min == null || c.at().isBefore(min)) {
            min = c.at();
          }
          if (max == null || c.at().isAfter(max)) {
            max = c.at();
          }
        }
      }
      if (from == null) {
        from = min;
      }
      if (to == null && max != null) {
        to = max.plusSeconds(1);
      }
    }
    if (from == null || to == null || !from.isBefore(to)) {
      return null;
    }
    return new Instant[] {from, to};
  }

  // ---------------------------------------------------------------------------------------------
  // The page's head: title, range, summary table.

  private static void header(Html h, AuditData d, Instant[] range, ZoneId zone, List<Stats> stats) {
    h.raw("<header class=\"page\">\n<p class=\"kicker\">Tollgate · compliance audit report");
    h.raw(" <span lang=\"zh\">(合规审计报表)</span></p>\n<h1>").text(title(d)).raw("</h1>\n");
    h.raw("<p class=\"meta\">");
    if (range != null) {
      h.raw("Range <b>").text(h.time(range[0])).raw("</b> to <b>").text(h.time(range[1]));
      h.raw("</b> · ");
    }
    h.raw("times in <b>").text(zoneLabel(zone, range == null ? null : range[0])).raw("</b>");
    if (d.generatedAt() != null) {
      h.raw(" · generated <b>").text(h.time(d.generatedAt())).raw("</b>");
    }
    h.raw(" · ").text(plural(stats.size(), "section", "sections")).raw("</p>\n</header>\n");

    h.raw("<section class=\"summary\" aria-labelledby=\"summary\">\n");
    h.raw("<h2 id=\"summary\">Summary <span lang=\"zh\">(概览)</span></h2>\n");
    if (stats.isEmpty()) {
      h.raw("<p class=\"empty\">no contracts in this report</p>\n</section>\n");
      return;
    }
    h.raw("<table class=\"wide\">\n<thead><tr><th class=\"num\">#</th><th>Consumer</th>");
    h.raw("<th>Provider</th><th>Contract</th><th class=\"num\">Calls</th>");
    h.raw(
        "<th class=\"num\">Permit</th><th class=\"num\">Deny</th><th class=\"num\">Throttle</th>");
    h.raw("<th class=\"num\">Billed</th><th>Evidence</th></tr></thead>\n<tbody>\n");
    long[] total = new long[5];
    for (int i = 0; i < stats.size(); i++) {
      Stats st = stats.get(i);
      Section s = st.section;
      h.raw("<tr><td class=\"num\">").raw(Integer.toString(i + 1)).raw("</td><td>");
      h.text(orNotGiven(s.consumer())).raw("</td><td>").text(orNotGiven(s.provider()));
      h.raw("</td><td><a href=\"#section-").raw(Integer.toString(i + 1)).raw("\">");
      h.text(orNotGiven(s.contract())).raw("</a></td>");
      h.num(st.calls).num(st.outcome[PERMIT]).num(st.outcome[DENY]).num(st.outcome[THROTTLE]);
      h.raw("<td class=\"num\">").text(st.billed()).raw("</td><td>");
      badge(h, s.evidence(), false);
      h.raw("</td></tr>\n");
      total[0] += st.calls;
      total[1] += st.outcome[PERMIT];
      total[2] += st.outcome[DENY];
      total[3] += st.outcome[THROTTLE];
    }
    h.raw("</tbody>\n");
    if (stats.size() > 1) {
      h.raw("<tfoot><tr><th></th><th colspan=\"3\">All sections</th>");
      h.num(total[0]).num(total[1]).num(total[2]).num(total[3]);
      h.raw("<td></td><td></td></tr></tfoot>\n");
    }
    h.raw("</table>\n</section>\n");
  }

  private static String zoneLabel(ZoneId zone, Instant at) {
    ZoneOffset offset = zone.getRules().getOffset(at == null ? Instant.EPOCH : at);
    String utc = offset.getTotalSeconds() == 0 ? "UTC" : "UTC" + offset.getId();
    return zone instanceof ZoneOffset || zone.getId().equals(utc)
        ? utc
        : zone.getId() + " (" + utc + ")";
  }

  // ---------------------------------------------------------------------------------------------
  // One section.

  private static void section(Html h, Stats st, int n, int of, Timeline timeline) {
    Section s = st.section;
    String id = "section-" + n;
    h.raw("<section class=\"contract\" id=\"").raw(id).raw("\" aria-labelledby=\"");
    h.raw(id).raw("-title\">\n<div class=\"contract-head\"><div>");
    h.raw("<p class=\"kicker\">Section ").raw(Integer.toString(n)).raw(" of ");
    h.raw(Integer.toString(of)).raw(" · contract</p>\n<h2 id=\"").raw(id).raw("-title\">");
    h.text(orNotGiven(s.contract())).raw("</h2>\n<p class=\"parties\"><b>");
    h.text(orNotGiven(s.consumer())).raw("</b> uses data of <b>");
    h.text(orNotGiven(s.provider())).raw("</b></p></div>\n<div class=\"head-badge\">");
    badge(h, s.evidence(), false);
    h.raw("</div></div>\n");
    kpis(h, st);
    who(h, st);
    when(h, st, timeline);
    datasets(h, st);
    purposes(h, st);
    violations(h, st);
    usage(h, st);
    evidence(h, s.evidence());
    h.raw("</section>\n");
  }

  private static void kpis(Html h, Stats st) {
    h.raw("<div class=\"kpis\">");
    kpi(h, "calls", "Calls", num(st.calls), "#5b6472");
    kpi(h, "permit", "Permitted", num(st.outcome[PERMIT]), PERMIT_COLOUR);
    kpi(h, "deny", "Denied", num(st.outcome[DENY]), DENY_COLOUR);
    kpi(h, "throttle", "Throttled", num(st.outcome[THROTTLE]), THROTTLE_COLOUR);
    kpi(h, "billed", "Billed", st.billed(), "#5b6472");
    h.raw("</div>\n");
  }

  private static void kpi(Html h, String cls, String label, String value, String colour) {
    h.raw("<div class=\"kpi ").raw(cls).raw("\" style=\"border-left-color:").raw(colour);
    h.raw("\"><span class=\"label\">").text(label).raw("</span><span class=\"value\">");
    h.text(value).raw("</span></div>");
  }

  // 1. Who

  private static void who(Html h, Stats st) {
    Section s = st.section;
    h.raw("<h3>1. Who used the data <span lang=\"zh\">(谁使用了数据)</span></h3>\n");
    h.raw("<dl class=\"facts\"><dt>Consumer</dt><dd>").text(orNotGiven(s.consumer()));
    h.raw("</dd><dt>Provider</dt><dd>").text(orNotGiven(s.provider()));
    h.raw("</dd><dt>Contract</dt><dd><code>").text(orNotGiven(s.contract()));
    h.raw("</code></dd><dt>Channels seen</dt><dd>");
    chips(h, st.channels, "no calls in this range");
    h.raw("</dd><dt>Enforcement points seen</dt><dd>");
    chips(h, st.points, "no calls in this range");
    h.raw("</dd></dl>\n<h4>Contract versions</h4>\n");
    if (s.versions().isEmpty()) {
      h.raw("<p class=\"empty\">no versions recorded for this contract</p>\n");
      return;
    }
    h.raw("<table><thead><tr><th>Version</th><th>Published</th><th>Revoked</th>");
    h.raw("<th>Datasets</th><th>Purposes</th></tr></thead>\n<tbody>\n");
    for (Version v : s.versions()) {
      if (v == null) {
        continue;
      }
      h.raw("<tr><td><code>").text(orNotGiven(v.version())).raw("</code></td><td>");
      h.text(h.time(v.published())).raw("</td><td>");
      if (v.revoked() == null) {
        h.raw("<span class=\"in-force\">in force</span>");
      } else {
        h.text(h.time(v.revoked()));
      }
      h.raw("</td><td>").text(joined(v.datasets(), "none")).raw("</td><td>");
      h.text(joined(v.purposes(), "none")).raw("</td></tr>\n");
    }
    h.raw("</tbody></table>\n");
  }

  private static void chips(Html h, Tally t, String empty) {
    List<Map.Entry<String, long[]>> rows = t.sorted(0);
    if (rows.isEmpty()) {
      h.raw("<span class=\"muted\">").text(empty).raw("</span>");
      return;
    }
    int shown = 0;
    long rest = 0;
    int restKeys = 0;
    for (Map.Entry<String, long[]> e : rows) {
      if (shown >= 30) {
        rest += e.getValue()[0];
        restKeys++;
        continue;
      }
      h.raw("<span class=\"chip\">").text(display(e.getKey())).raw(" <b>");
      h.text(num(e.getValue()[0])).raw("</b></span> ");
      shown++;
    }
    if (restKeys > 0) {
      h.raw("<span class=\"muted\">and ").text(num(restKeys)).raw(" more (");
      h.text(plural(rest, "call", "calls")).raw(")</span>");
    }
  }

  // 2. When

  private static void when(Html h, Stats st, Timeline timeline) {
    h.raw("<h3>2. When <span lang=\"zh\">(使用时间)</span></h3>\n");
    if (st.calls == 0) {
      h.raw("<p class=\"empty\">no calls in this range</p>\n");
      return;
    }
    long charted = st.calls - st.outside - st.undated;
    if (timeline != null && charted > 0) {
      timelineSvg(h, st, timeline);
      h.raw("<p class=\"caption\">Calls per ").text(timeline.unitName).raw(" by outcome, ");
      h.text(h.time(timeline.start())).raw(" to ").text(h.time(timeline.end()));
      h.raw(", ").text(zoneLabel(h.zone, timeline.start())).raw(".");
      if (st.outside > 0) {
        h.raw(" ").text(plural(st.outside, "call", "calls")).raw(" outside this range ");
        h.raw(st.outside == 1 ? "is" : "are").raw(" counted but not charted.");
      }
      if (st.undated > 0) {
        h.raw(" ").text(plural(st.undated, "call", "calls")).raw(" without a time ");
        h.raw(st.undated == 1 ? "is" : "are").raw(" counted but not charted.");
      }
      h.raw("</p>\n");
    } else {
      h.raw("<p class=\"empty\">no calls with a time inside the range to chart</p>\n");
    }
    h.raw("<table class=\"outcomes\"><thead><tr><th>Outcome</th><th class=\"num\">Calls</th>");
    h.raw("<th class=\"num\">Share</th></tr></thead>\n<tbody>\n");
    for (int o = 0; o < OUTCOMES.length; o++) {
      if (o == OTHER && st.outcome[OTHER] == 0) {
        continue;
      }
      h.raw("<tr><th scope=\"row\">");
      swatch(h, COLOURS[o]);
      h.raw(o == OTHER ? "other decision" : OUTCOMES[o]).raw("</th>");
      h.num(st.outcome[o]).raw("<td class=\"num\">").text(share(st.outcome[o], st.calls));
      h.raw("</td></tr>\n");
    }
    h.raw("</tbody><tfoot><tr><th scope=\"row\">all calls</th>").num(st.calls);
    h.raw("<td class=\"num\">100 %</td></tr></tfoot></table>\n");
  }

  private static void swatch(Html h, String colour) {
    h.raw("<svg class=\"swatch\" width=\"12\" height=\"12\" viewBox=\"0 0 12 12\"");
    h.raw(" aria-hidden=\"true\"><rect width=\"12\" height=\"12\" rx=\"2\" fill=\"");
    h.raw(colour).raw("\"/></svg> ");
  }

  private static void timelineSvg(Html h, Stats st, Timeline t) {
    final int width = 960;
    final int height = 270;
    final double x0 = 72;
    final double x1 = 916;
    final double top = 40;
    final double bottom = 236;
    int n = t.size();
    long max = 1;
    for (long[] b : st.buckets) {
      max = Math.max(max, b[0] + b[1] + b[2] + b[3]);
    }
    long step = niceStep(max, 5);
    long axisMax = step * ((max + step - 1) / step);
    double slot = (x1 - x0) / n;
    double gap = Math.max(1, slot * 0.18);
    double scale = (bottom - top) / axisMax;
    h.raw("<svg class=\"chart timeline\" viewBox=\"0 0 ").raw(Integer.toString(width));
    h.raw(" ").raw(Integer.toString(height)).raw("\" width=\"100%\" role=\"img\" aria-label=\"");
    h.text("Calls per " + t.unitName + " by outcome").raw("\">\n<title>");
    h.text("Calls per " + t.unitName + " by outcome").raw("</title>\n");
    // legend
    double lx = x0;
    for (int o = 0; o < OUTCOMES.length; o++) {
      if (o == OTHER && st.outcome[OTHER] == 0) {
        continue;
      }
      String label = OUTCOMES[o] + " " + num(st.outcome[o]);
      h.raw("<rect x=\"").raw(f(lx)).raw("\" y=\"10\" width=\"14\" height=\"14\" rx=\"2\" fill=\"");
      h.raw(COLOURS[o]).raw("\"/><text x=\"").raw(f(lx + 20)).raw("\" y=\"22\" class=\"legend\">");
      h.text(label).raw("</text>\n");
      lx += 40 + label.length() * 7.5;
    }
    // grid and y axis
    for (long v = 0; v <= axisMax; v += step) {
      double y = bottom - v * scale;
      h.raw("<line x1=\"").raw(f(x0)).raw("\" x2=\"").raw(f(x1)).raw("\" y1=\"").raw(f(y));
      h.raw("\" y2=\"").raw(f(y)).raw("\" class=\"").raw(v == 0 ? "axis" : "grid").raw("\"/>");
      h.raw("<text x=\"").raw(f(x0 - 8)).raw("\" y=\"").raw(f(y + 4));
      h.raw("\" text-anchor=\"end\" class=\"tick\">").text(num(v)).raw("</text>\n");
    }
    // bars: permit at the bottom, then deny, throttle, other
    for (int i = 0; i < n; i++) {
      long[] b = st.buckets[i];
      double x = x0 + i * slot + gap / 2;
      double w = slot - gap;
      double y = bottom;
      for (int o = 0; o < OUTCOMES.length; o++) {
        if (b[o] == 0) {
          continue;
        }
        double bh = Math.max(1, b[o] * scale);
        y -= bh;
        h.raw("<rect x=\"").raw(f(x)).raw("\" y=\"").raw(f(y)).raw("\" width=\"").raw(f(w));
        h.raw("\" height=\"").raw(f(bh)).raw("\" fill=\"").raw(COLOURS[o]).raw("\"><title>");
        h.text(t.tooltip(i) + ": " + num(b[o]) + " " + OUTCOMES[o]).raw("</title></rect>");
      }
      h.raw("\n");
    }
    // x labels
    for (int i = 0; i < n; i++) {
      if (!t.labelled(i)) {
        continue;
      }
      double cx = x0 + i * slot + slot / 2;
      h.raw("<line x1=\"").raw(f(cx)).raw("\" x2=\"").raw(f(cx)).raw("\" y1=\"").raw(f(bottom));
      h.raw("\" y2=\"").raw(f(bottom + 5)).raw("\" class=\"axis\"/><text x=\"").raw(f(cx));
      h.raw("\" y=\"").raw(f(bottom + 20)).raw("\" text-anchor=\"middle\" class=\"tick\">");
      h.text(t.label(i)).raw("</text>\n");
    }
    h.raw("</svg>\n");
  }

  /** A step of 1, 2 or 5 times a power of ten that divides 0..max into at most about n parts. */
  static long niceStep(long max, int n) {
    if (max <= n) {
      return 1;
    }
    double raw = (double) max / n;
    long p = 1;
    while (p <= Long.MAX_VALUE / 10 && p * 10 <= raw) {
      p *= 10;
    }
    for (long m : new long[] {1, 2, 5, 10}) {
      if (p * m >= raw) {
        return p * m;
      }
    }
    return p * 10;
  }

  // 3. Datasets and fields

  private static void datasets(Html h, Stats st) {
    Section s = st.section;
    h.raw("<h3>3. Which datasets and fields <span lang=\"zh\">(数据集与字段)</span></h3>\n");
    if (st.calls == 0) {
      h.raw("<p class=\"empty\">no calls in this range</p>\n");
    } else {
      h.raw("<table><thead><tr><th>Dataset</th><th class=\"num\">Calls</th>");
      h.raw("<th class=\"num\">Permitted</th><th class=\"num\">Denied</th>");
      h.raw("<th class=\"num\">Throttled</th><th class=\"num\">Records delivered</th>");
      h.raw("<th class=\"num\">Bytes delivered</th><th>In contract</th></tr></thead>\n<tbody>\n");
      List<Map.Entry<String, long[]>> rows = st.datasets.sorted(0);
      long[] rest = new long[7];
      int restKeys = 0;
      for (int i = 0; i < rows.size(); i++) {
        long[] v = rows.get(i).getValue();
        if (i >= MAX_ROWS) {
          add(rest, v);
          restKeys++;
          continue;
        }
        String name = rows.get(i).getKey();
        h.raw("<tr><td><code>").text(display(name)).raw("</code></td>");
        h.num(v[0]).num(v[1]).num(v[2]).num(v[3]).num(v[5]).raw("<td class=\"num\">");
        h.text(bytes(v[6])).raw("</td><td>");
        List<String> in = versionsWith(s, name, true);
        yesNo(h, in);
        h.raw("</td></tr>\n");
      }
      if (restKeys > 0) {
        h.raw("<tr class=\"rest\"><td>and ")
            .text(plural(restKeys, "more dataset", "more datasets"));
        h.raw("</td>").num(rest[0]).num(rest[1]).num(rest[2]).num(rest[3]).num(rest[5]);
        h.raw("<td class=\"num\">").text(bytes(rest[6])).raw("</td><td></td></tr>\n");
      }
      h.raw("</tbody></table>\n");
    }
    h.raw("<h4>Fields the contract lets through</h4>\n");
    if (s.versions().isEmpty()) {
      h.raw("<p class=\"empty\">no versions recorded for this contract</p>\n");
      return;
    }
    h.raw("<table><thead><tr><th>Version</th><th>Datasets</th><th>Fields</th></tr></thead>\n");
    h.raw("<tbody>\n");
    for (Version v : s.versions()) {
      if (v == null) {
        continue;
      }
      h.raw("<tr><td><code>").text(orNotGiven(v.version())).raw("</code></td><td>");
      h.text(joined(v.datasets(), "none")).raw("</td><td>");
      if (v.fields().isEmpty()) {
        h.raw("<span class=\"all-fields\">all fields</span>");
      } else {
        h.text(joined(v.fields(), "all fields"));
      }
      h.raw("</td></tr>\n");
    }
    h.raw("</tbody></table>\n");
  }

  private static void yesNo(Html h, List<String> versions) {
    if (versions.isEmpty()) {
      h.raw("<span class=\"no\">✗ no</span>");
    } else {
      h.raw("<span class=\"yes\">✓ yes</span> <span class=\"muted\">(");
      h.text(joined(versions, "")).raw(")</span>");
    }
  }

  /** The versions whose datasets (or purposes) name the value. */
  private static List<String> versionsWith(Section s, String value, boolean dataset) {
    List<String> in = new ArrayList<>();
    for (Version v : s.versions()) {
      if (v != null && (dataset ? v.datasets() : v.purposes()).contains(value)) {
        in.add(v.version() == null ? NOT_GIVEN : v.version());
      }
    }
    return in;
  }

  // 4. Purposes

  private static void purposes(Html h, Stats st) {
    h.raw("<h3>4. Which purposes <span lang=\"zh\">(使用目的)</span></h3>\n");
    if (st.calls == 0) {
      h.raw("<p class=\"empty\">no calls in this range</p>\n");
      return;
    }
    h.raw("<table><thead><tr><th>Declared purpose</th><th class=\"num\">Calls</th>");
    h.raw("<th class=\"num\">Permitted</th><th class=\"num\">Denied</th>");
    h.raw("<th class=\"num\">Throttled</th><th>Among the contract's purposes</th></tr></thead>\n");
    h.raw("<tbody>\n");
    List<Map.Entry<String, long[]>> rows = st.purposes.sorted(0);
    long[] rest = new long[5];
    int restKeys = 0;
    for (int i = 0; i < rows.size(); i++) {
      long[] v = rows.get(i).getValue();
      if (i >= MAX_ROWS) {
        add(rest, v);
        restKeys++;
        continue;
      }
      String name = rows.get(i).getKey();
      h.raw("<tr><td>").text(display(name)).raw("</td>");
      h.num(v[0]).num(v[1]).num(v[2]).num(v[3]).raw("<td>");
      yesNo(h, versionsWith(st.section, name, false));
      h.raw("</td></tr>\n");
    }
    if (restKeys > 0) {
      h.raw("<tr class=\"rest\"><td>and ").text(plural(restKeys, "more purpose", "more purposes"));
      h.raw("</td>").num(rest[0]).num(rest[1]).num(rest[2]).num(rest[3]).raw("<td></td></tr>\n");
    }
    h.raw("</tbody></table>\n");
  }

  // 5. Violations

  private static void violations(Html h, Stats st) {
    h.raw("<h3>5. Violations <span lang=\"zh\">(违约尝试)</span></h3>\n");
    h.raw("<h4>Denied calls by reason</h4>\n");
    long denied = st.outcome[DENY];
    if (denied == 0) {
      h.raw("<p class=\"empty\">no denied calls in this range</p>\n");
    } else {
      List<Map.Entry<String, long[]>> rows = st.denyReasons.sorted(0);
      reasonsSvg(h, rows, DENY_COLOUR, "Denied calls by reason");
      h.raw("<table><thead><tr><th>Reason</th><th class=\"num\">Denied calls</th>");
      h.raw("<th class=\"num\">Share of denials</th></tr></thead>\n<tbody>\n");
      reasonRows(h, rows, denied);
      h.raw("</tbody><tfoot><tr><th scope=\"row\">denied calls</th>").num(denied);
      h.raw("<td></td></tr></tfoot></table>\n");
      if (st.multiReason > 0) {
        h.raw("<p class=\"caption\">").text(plural(st.multiReason, "denied call", "denied calls"));
        h.raw(" had more than one reason and ").raw(st.multiReason == 1 ? "is" : "are");
        h.raw(" counted under each.</p>\n");
      }
    }
    h.raw("<h4>Throttling <span lang=\"zh\">(限流)</span></h4>\n");
    long throttled = st.outcome[THROTTLE];
    if (throttled == 0) {
      h.raw("<p class=\"empty\">no throttled calls in this range</p>\n");
    } else {
      throttling(h, st, throttled);
    }
    if (denied > 0) {
      deniedList(h, st);
    }
  }

  private static void throttling(Html h, Stats st, long throttled) {
    h.raw("<div class=\"cols\"><div><table><thead><tr><th>Reason</th>");
    h.raw("<th class=\"num\">Throttled calls</th><th class=\"num\">Share</th></tr></thead>\n");
    h.raw("<tbody>\n");
    reasonRows(h, st.throttleReasons.sorted(0), throttled);
    h.raw("</tbody><tfoot><tr><th scope=\"row\">throttled calls</th>").num(throttled);
    h.raw("<td></td></tr></tfoot></table></div>\n<div>");
    List<Map.Entry<Long, Day>> days = new ArrayList<>(st.throttleDays.entrySet());
    int maxDays = 31;
    if (days.size() > maxDays) {
      days.sort(
          Comparator.comparingLong((Map.Entry<Long, Day> e) -> -e.getValue().calls)
              .thenComparingLong(Map.Entry::getKey));
      days = days.subList(0, maxDays);
      h.raw("<p class=\"caption\">The ")
          .text(num(maxDays))
          .raw(" days with the most throttling, of ");
      h.text(plural(st.throttleDays.size(), "day", "days")).raw(" with any.</p>\n");
    }
    h.raw("<table><thead><tr><th>Day</th>");
    h.raw("<th class=\"num\">Throttled calls</th><th>By reason</th></tr></thead>\n<tbody>\n");
    for (Map.Entry<Long, Day> e : days) {
      StringBuilder by = new StringBuilder();
      for (Map.Entry<String, long[]> r : e.getValue().reasons.sorted(0)) {
        if (by.length() > 0) {
          by.append(", ");
        }
        by.append(display(r.getKey())).append(' ').append(num(r.getValue()[0]));
      }
      h.raw("<tr><td class=\"nowrap\">").text(DAY.format(LocalDate.ofEpochDay(e.getKey())));
      h.raw("</td>").num(e.getValue().calls).raw("<td>").text(by.toString()).raw("</td></tr>\n");
    }
    h.raw("</tbody></table></div></div>\n");
  }

  private static void reasonRows(Html h, List<Map.Entry<String, long[]>> rows, long of) {
    long rest = 0;
    int restKeys = 0;
    for (int i = 0; i < rows.size(); i++) {
      long v = rows.get(i).getValue()[0];
      if (i >= MAX_ROWS) {
        rest += v;
        restKeys++;
        continue;
      }
      h.raw("<tr><th scope=\"row\">").text(display(rows.get(i).getKey())).raw("</th>").num(v);
      h.raw("<td class=\"num\">").text(share(v, of)).raw("</td></tr>\n");
    }
    if (restKeys > 0) {
      h.raw("<tr class=\"rest\"><th scope=\"row\">and ");
      h.text(plural(restKeys, "more reason", "more reasons")).raw("</th>").num(rest);
      h.raw("<td></td></tr>\n");
    }
  }

  private static void reasonsSvg(
      Html h, List<Map.Entry<String, long[]>> rows, String colour, String title) {
    final int maxBars = 20;
    int n = Math.min(rows.size(), maxBars);
    long rest = 0;
    for (int i = maxBars; i < rows.size(); i++) {
      rest += rows.get(i).getValue()[0];
    }
    int bars = n + (rest > 0 ? 1 : 0);
    final double rowHeight = 26;
    final double labelWidth = 230;
    final double barMax = 620;
    int height = (int) (bars * rowHeight + 12);
    long max = 1;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, rows.get(i).getValue()[0]);
    }
    max = Math.max(max, rest);
    h.raw("<svg class=\"chart reasons\" viewBox=\"0 0 960 ").raw(Integer.toString(height));
    h.raw("\" width=\"100%\" role=\"img\" aria-label=\"").text(title).raw("\">\n<title>");
    h.text(title).raw("</title>\n");
    for (int i = 0; i < bars; i++) {
      String label = i < n ? display(rows.get(i).getKey()) : "other reasons";
      long v = i < n ? rows.get(i).getValue()[0] : rest;
      double y = 6 + i * rowHeight;
      double w = Math.max(2, barMax * v / max);
      h.raw("<text x=\"").raw(f(labelWidth - 10)).raw("\" y=\"").raw(f(y + 17));
      h.raw("\" text-anchor=\"end\" class=\"label\">").text(shorten(label, 30)).raw("</text>");
      h.raw("<rect x=\"").raw(f(labelWidth)).raw("\" y=\"").raw(f(y + 3)).raw("\" width=\"");
      h.raw(f(w)).raw("\" height=\"").raw(f(rowHeight - 8)).raw("\" rx=\"2\" fill=\"");
      h.raw(colour).raw("\"><title>").text(label + ": " + num(v)).raw("</title></rect>");
      h.raw("<text x=\"").raw(f(labelWidth + w + 8)).raw("\" y=\"").raw(f(y + 17));
      h.raw("\" class=\"value\">").text(num(v)).raw("</text>\n");
    }
    h.raw("</svg>\n");
  }

  private static void deniedList(Html h, Stats st) {
    List<Listed> listed = new ArrayList<>(st.denied);
    listed.sort(Listed.ORDER);
    long denied = st.outcome[DENY];
    h.raw("<h4>Denied calls");
    if (denied > listed.size()) {
      h.raw(", the first ").text(num(listed.size())).raw(" of ").text(num(denied));
    }
    h.raw("</h4>\n<table class=\"calls\"><thead><tr><th>Time</th><th>Reason</th>");
    h.raw("<th>Purpose</th><th>Dataset</th><th>Channel</th></tr></thead>\n<tbody>\n");
    for (Listed l : listed) {
      Decision c = l.decision;
      h.raw("<tr><td class=\"time\">").text(c.at() == null ? NOT_GIVEN : h.time(c.at()));
      h.raw("</td><td>").text(joined(c.reasons(), NO_REASON)).raw("</td><td>");
      h.text(orNotGiven(c.purpose())).raw("</td><td>").text(orNotGiven(c.dataset()));
      h.raw("</td><td>").text(orNotGiven(c.channel())).raw("</td></tr>\n");
    }
    h.raw("</tbody></table>\n");
    if (denied > listed.size()) {
      h.raw("<p class=\"more\">and ").text(num(denied - listed.size()));
      h.raw(" more denied calls, counted above but not listed</p>\n");
    }
  }

  // 6. Usage and quota

  private static void usage(Html h, Stats st) {
    Section s = st.section;
    h.raw("<h3>6. Billed usage and remaining quota <span lang=\"zh\">(计费用量与剩余配额)</span></h3>\n");
    if (s.usage().isEmpty()) {
      h.raw("<p class=\"empty\">no billed usage in this range</p>\n");
    } else {
      h.raw("<table class=\"wide\"><thead><tr><th>Month</th><th>State</th>");
      h.raw("<th class=\"num\">Calls</th><th class=\"num\">Records</th>");
      h.raw("<th class=\"num\">Bytes</th><th class=\"num\">Amount</th><th>Currency</th>");
      h.raw("<th class=\"num\">Refused</th><th>Refusals by reason</th></tr></thead>\n<tbody>\n");
      long[] total = new long[4];
      for (Usage u : s.usage()) {
        if (u == null) {
          continue;
        }
        long refused = 0;
        List<Map.Entry<String, Long>> by = new ArrayList<>();
        for (Map.Entry<String, Long> e : u.refused().entrySet()) {
          long v = e.getValue() == null ? 0 : e.getValue();
          refused += v;
          by.add(Map.entry(e.getKey() == null ? "" : e.getKey(), v));
        }
        by.sort(
            Comparator.comparing((Map.Entry<String, Long> e) -> -e.getValue())
                .thenComparing(Map.Entry::getKey));
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, Long> e : by) {
          if (text.length() > 0) {
            text.append(", ");
          }
          text.append(display(e.getKey())).append(' ').append(num(e.getValue()));
        }
        h.raw("<tr><td class=\"nowrap\">").text(orNotGiven(u.period()));
        h.raw("</td><td class=\"nowrap\">");
        h.raw(u.closed() ? "closed" : "<span class=\"running\">running</span>").raw("</td>");
        h.num(u.calls()).num(u.records()).raw("<td class=\"num\">").text(bytes(u.bytes()));
        h.raw("</td><td class=\"num\">");
        if (u.amount() == null) {
          h.raw("<span class=\"unpriced\">unpriced</span>");
        } else {
          h.text(amount(u.amount()));
        }
        h.raw("</td><td class=\"nowrap\">").text(u.currency() == null ? "" : u.currency());
        h.raw("</td>");
        h.num(refused).raw("<td>").text(text.length() == 0 ? "none" : text.toString());
        h.raw("</td></tr>\n");
        total[0] += u.calls();
        total[1] += u.records();
        total[2] += u.bytes();
        total[3] += refused;
      }
      h.raw("</tbody><tfoot><tr><th scope=\"row\" colspan=\"2\">All months</th>");
      h.num(total[0]).num(total[1]).raw("<td class=\"num\">").text(bytes(total[2]));
      h.raw("</td><td class=\"num\" colspan=\"2\">").text(st.billed()).raw("</td>");
      h.num(total[3]).raw("<td></td></tr></tfoot></table>\n");
    }
    h.raw("<h4>Quota</h4>\n");
    Quota q = s.quota();
    if (q == null) {
      h.raw("<p class=\"empty\">no quota in this contract: no limit</p>\n");
      return;
    }
    h.raw("<table class=\"quota\"><thead><tr><th>Period</th><th class=\"num\">Used</th>");
    h.raw("<th class=\"num\">Limit</th><th class=\"num\">Left</th><th>Use</th></tr></thead>\n");
    h.raw("<tbody>\n");
    quotaRow(h, "this day", q.dayUsed(), q.dayLimit());
    quotaRow(h, "this month", q.monthUsed(), q.monthLimit());
    quotaRow(h, "in all", q.totalUsed(), q.totalLimit());
    h.raw("</tbody></table>\n");
  }

  private static void quotaRow(Html h, String period, Long used, Long limit) {
    h.raw("<tr><th scope=\"row\">").text(period).raw("</th><td class=\"num\">");
    h.text(used == null ? "not known" : num(used)).raw("</td><td class=\"num\">");
    h.text(limit == null ? "no limit" : num(limit)).raw("</td><td class=\"num\">");
    if (limit == null) {
      h.raw("no limit");
    } else if (used == null) {
      h.raw("not known");
    } else if (used > limit) {
      h.raw("<span class=\"no\">0, over by ").text(num(used - limit)).raw("</span>");
    } else {
      h.text(num(limit - used));
    }
    h.raw("</td><td>");
    if (limit != null && used != null && limit > 0) {
      double part = Math.min(1, Math.max(0, (double) used / limit));
      String colour = part >= 1 ? DENY_COLOUR : part >= 0.9 ? THROTTLE_COLOUR : PERMIT_COLOUR;
      h.raw("<svg class=\"meter\" width=\"160\" height=\"12\" viewBox=\"0 0 160 12\"");
      h.raw(" aria-hidden=\"true\"><rect width=\"160\" height=\"12\" rx=\"3\" fill=\"#e3e6ea\"/>");
      h.raw("<rect width=\"").raw(f(160 * part)).raw("\" height=\"12\" rx=\"3\" fill=\"");
      h.raw(colour).raw("\"/></svg> ").text(share(used, limit));
    }
    h.raw("</td></tr>\n");
  }

  // 7. Evidence

  private static void evidence(Html h, Verification v) {
    h.raw("<h3>7. Evidence <span lang=\"zh\">(存证核验)</span></h3>\n<div class=\"evidence ");
    h.raw(v != null && v.verified() ? "ok" : "bad").raw("\">");
    badge(h, v, true);
    h.raw("<p class=\"message\">");
    if (v == null) {
      h.raw("no check of the evidence log was made for this section");
      h.raw("</p></div>\n");
      return;
    }
    h.text(v.message() == null || v.message().isBlank() ? "no message" : v.message());
    h.raw("</p>\n<dl class=\"facts\"><dt>Origin</dt><dd><code>").text(orNotGiven(v.origin()));
    h.raw("</code></dd><dt>Tree size</dt><dd>").text(plural(v.treeSize(), "entry", "entries"));
    h.raw("</dd><dt>Root hash</dt><dd><code class=\"hash\">").text(orNotGiven(v.rootHash()));
    h.raw("</code></dd><dt>Keys</dt><dd>");
    if (v.keys().isEmpty()) {
      h.raw("<span class=\"muted\">none</span>");
    } else {
      for (String k : v.keys()) {
        h.raw("<code class=\"key\">").text(orNotGiven(k)).raw("</code> ");
      }
    }
    h.raw("</dd><dt>Checked at</dt><dd>").text(h.time(v.checkedAt()));
    h.raw("</dd></dl></div>\n");
  }

  private static void badge(Html h, Verification v, boolean big) {
    boolean ok = v != null && v.verified();
    h.raw("<span class=\"badge ").raw(ok ? "ok" : "bad").raw(big ? " big" : "").raw("\">");
    h.raw(ok ? "✔ VERIFIED" : "✘ NOT VERIFIED").raw("</span>");
  }

  // ---------------------------------------------------------------------------------------------
  // Formatting

  static String num(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String plural(long n, String one, String many) {
    return num(n) + " " + (n == 1 ? one : many);
  }

  private static String share(long n, long of) {
    if (of <= 0) {
      return "—";
    }
    double p = 100.0 * n / of;
    if (n > 0 && p < 0.05) {
      return "< 0.1 %";
    }
    return String.format(Locale.ROOT, "%.1f %%", p);
  }

  static String bytes(long n) {
    String exact = num(n);
    if (Math.abs(n) < 1024) {
      return exact + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = n;
    int u = -1;
    while (Math.abs(v) >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return exact + " (" + String.format(Locale.ROOT, "%.1f %s", v, units[u]) + ")";
  }

  /** Decimal text with thousands separators, or the text as it is when it is no plain number. */
  static String amount(String text) {
    BigDecimal v = decimal(text);
    if (v == null) {
      return text;
    }
    String plain = v.toPlainString();
    boolean negative = plain.startsWith("-");
    if (negative) {
      plain = plain.substring(1);
    }
    int dot = plain.indexOf('.');
    String whole = dot < 0 ? plain : plain.substring(0, dot);
    String fraction = dot < 0 ? "" : plain.substring(dot);
    StringBuilder b = new StringBuilder(negative ? "-" : "");
    for (int i = 0; i < whole.length(); i++) {
      if (i > 0 && (whole.length() - i) % 3 == 0) {
        b.append(',');
      }
      b.append(whole.charAt(i));
    }
    return b.append(fraction).toString();
  }

  /** The amount as a number, {@code null} when it is none or absurdly large or precise. */
  private static BigDecimal decimal(String text) {
    if (text == null || text.length() > 64) {
      return null;
    }
    try {
      BigDecimal v = new BigDecimal(text.trim());
      return v.scale() > 20 || v.scale() < -20 || v.precision() - v.scale() > 40 ? null : v;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String orNotGiven(String s) {
    return s == null || s.isEmpty() ? NOT_GIVEN : s;
  }

  private static String display(String key) {
    return key == null || key.isEmpty() ? NOT_GIVEN : key;
  }

  private static String joined(List<String> values, String empty) {
    if (values == null || values.isEmpty()) {
      return empty;
    }
    StringBuilder b = new StringBuilder();
    for (String v : values) {
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(v == null ? NOT_GIVEN : v);
    }
    return b.toString();
  }

  /** At most max code points, with an ellipsis when cut. */
  private static String shorten(String s, int max) {
    if (s.codePointCount(0, s.length()) <= max) {
      return s;
    }
    return s.substring(0, s.offsetByCodePoints(0, max - 1)) + "…";
  }

  private static String f(double v) {
    long tenths = Math.round(v * 10);
    return tenths % 10 == 0 ? Long.toString(tenths / 10) : Double.toString(tenths / 10.0);
  }

  private static void add(long[] into, long[] v) {
    for (int i = 0; i < into.length; i++) {
      into[i] += v[i];
    }
  }

  private static int outcome(String decision) {
    if (decision == null) {
      return OTHER;
    }
    switch (decision) {
      case "PERMIT":
        return PERMIT;
      case "DENY":
        return DENY;
      case "THROTTLE":
        return THROTTLE;
      default:
        String d = decision.trim().toUpperCase(Locale.ROOT);
        return d.equals("PERMIT")
            ? PERMIT
            : d.equals("DENY") ? DENY : d.equals("THROTTLE") ? THROTTLE : OTHER;
    }
  }

  /** Appends HTML with every string of the data escaped. */
  private static final class Html {
    private final StringBuilder b = new StringBuilder(1 << 16);
    final ZoneId zone;

    Html(ZoneId zone) {
      this.zone = zone;
    }

    Html raw(String s) {
      b.append(s);
      return this;
    }

    /** Text escaped for an element's content and for a quoted attribute alike. */
    Html text(String s) {
      escape(b, s);
      return this;
    }

    Html num(long n) {
      b.append("<td class=\"num\">").append(AuditReport.num(n)).append("</td>");
      return this;
    }

    String time(Instant at) {
      return at == null ? "—" : TIME.format(at.atZone(zone));
    }

    @Override
    public String toString() {
      return b.toString();
    }
  }

  /**
   * Escapes {@code & < > " '}; control characters, lone surrogates and non-characters, which a page
   * must not hold, become U+FFFD.
   */
  static void escape(StringBuilder b, String s) {
    if (s == null) {
      return;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        case '\t', '\n' -> b.append(c);
        case '\r' -> b.append(' ');
        default -> {
          if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0xfffe || c == 0xffff) {
            b.append('\ufffd');
          } else if (Character.isHighSurrogate(c)) {
            if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
              b.append(c).append(s.charAt(++i));
            } else {
              b.append('\ufffd');
            }
          } else if (Character.isLowSurrogate(c)) {
            b.append('\ufffd');
          } else {
            b.append(c);
          }
        }
      }
    }
  }

  static String escape(String s) {
    StringBuilder b = new StringBuilder();
    escape(b, s);
    return b.toString();
  }

  // ---------------------------------------------------------------------------------------------
  // Tallies

  /** Counts per value, at most {@link #MAX_KEYS} values, the rest counted together. */
  private static final class Tally {
    private final int width;
    private final HashMap<String, long[]> counts = new HashMap<>();
    private long[] rest;

    Tally(int width) {
      this.width = width;
    }

    long[] slot(String key) {
      String k = key == null ? "" : key;
      long[] v = counts.get(k);
      if (v == null) {
        if (counts.size() >= MAX_KEYS) {
          if (rest == null) {
            rest = new long[width];
          }
          return rest;
        }
        v = new long[width];
        counts.put(k, v);
      }
      return v;
    }

    /** Largest first by the column, then by name; values beyond the cap last. */
    List<Map.Entry<String, long[]>> sorted(int column) {
      List<Map.Entry<String, long[]>> rows = new ArrayList<>(counts.entrySet());
      rows.sort(
          Comparator.comparingLong((Map.Entry<String, long[]> e) -> -e.getValue()[column])
              .thenComparing(Map.Entry::getKey));
      if (rest != null) {
        rows.add(Map.entry(OTHER_VALUES, rest));
      }
      return rows;
    }
  }

  /** The throttled calls of one day of the zone. */
  private static final class Day {
    long calls;
    final Tally reasons = new Tally(1);
  }

  /** A denied call kept for the list, with its place in the input to keep ties in order. */
  private record Listed(long second, int nano, long seq, Decision decision) {
    static final Comparator<Listed> ORDER =
        Comparator.comparingLong(Listed::second)
            .thenComparingInt(Listed::nano)
            .thenComparingLong(Listed::seq);
  }

  /** What one section's decisions add up to, read in one pass. */
  private static final class Stats {
    final Section section;
    long calls;
    final long[] outcome = new long[4];
    long outside;
    long undated;
    final long[][] buckets;
    final Tally channels = new Tally(1);
    final Tally points = new Tally(1);

    /** calls, permit, deny, throttle, other, records delivered, bytes delivered. */
    final Tally datasets = new Tally(7);

    /** calls, permit, deny, throttle, other. */
    final Tally purposes = new Tally(5);

    final Tally denyReasons = new Tally(1);
    final Tally throttleReasons = new Tally(1);
    final TreeMap<Long, Day> throttleDays = new TreeMap<>();
    long multiReason;

    /** The earliest denied calls, the latest of them at the head. */
    final PriorityQueue<Listed> denied =
        new PriorityQueue<>(MAX_LISTED_DENIALS + 1, Listed.ORDER.reversed());

    private Stats(Section section, Timeline timeline) {
      this.section = section;
      this.buckets = new long[timeline == null ? 0 : timeline.size()][4];
    }

    static Stats of(Section s, Timeline timeline, ZoneId zone) {
      Stats st = new Stats(s, timeline);
      ZoneRules rules = zone.getRules();
      int fixedOffset =
          rules.isFixedOffset() ? rules.getOffset(Instant.EPOCH).getTotalSeconds() : 0;
      long seq = 0;
      for (Decision c : s.decisions()) {
        if (c == null) {
          continue;
        }
        seq++;
        st.calls++;
        int o = outcome(c.decision());
        st.outcome[o]++;
        Instant at = c.at();
        long second = Long.MAX_VALUE;
        if (at == null) {
          st.undated++;
        } else {
          second = at.getEpochSecond();
          int b = timeline == null ? -1 : timeline.bucket(second);
          if (b < 0) {
            st.outside++;
          } else {
            st.buckets[b][o]++;
          }
        }
        st.channels.slot(c.channel())[0]++;
        st.points.slot(c.point())[0]++;
        long[] ds = st.datasets.slot(c.dataset());
        ds[0]++;
        ds[1 + o]++;
        if (o == PERMIT) {
          ds[5] += c.records();
          ds[6] += c.bytes();
        }
        long[] p = st.purposes.slot(c.purpose());
        p[0]++;
        p[1 + o]++;
        if (o == DENY) {
          if (countReasons(st.denyReasons, c.reasons()) > 1) {
            st.multiReason++;
          }
          st.keepDenied(second, at == null ? 0 : at.getNano(), seq, c);
        } else if (o == THROTTLE) {
          countReasons(st.throttleReasons, c.reasons());
          if (at != null) {
            int offset =
                rules.isFixedOffset() ? fixedOffset : rules.getOffset(at).getTotalSeconds();
            long day = Math.floorDiv(second + offset, 86_400L);
            Day throttledDay = st.throttleDays.computeIfAbsent(day, k -> new Day());
            throttledDay.calls++;
            countReasons(throttledDay.reasons, c.reasons());
          }
        }
      }
      return st;
    }

    /** Counts each distinct reason once; returns how many there were. */
    private static int countReasons(Tally into, List<String> reasons) {
      if (reasons.isEmpty()) {
        into.slot(NO_REASON)[0]++;
        return 1;
      }
      int distinct = 0;
      for (int i = 0; i < reasons.size(); i++) {
        String r = reasons.get(i);
        if (reasons.subList(0, i).contains(r)) {
          continue;
        }
        into.slot(r == null || r.isEmpty() ? NO_REASON : r)[0]++;
        distinct++;
      }
      return distinct;
    }

    private void keepDenied(long second, int nano, long seq, Decision c) {
      if (denied.size() < MAX_LISTED_DENIALS) {
        denied.add(new Listed(second, nano, seq, c));
        return;
      }
      Listed latest = denied.peek();
      if (second > latest.second() || (second == latest.second() && nano >= latest.nano())) {
        return; // the common case, calls in time order: nothing to do
      }
      denied.poll();
      denied.add(new Listed(second, nano, seq, c));
    }

    /** The billed amount of all months, per currency, or "unpriced". */
    String billed() {
      Map<String, BigDecimal> sums = new LinkedHashMap<>();
      int unpriced = 0;
      int months = 0;
      for (Usage u : section.usage()) {
        if (u == null) {
          continue;
        }
        months++;
        BigDecimal v = decimal(u.amount());
        if (v == null) {
          unpriced++;
          continue;
        }
        sums.merge(u.currency() == null ? "" : u.currency(), v, BigDecimal::add);
      }
      if (months == 0) {
        return "none";
      }
      StringBuilder b = new StringBuilder();
      for (Map.Entry<String, BigDecimal> e : sums.entrySet()) {
        if (b.length() > 0) {
          b.append(" + ");
        }
        b.append(amount(e.getValue().toPlainString()));
        if (!e.getKey().isEmpty()) {
          b.append(' ').append(e.getKey());
        }
      }
      if (unpriced > 0) {
        if (b.length() > 0) {
          b.append(", ");
        }
        b.append(
            unpriced == months ? "unpriced" : plural(unpriced, "month", "months") + " unpriced");
      }
      return b.toString();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Time buckets

  /** The bars of a timeline: hours, days or months of the zone, at most {@link #MAX_BARS}. */
  static final class Timeline {
    final ChronoUnit unit;
    final int step;
    final String unitName;
    private final ZonedDateTime[] bounds;
    private final long[] seconds;

    /** Hours between labels (hour bars), else bars between labels. */
    private final long labelEvery;

    private Timeline(ChronoUnit unit, int step, List<ZonedDateTime> bounds) {
      this.unit = unit;
      this.step = step;
      String name =
          unit == ChronoUnit.MINUTES
              ? "minute"
              : unit == ChronoUnit.HOURS ? "hour" : unit == ChronoUnit.DAYS ? "day" : "month";
      this.unitName = step == 1 ? name : step + " " + name + "s";
      this.bounds = bounds.toArray(new ZonedDateTime[0]);
      this.seconds = new long[this.bounds.length];
      for (int i = 0; i < this.bounds.length; i++) {
        seconds[i] = this.bounds[i].toEpochSecond();
      }
      int bars = size();
      if (unit == ChronoUnit.HOURS) {
        // labels at hours that divide the day (every 6 hours, every midnight, ...)
        long every = step;
        for (long l : new long[] {1, 2, 3, 4, 6, 12, 24, 48, 72, 96, 120, 168, 336}) {
          every = l;
          if (l % step == 0 && (long) bars * step / l <= 9) {
            break;
          }
        }
        this.labelEvery = every;
      } else {
        long every = 1;
        for (long l : new long[] {1, 2, 3, 4, 5, 6, 7, 10, 12, 15, 20, 30, 60}) {
          every = l;
          if ((bars + l - 1) / l <= 12) {
            break;
          }
        }
        this.labelEvery = every;
      }
    }

    static Timeline of(Instant from, Instant to, ZoneId zone) {
      ZonedDateTime start = from.atZone(zone);
      Duration length = Duration.between(from, to);
      if (length.toMinutes() <= 120) {
        // a short range (a demo, an incident): minutes
        for (int step : new int[] {1, 2, 5, 10, 15, 30}) {
          ZonedDateTime s = start.truncatedTo(ChronoUnit.MINUTES);
          s = s.minusMinutes(s.getMinute() % step);
          List<ZonedDateTime> b = bounds(s, to, ChronoUnit.MINUTES, step, MAX_BARS);
          if (b != null) {
            return new Timeline(ChronoUnit.MINUTES, step, b);
          }
        }
      }
      if (length.toHours() <= MAX_BARS * 12L) {
        for (int step : new int[] {1, 2, 3, 4, 6, 12}) {
          ZonedDateTime s = start.truncatedTo(ChronoUnit.HOURS);
          s = s.minusHours(s.getHour() % step);
          List<ZonedDateTime> b = bounds(s, to, ChronoUnit.HOURS, step, MAX_BARS);
          if (b != null) {
            return new Timeline(ChronoUnit.HOURS, step, b);
          }
        }
      }
      if (length.toDays() <= MAX_BARS + 2) {
        ZonedDateTime s = start.toLocalDate().atStartOfDay(zone);
        List<ZonedDateTime> b = bounds(s, to, ChronoUnit.DAYS, 1, MAX_BARS + 2);
        if (b != null) {
          return new Timeline(ChronoUnit.DAYS, 1, b);
        }
      }
      LocalDate month = start.toLocalDate().withDayOfMonth(1);
      long index = month.getYear() * 12L + month.getMonthValue() - 1;
      for (int step = 1; ; step = step == 1 ? 2 : step == 2 ? 3 : step == 3 ? 6 : step * 2) {
        LocalDate first = month.minusMonths(Math.floorMod(index, step));
        List<ZonedDateTime> b =
            bounds(first.atStartOfDay(zone), to, ChronoUnit.MONTHS, step, MAX_BARS + 2);
        if (b != null) {
          return new Timeline(ChronoUnit.MONTHS, step, b);
        }
      }
    }

    /** The bucket bounds from start until past to, or null when there would be more than max. */
    private static List<ZonedDateTime> bounds(
        ZonedDateTime start, Instant to, ChronoUnit unit, int step, int max) {
      List<ZonedDateTime> b = new ArrayList<>();
      ZonedDateTime t = start;
      b.add(t);
      while (t.toInstant().isBefore(to)) {
        if (b.size() > max) {
          return null;
        }
        // hours on the time line (equal bars across a change of offset), days and months by the
        // calendar of the zone
        t =
            unit == ChronoUnit.HOURS
                ? start.plusHours((long) step * (b.size()))
                : unit == ChronoUnit.MINUTES
                    ? start.plusMinutes((long) step * b.size())
                    : start.plus((long) step * b.size(), unit);
        b.add(t);
      }
      return b;
    }

    int size() {
      return bounds.length - 1;
    }

    Instant start() {
      return bounds[0].toInstant();
    }

    Instant end() {
      return bounds[bounds.length - 1].toInstant();
    }

    /** The bar of an epoch second, -1 outside. */
    int bucket(long second) {
      if (second < seconds[0] || second >= seconds[seconds.length - 1]) {
        return -1;
      }
      int i = Arrays.binarySearch(seconds, second);
      return i >= 0 ? i : -i - 2;
    }

    boolean labelled(int i) {
      ZonedDateTime t = bounds[i];
      if (unit == ChronoUnit.HOURS) {
        if (labelEvery < 24) {
          return t.getHour() % labelEvery == 0;
        }
        return t.getHour() < step && t.toLocalDate().toEpochDay() % (labelEvery / 24) == 0;
      }
      if (unit == ChronoUnit.MONTHS) {
        long index = (t.getYear() * 12L + t.getMonthValue() - 1) / step;
        return index % labelEvery == 0;
      }
      return i % labelEvery == 0;
    }

    String label(int i) {
      ZonedDateTime t = bounds[i];
      return switch (unit) {
        case HOURS, MINUTES -> HOUR_LABEL.format(t);
        case DAYS -> DAY_LABEL.format(t);
        default -> MONTH_LABEL.format(t);
      };
    }

    String tooltip(int i) {
      ZonedDateTime t = bounds[i];
      return switch (unit) {
        case HOURS, MINUTES ->
            TIME.format(t) + " to " + HOUR_LABEL.format(bounds[i + 1]).substring(6);
        case DAYS -> DAY.format(t);
        default ->
            step == 1
                ? MONTH_LABEL.format(t)
                : MONTH_LABEL.format(t) + " to " + MONTH_LABEL.format(bounds[i + 1].minusDays(1));
      };
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Style: no font, image or sheet from outside; colours that also print.

  private static final String CSS =
      """
      :root { color-scheme: light; }
      * { box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
      body { margin: 0; background: #f3f4f6; color: #1d2330;
        font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC",
          "PingFang SC", "Microsoft YaHei", "DejaVu Sans", sans-serif; }
      main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 40px; }
      header.page h1 { font-size: 26px; margin: 2px 0 6px; overflow-wrap: anywhere; }
      .kicker { margin: 0; color: #5b6472; font-size: 12px; text-transform: uppercase;
        letter-spacing: .06em; }
      .meta { margin: 0 0 8px; color: #39414f; }
      section.summary, section.contract { background: #fff; border: 1px solid #d8dce2;
        border-radius: 8px; padding: 18px 24px 22px; margin: 20px 0; }
      h2 { font-size: 21px; margin: 2px 0 4px; overflow-wrap: anywhere; }
      section.summary h2 { margin-bottom: 8px; }
      h3 { font-size: 17px; margin: 26px 0 8px; padding-bottom: 4px;
        border-bottom: 2px solid #e3e6ea; }
      h4 { font-size: 14px; margin: 16px 0 6px; color: #39414f; }
      .contract-head { display: flex; justify-content: space-between; align-items: flex-start;
        gap: 16px; }
      .parties { margin: 2px 0 0; overflow-wrap: anywhere; }
      .head-badge { flex: none; padding-top: 6px; }
      table { border-collapse: collapse; margin: 6px 0 10px; max-width: 100%; }
      table.wide { width: 100%; }
      th, td { padding: 4px 10px; border-bottom: 1px solid #e3e6ea; text-align: left;
        vertical-align: top; overflow-wrap: anywhere; }
      thead th { background: #f3f4f6; font-size: 12px; color: #39414f; font-weight: 600;
        border-bottom: 1px solid #c9ced6; white-space: nowrap; overflow-wrap: normal; }
      .nowrap { white-space: nowrap; overflow-wrap: normal; }
      tfoot th, tfoot td { border-top: 1px solid #c9ced6; border-bottom: none; font-weight: 600; }
      tbody th { font-weight: 500; }
      td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
      tr.rest td, tr.rest th { color: #5b6472; font-style: italic; }
      td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
      table.calls { font-size: 12px; line-height: 1.3; }
      table.calls td { padding: 2px 10px; }
      code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
        font-size: .9em; overflow-wrap: anywhere; }
      code.hash { word-break: break-all; }
      code.key { display: inline-block; background: #f3f4f6; border: 1px solid #e3e6ea;
        border-radius: 3px; padding: 0 5px; margin: 1px 4px 1px 0; }
      a { color: #1f5a96; }
      .muted { color: #5b6472; }
      .empty { color: #5b6472; font-style: italic; margin: 6px 0 10px; padding: 10px 14px;
        background: #f7f8fa; border: 1px dashed #c9ced6; border-radius: 6px; }
      .caption { color: #5b6472; font-size: 12.5px; margin: 2px 0 8px; }
      .more { color: #39414f; font-style: italic; }
      .chip { display: inline-block; border: 1px solid #d8dce2; border-radius: 10px;
        padding: 0 8px; margin: 1px 4px 1px 0; background: #fafbfc; overflow-wrap: anywhere; }
      dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px;
        margin: 6px 0 8px; }
      dl.facts dt { color: #5b6472; }
      dl.facts dd { margin: 0; overflow-wrap: anywhere; }
      .kpis { display: flex; flex-wrap: wrap; gap: 10px; margin: 14px 0 4px; }
      .kpi { flex: 1 1 150px; border: 1px solid #e3e6ea; border-left: 5px solid #5b6472;
        border-radius: 6px; padding: 6px 12px; background: #fafbfc; }
      .kpi .label { display: block; font-size: 12px; color: #5b6472; }
      .kpi .value { display: block; font-size: 20px; font-weight: 650;
        font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
      .badge { display: inline-block; padding: 2px 9px; border-radius: 4px; font-weight: 700;
        font-size: 12px; letter-spacing: .04em; color: #fff; white-space: nowrap;
        border: 2px solid transparent; }
      .badge.ok { background: #1a7f37; border-color: #1a7f37; }
      .badge.bad { background: #9f1d14; border-color: #9f1d14; }
      .badge.big { font-size: 22px; padding: 8px 20px; border-radius: 6px; }
      .evidence { border: 2px solid #1a7f37; border-radius: 8px; padding: 14px 18px;
        background: #f3faf5; }
      .evidence.bad { border-color: #9f1d14; background: #fdf3f2; }
      .evidence .message { font-size: 15px; font-weight: 600; margin: 10px 0 8px;
        overflow-wrap: anywhere; }
      .yes { color: #1a7f37; font-weight: 600; }
      .no { color: #9f1d14; font-weight: 700; }
      .in-force { color: #1a7f37; font-weight: 600; }
      .running { color: #8a5a00; font-weight: 600; }
      .unpriced { color: #8a5a00; font-style: italic; }
      .cols { display: flex; flex-wrap: wrap; gap: 0 32px; align-items: flex-start; }
      svg.chart { display: block; max-width: 100%; height: auto; margin: 4px 0; }
      svg.swatch { vertical-align: -1px; }
      svg.meter { vertical-align: -1px; }
      svg text { font-family: system-ui, "Noto Sans", "DejaVu Sans", sans-serif; fill: #39414f; }
      svg text.tick { font-size: 11px; }
      svg text.legend { font-size: 13px; fill: #1d2330; }
      svg text.label { font-size: 13px; fill: #1d2330; }
      svg text.value { font-size: 12px; font-weight: 600; }
      svg line.grid { stroke: #e3e6ea; stroke-width: 1; }
      svg line.axis { stroke: #8a8f98; stroke-width: 1; }
      footer { color: #5b6472; font-size: 12px; margin-top: 8px; }
      @page { size: A4; margin: 12mm; }
      @media print {
        body { background: #fff; font-size: 11.5px; }
        main { max-width: none; padding: 0; }
        section.summary, section.contract { border: none; padding: 0; margin: 0 0 12px; }
        section.contract { break-before: page; }
        h3, h4 { break-after: avoid; }
        tr, svg, .kpi, .evidence { break-inside: avoid; }
        a { color: inherit; text-decoration: none; }
      }
      """;
}
