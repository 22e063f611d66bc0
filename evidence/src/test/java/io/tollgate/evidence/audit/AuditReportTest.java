package io.tollgate.evidence.audit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.tollgate.evidence.audit.AuditData.Decision;
import io.tollgate.evidence.audit.AuditData.Quota;
import io.tollgate.evidence.audit.AuditData.Section;
import io.tollgate.evidence.audit.AuditData.Usage;
import io.tollgate.evidence.audit.AuditData.Verification;
import io.tollgate.evidence.audit.AuditData.Version;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The audit report as a person sees it: rendered by a real headless Chromium (Debian's {@code
 * chromium}, which CI installs), its screenshot and its DOM checked against figures computed here
 * from the input; and its limits (an empty section, a million decisions).
 */
class AuditReportTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");
  private static final String SCRIPT = "<script>alert(1)</script>";
  private static final String IMG = "\"><img src=x onerror=1>";
  private static final int WIDTH = 1280;
  private static final int HEIGHT = 2400;

  private static final Instant FROM =
      LocalDateTime.of(2026, 11, 28, 0, 0).atZone(SHANGHAI).toInstant();
  private static final Instant TO =
      LocalDateTime.of(2026, 12, 3, 0, 0).atZone(SHANGHAI).toInstant();

  // ---------------------------------------------------------------------------------------------
  // Two realistic sections, in a browser.

  @Test
  void twoSectionsRenderInChromiumWithTheirFiguresAndHostileTextAsText(@TempDir Path dir)
      throws Exception {
    if (!Files.isExecutable(CHROMIUM)) {
      fail(
          "headless Chromium is needed at "
              + CHROMIUM
              + " to render the audit report: install Debian's package (apt-get install chromium);"
              + " CI installs it");
    }
    AuditData data = twoSections();
    String html = AuditReport.render(data);
    assertSelfContained(html);
    assertWellFormed(html);

    Path page = dir.resolve("report.html");
    Files.writeString(page, html, UTF_8);
    Path shot = dir.resolve("shot.png");
    chromium(
        dir,
        "shot",
        List.of(
            "--hide-scrollbars",
            "--window-size=" + WIDTH + "," + HEIGHT,
            "--screenshot=" + shot,
            page.toUri().toString()),
        null);
    Path dom = dir.resolve("dom.html");
    chromium(dir, "dom", List.of("--dump-dom", page.toUri().toString()), dom);

    // Keep what a human looks at.
    Path target = Path.of(System.getProperty("basedir", ".")).resolve("target");
    Files.createDirectories(target);
    Files.copy(shot, target.resolve("audit-report.png"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(page, target.resolve("audit-report.html"), StandardCopyOption.REPLACE_EXISTING);

    // The screenshot: a PNG of the asked width, with the charts and the badge drawn.
    byte[] png = Files.readAllBytes(shot);
    assertThat(png)
        .as("screenshot is a PNG")
        .startsWith(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
    assertThat(image).as("ImageIO reads the screenshot").isNotNull();
    assertThat(image.getWidth()).isEqualTo(WIDTH);
    assertThat(image.getHeight()).isEqualTo(HEIGHT);
    Map<Integer, Integer> colours = histogram(image);
    assertThat(colours.size()).as("distinct colours in the screenshot").isGreaterThan(200);
    assertThat(pixels(colours, AuditReport.PERMIT_COLOUR))
        .as("permit bars drawn")
        .isGreaterThan(5_000);
    assertThat(pixels(colours, AuditReport.DENY_COLOUR)).as("deny bars drawn").isGreaterThan(500);
    assertThat(pixels(colours, AuditReport.THROTTLE_COLOUR))
        .as("throttle bars drawn")
        .isGreaterThan(500);
    assertThat(pixels(colours, AuditReport.VERIFIED_COLOUR))
        .as("green VERIFIED badge drawn")
        .isGreaterThan(300);
    assertThat(pixels(colours, AuditReport.NOT_VERIFIED_COLOUR))
        .as("red NOT VERIFIED badge drawn")
        .isGreaterThan(300);

    // The DOM as Chromium built it: no element from the data, the figures as text.
    String dumped = Files.readString(dom, UTF_8);
    assertThat(dumped).as("Chromium dumped a DOM").contains("<body").contains("</html>");
    assertThat(dumped.toLowerCase(Locale.ROOT)).doesNotContain("<script").doesNotContain("<img");
    String text = text(dumped);
    for (Section s : data.sections()) {
      assertThat(text).contains(s.consumer()).contains(s.provider()).contains(s.contract());
      long[] outcome = outcomes(s.decisions());
      assertThat(text)
          .contains("permit " + n(outcome[0]))
          .contains("deny " + n(outcome[1]))
          .contains("throttle " + n(outcome[2]))
          .contains("all calls " + n(s.decisions().size()));
      for (Map.Entry<String, Long> r : reasons(s.decisions(), "DENY").entrySet()) {
        assertThat(text).contains(r.getKey() + " " + n(r.getValue()));
      }
      for (Map.Entry<String, Long> r : reasons(s.decisions(), "THROTTLE").entrySet()) {
        assertThat(text).contains(r.getKey() + " " + n(r.getValue()));
      }
    }
    assertThat(text).contains("✔ VERIFIED").contains("✘ NOT VERIFIED");
    assertThat(text).contains(SCRIPT).contains(IMG).contains("sftp & <b>batch</b>");
    assertThat(text).contains("Who used the data (谁使用了数据)").contains("Violations (违约尝试)");
    assertThat(text).contains("unpriced").contains("no limit").contains("all fields");
    assertThat(text).contains("2026-11-28 00:00");
  }

  // ---------------------------------------------------------------------------------------------
  // Limits.

  @Test
  void sectionWithoutCallsOrUsageSaysSoAndDrawsNoChart() throws Exception {
    Section quiet =
        new Section(
            "idle-consumer",
            "sh-credit-bureau",
            "cr-idle-2026",
            List.of(
                new Version(
                    "v1",
                    FROM.minus(Duration.ofDays(30)),
                    null,
                    List.of("credit-report"),
                    List.of(),
                    List.of("credit-assessment"))),
            List.of(),
            List.of(),
            null,
            new Verification(
                true,
                "0 entries verify",
                "log.tollgate.example/sh",
                0,
                "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                List.of(),
                TO));
    String html = AuditReport.render(new AuditData("Idle", FROM, TO, TO, SHANGHAI, List.of(quiet)));
    assertSelfContained(html);
    assertWellFormed(html);
    String text = text(html);
    assertThat(text)
        .contains("no calls in this range")
        .contains("no denied calls in this range")
        .contains("no throttled calls in this range")
        .contains("no billed usage in this range")
        .contains("no quota in this contract")
        .contains("all fields")
        .contains("✔ VERIFIED");
    assertThat(html).doesNotContain("class=\"chart");
  }

  @Test
  void aMillionDecisionsAreCountedNotDrawn() throws Exception {
    Instant from = LocalDateTime.of(2026, 11, 1, 0, 0).atZone(SHANGHAI).toInstant();
    Instant to = LocalDateTime.of(2026, 12, 1, 0, 0).atZone(SHANGHAI).toInstant();
    List<Decision> million = new GeneratedDecisions(from, Duration.between(from, to), 1_000_000);
    Section big =
        new Section(
            "bank-of-pudong",
            "sh-credit-bureau",
            "cr-bank-of-pudong-2026",
            List.of(
                new Version(
                    "v1",
                    from.minus(Duration.ofDays(60)),
                    null,
                    List.of("credit-report"),
                    List.of("name", "credit_score"),
                    List.of("credit-assessment"))),
            million,
            List.of(
                new Usage(
                    "2026-11",
                    true,
                    930_000,
                    1_860_000,
                    2_790_000_000L,
                    "1395000.00",
                    "CNY",
                    Map.of("deny:purpose", 50_000L))),
            new Quota(12_000L, 50_000L, 930_000L, 2_000_000L, 930_000L, null),
            new Verification(
                true,
                "1,000,000 entries verify",
                "log.tollgate.example/sh",
                1_000_000,
                "bXlyb290",
                List.of("tollgate-sh+1a2b3c4d"),
                to));
    String html =
        AuditReport.render(new AuditData("November", from, to, to, SHANGHAI, List.of(big)));

    long[] outcome = outcomes(million);
    assertThat(outcome[0] + outcome[1] + outcome[2]).isEqualTo(1_000_000);
    String text = text(html);
    assertThat(text)
        .contains("all calls 1,000,000")
        .contains("permit " + n(outcome[0]))
        .contains("deny " + n(outcome[1]))
        .contains("throttle " + n(outcome[2]));
    for (Map.Entry<String, Long> r : reasons(million, "DENY").entrySet()) {
      assertThat(text).contains(r.getKey() + " " + n(r.getValue()));
    }
    long permittedRecords = 0;
    for (Decision d : million) {
      if (d.decision().equals("PERMIT")) {
        permittedRecords += d.records();
      }
    }
    assertThat(text).contains(n(permittedRecords));
    assertThat(text)
        .contains("the first 500 of " + n(outcome[1]))
        .contains("and " + n(outcome[1] - 500) + " more denied calls");
    // at most 500 listed calls, one bar per day, a bounded page
    assertThat(count(html, "<tr><td class=\"time\">")).isEqualTo(500);
    assertThat(count(html, "<rect")).isLessThan(400);
    assertThat(html.length()).isLessThan(1_000_000);
    assertWellFormed(html);
  }

  @Test
  void timelineBucketsFollowTheRange() {
    Instant start = LocalDateTime.of(2026, 12, 2, 9, 30).atZone(SHANGHAI).toInstant();
    AuditReport.Timeline hours =
        AuditReport.Timeline.of(start, start.plus(Duration.ofHours(10)), SHANGHAI);
    assertThat(hours.unitName).isEqualTo("hour");
    assertThat(hours.size()).isEqualTo(11);
    AuditReport.Timeline fiveDays = AuditReport.Timeline.of(FROM, TO, SHANGHAI);
    assertThat(fiveDays.unitName).isEqualTo("2 hours");
    assertThat(fiveDays.size()).isEqualTo(60);
    AuditReport.Timeline days =
        AuditReport.Timeline.of(start, start.plus(Duration.ofDays(40)), SHANGHAI);
    assertThat(days.unitName).isEqualTo("day");
    assertThat(days.size()).isEqualTo(41);
    AuditReport.Timeline months =
        AuditReport.Timeline.of(start, start.plus(Duration.ofDays(730)), SHANGHAI);
    assertThat(months.unitName).isEqualTo("month");
    assertThat(months.size()).isBetween(24, 25);
    AuditReport.Timeline decades =
        AuditReport.Timeline.of(start, start.plus(Duration.ofDays(36_500)), SHANGHAI);
    assertThat(decades.size()).isLessThanOrEqualTo(AuditReport.MAX_BARS);
    // bars cover the range; a second falls in the bar that holds it
    assertThat(fiveDays.start()).isEqualTo(FROM);
    assertThat(fiveDays.end()).isEqualTo(TO);
    assertThat(fiveDays.bucket(FROM.getEpochSecond())).isZero();
    assertThat(fiveDays.bucket(FROM.getEpochSecond() + 7_199)).isZero();
    assertThat(fiveDays.bucket(FROM.getEpochSecond() + 7_200)).isEqualTo(1);
    assertThat(fiveDays.bucket(TO.getEpochSecond())).isEqualTo(-1);
    assertThat(fiveDays.bucket(FROM.getEpochSecond() - 1)).isEqualTo(-1);
  }

  @Test
  void escapingAndNumbers() {
    assertThat(AuditReport.escape("a<b>&\"c'\u0000\ud800"))
        .isEqualTo("a&lt;b&gt;&amp;&quot;c&#39;\ufffd\ufffd");
    assertThat(AuditReport.escape("数据 😀")).isEqualTo("数据 😀");
    assertThat(AuditReport.num(1_234_567)).isEqualTo("1,234,567");
    assertThat(AuditReport.amount("1234567.50")).isEqualTo("1,234,567.50");
    assertThat(AuditReport.amount("-0.5")).isEqualTo("-0.5");
    assertThat(AuditReport.amount("1E999999999")).isEqualTo("1E999999999");
    assertThat(AuditReport.bytes(1536)).isEqualTo("1,536 (1.5 KiB)");
    assertThat(AuditReport.niceStep(1234, 4)).isEqualTo(500);
  }

  // ---------------------------------------------------------------------------------------------
  // The data: a credit bureau's reports used by a lender and by a fleet platform.

  private static AuditData twoSections() {
    Random random = new Random(20261202);
    List<Decision> lender = new ArrayList<>();
    long span = Duration.between(FROM, TO).getSeconds();
    for (int i = 0; i < 3_200; i++) {
      Instant at = FROM.plusSeconds(span * i / 3_200 + random.nextInt(60));
      double r = random.nextDouble();
      String dataset = random.nextInt(10) == 0 ? "enterprise-registry" : "credit-report";
      String channel = random.nextInt(7) == 0 ? "batch" : "api";
      String point =
          channel.equals("batch") ? "stream-enforcer" : "gw-sh-0" + (1 + random.nextInt(2));
      if (r < 0.07) {
        lender.add(decision(at, "DENY", List.of("purpose"), dataset, "marketing", channel, point));
      } else if (r < 0.10) {
        lender.add(
            decision(at, "DENY", List.of("region"), dataset, "credit-assessment", channel, point));
      } else if (r < 0.11) {
        lender.add(
            decision(
                at,
                "DENY",
                List.of("purpose", "region"),
                dataset,
                "cross-selling",
                channel,
                point));
      } else if (r < 0.16 || (at.getEpochSecond() / 3600) % 24 == 2) {
        lender.add(
            decision(
                at, "THROTTLE", List.of("rate"), dataset, "credit-assessment", channel, point));
      } else {
        String purpose = random.nextInt(5) == 0 ? "loan-monitoring" : "credit-assessment";
        lender.add(
            new Decision(
                at,
                "PERMIT",
                List.of(),
                dataset,
                "read",
                purpose,
                channel,
                point,
                1 + random.nextInt(3),
                800 + random.nextInt(3_200)));
      }
    }
    List<Decision> fleet = new ArrayList<>();
    for (int i = 0; i < 1_700; i++) {
      Instant at = FROM.plusSeconds(span * i / 1_700 + random.nextInt(120));
      double r = random.nextDouble();
      String channel = random.nextInt(4) == 0 ? "sftp & <b>batch</b>" : "api";
      String point = "gw-hd-01";
      if (r < 0.09) {
        fleet.add(
            decision(at, "DENY", List.of("purpose"), "driver-credit", SCRIPT, channel, point));
      } else if (r < 0.14) {
        fleet.add(
            decision(
                at, "DENY", List.of("region"), "driver-credit", "driver-vetting", channel, point));
      } else if (r < 0.16) {
        fleet.add(decision(at, "DENY", List.of("fields"), "driver-credit", IMG, channel, point));
      } else if (r < 0.24) {
        fleet.add(
            decision(
                at,
                "THROTTLE",
                List.of(r < 0.22 ? "rate" : "quota"),
                "driver-credit",
                "driver-vetting",
                channel,
                point));
      } else {
        fleet.add(
            new Decision(
                at,
                "PERMIT",
                List.of(),
                "driver-credit",
                "read",
                "driver-vetting",
                channel,
                point,
                1,
                1_200 + random.nextInt(800)));
      }
    }
    Instant v2 = LocalDateTime.of(2026, 12, 1, 10, 0).atZone(SHANGHAI).toInstant();
    Section a =
        new Section(
            "bank-of-pudong",
            "sh-credit-bureau",
            "cr-bank-of-pudong-2026",
            List.of(
                new Version(
                    "v1-5b7c0e3f",
                    LocalDateTime.of(2026, 10, 1, 9, 0).atZone(SHANGHAI).toInstant(),
                    v2,
                    List.of("credit-report"),
                    List.of("name", "credit_score", "registered_capital"),
                    List.of("credit-assessment")),
                new Version(
                    "v2-ac3a5f60",
                    v2,
                    null,
                    List.of("credit-report", "enterprise-registry"),
                    List.of(),
                    List.of("credit-assessment", "loan-monitoring"))),
            lender,
            List.of(
                new Usage(
                    "2026-11",
                    true,
                    1_804,
                    3_611,
                    4_377_210,
                    "2706.00",
                    "CNY",
                    Map.of("deny:purpose", 131L, "deny:region", 60L, "throttle:rate", 97L)),
                new Usage(
                    "2026-12",
                    false,
                    1_015,
                    2_034,
                    2_455_902,
                    "1522.50",
                    "CNY",
                    Map.of("deny:purpose", 72L, "throttle:rate", 55L))),
            new Quota(412L, 500L, 1_015L, 20_000L, 52_340L, null),
            new Verification(
                true,
                "5,204 entries verify: tree of 5,204, checkpoint signed by tollgate-sh",
                "log.tollgate.example/sh-credit-bureau",
                5_204,
                "q2k6wQ7d9HqKj3n8v4pW1+0sVf3ZsYpQ2vT8mX1rLcE=",
                List.of("tollgate-sh+5b7c0e3f", "auditor-cn+91a0d2c4"),
                TO.plusSeconds(600)));
    Section b =
        new Section(
            "huadong-fleet",
            "sh-credit-bureau",
            "cr-fleet-2026" + IMG,
            List.of(
                new Version(
                    "v1-82a734f3",
                    LocalDateTime.of(2026, 11, 15, 0, 0).atZone(SHANGHAI).toInstant(),
                    null,
                    List.of("driver-credit"),
                    List.of("name", "licence_class", "score_band"),
                    List.of("driver-vetting"))),
            fleet,
            List.of(
                new Usage(
                    "2026-11", true, 402, 402, 612_440, "0.00", "CNY", Map.of("deny:purpose", 41L)),
                new Usage(
                    "2026-12",
                    false,
                    871,
                    871,
                    1_307_118,
                    null,
                    null,
                    Map.of("deny:" + SCRIPT, 12L, "throttle:rate", 40L))),
            new Quota(118L, 200L, 871L, null, null, null),
            new Verification(
                false,
                "entry 1,187 does not verify: its leaf hash differs from tile/0/004 ("
                    + SCRIPT
                    + ")",
                "log.tollgate.example/sh-credit-bureau",
                1_402,
                "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5",
                List.of("tollgate-sh+5b7c0e3f"),
                TO.plusSeconds(600)));
    return new AuditData(
        "Compliance audit, sh-credit-bureau, 2026-11-28 to 2026-12-03",
        FROM,
        TO,
        TO.plusSeconds(900),
        SHANGHAI,
        List.of(a, b));
  }

  private static Decision decision(
      Instant at,
      String outcome,
      List<String> reasons,
      String dataset,
      String purpose,
      String channel,
      String point) {
    return new Decision(at, outcome, reasons, dataset, "read", purpose, channel, point, 0, 0);
  }

  /** A million decisions made on demand, so that only the report's own memory is measured. */
  private static final class GeneratedDecisions extends AbstractList<Decision> {
    private static final List<String> PURPOSE = List.of("purpose");
    private static final List<String> REGION = List.of("region");
    private static final List<String> RATE = List.of("rate");
    private static final List<String> NONE = List.of();
    private final Instant from;
    private final long spanNanos;
    private final int size;

    GeneratedDecisions(Instant from, Duration span, int size) {
      this.from = from;
      this.spanNanos = span.toNanos();
      this.size = size;
    }

    @Override
    public Decision get(int i) {
      Instant at = from.plusNanos(spanNanos / size * i);
      String channel = i % 3 == 0 ? "batch" : "api";
      if (i % 20 == 0) {
        return new Decision(
            at, "DENY", PURPOSE, "credit-report", "read", "marketing", channel, "gw-sh-01", 0, 0);
      }
      if (i % 20 == 1) {
        return new Decision(
            at,
            "DENY",
            REGION,
            "credit-report",
            "read",
            "credit-assessment",
            channel,
            "gw-sh-02",
            0,
            0);
      }
      if (i % 50 == 7) {
        return new Decision(
            at,
            "THROTTLE",
            RATE,
            "credit-report",
            "read",
            "credit-assessment",
            channel,
            "gw-sh-01",
            0,
            0);
      }
      return new Decision(
          at,
          "PERMIT",
          NONE,
          "credit-report",
          "read",
          "credit-assessment",
          channel,
          "gw-sh-0" + (1 + i % 2),
          1 + i % 3,
          1_000 + i % 500);
    }

    @Override
    public int size() {
      return size;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Expected figures, computed from the input.

  private static long[] outcomes(List<Decision> decisions) {
    long[] n = new long[3];
    for (Decision d : decisions) {
      switch (d.decision()) {
        case "PERMIT" -> n[0]++;
        case "DENY" -> n[1]++;
        case "THROTTLE" -> n[2]++;
        default -> throw new AssertionError(d.decision());
      }
    }
    return n;
  }

  private static Map<String, Long> reasons(List<Decision> decisions, String outcome) {
    Map<String, Long> n = new LinkedHashMap<>();
    for (Decision d : decisions) {
      if (d.decision().equals(outcome)) {
        for (String r : new HashSet<>(d.reasons())) {
          n.merge(r, 1L, Long::sum);
        }
      }
    }
    return n;
  }

  private static String n(long v) {
    return String.format(Locale.ROOT, "%,d", v);
  }

  // ---------------------------------------------------------------------------------------------
  // What the page must be.

  private static void assertSelfContained(String html) {
    String lower = html.toLowerCase(Locale.ROOT);
    assertThat(lower).startsWith("<!doctype html>");
    assertThat(lower).contains("<meta charset=\"utf-8\"/>");
    assertThat(lower)
        .doesNotContain("<script")
        .doesNotContain("<link")
        .doesNotContain("<img")
        .doesNotContain("<iframe")
        .doesNotContain("@import")
        .doesNotContain("url(")
        .doesNotContain("src=\"http")
        .doesNotContain("href=\"http")
        .doesNotContain("javascript:");
    Matcher href = Pattern.compile("href=\"([^\"]*)\"").matcher(html);
    while (href.find()) {
      assertThat(href.group(1)).as("links stay on the page").startsWith("#");
    }
  }

  /** Parses the page as XML: every element closed, every attribute quoted, nothing foreign. */
  private static void assertWellFormed(String html) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(false);
    f.setValidating(false);
    f.setExpandEntityReferences(false);
    f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    f.setFeature("http://xml.org/sax/features/external-general-entities", false);
    f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
    DocumentBuilder builder = f.newDocumentBuilder();
    builder.setErrorHandler(null);
    Document doc = builder.parse(new ByteArrayInputStream(html.getBytes(UTF_8)));
    Element root = doc.getDocumentElement();
    assertThat(root.getTagName()).isEqualTo("html");
    assertThat(root.getElementsByTagName("head").getLength()).isEqualTo(1);
    assertThat(root.getElementsByTagName("body").getLength()).isEqualTo(1);
    assertThat(root.getElementsByTagName("title").item(0).getParentNode().getNodeName())
        .isEqualTo("head");
    Set<String> ids = new HashSet<>();
    List<String> hrefs = new ArrayList<>();
    NodeList all = root.getElementsByTagName("*");
    Set<String> banned =
        Set.of(
            "script", "link", "img", "iframe", "object", "embed", "image", "use", "foreignObject");
    for (int i = 0; i < all.getLength(); i++) {
      Element e = (Element) all.item(i);
      assertThat(banned).as("element <%s>", e.getTagName()).doesNotContain(e.getTagName());
      NamedNodeMap attributes = e.getAttributes();
      for (int j = 0; j < attributes.getLength(); j++) {
        Node a = attributes.item(j);
        assertThat(a.getNodeName().toLowerCase(Locale.ROOT)).as("attribute").doesNotStartWith("on");
        if (a.getNodeName().equals("id")) {
          assertThat(ids.add(a.getNodeValue())).as("unique id %s", a.getNodeValue()).isTrue();
        }
        if (a.getNodeName().equals("href")) {
          hrefs.add(a.getNodeValue());
        }
      }
    }
    for (String href : hrefs) {
      assertThat(ids).as("anchor %s exists", href).contains(href.substring(1));
    }
  }

  /** The text a reader sees: tags and the style dropped, entities read, spaces collapsed. */
  private static String text(String html) {
    String t = html.replaceAll("(?s)<style[^>]*>.*?</style>", " ");
    t = t.replaceAll("(?s)<[^>]*>", " ");
    t = t.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'");
    t = t.replace("&nbsp;", " ").replace("&#160;", " ").replace("&amp;", "&");
    return t.replaceAll("\\s+", " ");
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + what.length())) {
      n++;
    }
    return n;
  }

  private static Map<Integer, Integer> histogram(BufferedImage image) {
    Map<Integer, Integer> h = new HashMap<>();
    int[] row = new int[image.getWidth()];
    for (int y = 0; y < image.getHeight(); y++) {
      image.getRGB(0, y, row.length, 1, row, 0, row.length);
      for (int rgb : row) {
        h.merge(rgb & 0xffffff, 1, Integer::sum);
      }
    }
    return h;
  }

  /** Pixels of the colour, give or take 3 in each channel. */
  private static int pixels(Map<Integer, Integer> histogram, String hex) {
    int c = Integer.parseInt(hex.substring(1), 16);
    int n = 0;
    for (Map.Entry<Integer, Integer> e : histogram.entrySet()) {
      int p = e.getKey();
      if (Math.abs(((p >> 16) & 0xff) - ((c >> 16) & 0xff)) <= 3
          && Math.abs(((p >> 8) & 0xff) - ((c >> 8) & 0xff)) <= 3
          && Math.abs((p & 0xff) - (c & 0xff)) <= 3) {
        n += e.getValue();
      }
    }
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // Chromium.

  /** Runs headless Chromium with a fresh profile; fails with its log on error or after 120 s. */
  private static void chromium(Path dir, String name, List<String> args, Path stdout)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.addAll(
        Arrays.asList(
            CHROMIUM.toString(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--user-data-dir=" + dir.resolve("profile-" + name)));
    command.addAll(args);
    Path log = dir.resolve("chromium-" + name + ".log");
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(log.toFile());
    pb.redirectOutput(
        stdout == null ? dir.resolve("chromium-" + name + ".out").toFile() : stdout.toFile());
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
      fail("Chromium did not finish within 120 s: " + String.join(" ", command) + "\n" + tail(log));
    }
    if (p.exitValue() != 0) {
      fail(
          "Chromium exited with "
              + p.exitValue()
              + ": "
              + String.join(" ", command)
              + "\n"
              + tail(log));
    }
  }

  private static String tail(Path log) throws IOException {
    if (!Files.exists(log)) {
      return "(no log)";
    }
    String s = Files.readString(log, UTF_8);
    return s.length() > 4_000 ? s.substring(s.length() - 4_000) : s;
  }
}
