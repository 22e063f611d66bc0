package io.tollgate.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.JobID;

/**
 * The true processing rate of each task of a running job, from Flink's own metrics over its REST
 * API: records per second divided by the share of the second the task was busy ({@code
 * busyTimeMsPerSecond}), that is, what one subtask would process if it never waited for input or
 * for output buffers. The figure a cluster is sized with (as Flink's autoscaler does). Sampled a
 * few times while a drain runs and averaged per subtask.
 */
final class TaskRates {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI rest;
  private final JobID job;
  // task name -> subtask -> {first time, first records, first busy ms, last time, last records,
  // last busy ms, samples}
  private final Map<String, double[][]> sums = new LinkedHashMap<>();

  TaskRates(URI rest, JobID job) {
    this.rest = rest;
    this.job = job;
  }

  /** Takes one sample of every subtask's rate and busy time; failures only skip the sample. */
  void sample() {
    try {
      JsonNode vertices = get("/jobs/" + job + "/").path("vertices");
      for (JsonNode v : vertices) {
        String id = v.path("id").asText();
        String name = v.path("name").asText();
        int parallelism = v.path("parallelism").asInt();
        double[][] s = sums.computeIfAbsent(name, k -> new double[parallelism][7]);
        for (int i = 0; i < parallelism && i < s.length; i++) {
          JsonNode metrics =
              get(
                  "/jobs/"
                      + job
                      + "/vertices/"
                      + id
                      + "/subtasks/"
                      + i
                      + "/metrics?get="
                      + URLEncoder.encode(
                          "accumulateBusyTimeMs,numRecordsIn,numRecordsOut",
                          StandardCharsets.UTF_8));
          double busy = Double.NaN;
          double in = Double.NaN;
          double out = Double.NaN;
          for (JsonNode m : metrics) {
            double value = m.path("value").asDouble(Double.NaN);
            switch (m.path("id").asText()) {
              case "accumulateBusyTimeMs" -> busy = value;
              case "numRecordsIn" -> in = value;
              case "numRecordsOut" -> out = value;
              default -> {}
            }
          }
          // a source takes no records in: its count is what it emits
          double records = in > 0 ? in : out;
          if (!Double.isNaN(busy) && records > 0) {
            double now = System.nanoTime() / 1e6;
            if (s[i][6] == 0) {
              s[i][0] = now;
              s[i][1] = records;
              s[i][2] = busy;
            }
            s[i][3] = now;
            s[i][4] = records;
            s[i][5] = busy;
            s[i][6]++;
          }
        }
      }
    } catch (Exception e) {
      // a sample is a best effort: the drain's own figure does not depend on it
    }
  }

  /** One line per subtask: its records/s, its busy share and its true processing rate. */
  List<String> report() {
    List<String> lines = new ArrayList<>();
    for (Map.Entry<String, double[][]> e : sums.entrySet()) {
      double[][] s = e.getValue();
      for (int i = 0; i < s.length; i++) {
        double ms = s[i][3] - s[i][0];
        double records = s[i][4] - s[i][1];
        double busyMs = s[i][5] - s[i][2];
        if (s[i][6] < 2 || ms <= 0 || records <= 0 || busyMs <= 0) {
          continue;
        }
        lines.add(
            String.format(
                Locale.ROOT,
                "| %s (%d) | %,.0f | %.0f %% | %,.0f |",
                clip(e.getKey()),
                i,
                records / (ms / 1000),
                100 * busyMs / ms,
                records / (busyMs / 1000)));
      }
    }
    return lines;
  }

  private static String clip(String name) {
    String n = name.replace('|', '/');
    return n.length() > 70 ? n.substring(0, 70) + "..." : n;
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(rest.resolve(path)).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }
}
