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
  // task name -> subtask -> sums of (records/s, busy ms/s) and the count of samples
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
        double[][] s = sums.computeIfAbsent(name, k -> new double[parallelism][3]);
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
                          "busyTimeMsPerSecond,numRecordsInPerSecond,numRecordsOutPerSecond",
                          StandardCharsets.UTF_8));
          double busy = Double.NaN;
          double in = Double.NaN;
          double out = Double.NaN;
          for (JsonNode m : metrics) {
            double value = m.path("value").asDouble(Double.NaN);
            switch (m.path("id").asText()) {
              case "busyTimeMsPerSecond" -> busy = value;
              case "numRecordsInPerSecond" -> in = value;
              case "numRecordsOutPerSecond" -> out = value;
              default -> {}
            }
          }
          // a source has no records in: its rate is what it emits
          double records = in > 0 ? in : out;
          if (busy > 0 && records > 0) {
            s[i][0] += records;
            s[i][1] += busy;
            s[i][2]++;
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
        if (s[i][2] == 0) {
          continue;
        }
        double records = s[i][0] / s[i][2];
        double busy = s[i][1] / s[i][2];
        lines.add(
            String.format(
                Locale.ROOT,
                "| %s (%d) | %,.0f | %.0f %% | %,.0f |",
                clip(e.getKey()),
                i,
                records,
                busy / 10,
                records / (busy / 1000)));
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
