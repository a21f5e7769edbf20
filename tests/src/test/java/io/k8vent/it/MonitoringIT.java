package io.k8vent.it;

import static io.k8vent.testing.Pods.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.k8vent.demo.LocalKubeCluster;
import io.k8vent.testing.LocalPorts;
import io.k8vent.testing.K8ventProcess;
import io.k8vent.testing.KubeApiServer;
import io.k8vent.testing.Tools;
import io.k8vent.testing.Tools.Result;
import io.k8vent.testing.WebhookReceiver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard and the alert rules against a running k8vent: every metric they query is one
 * the jar, watching a real API server and delivering to a loopback webhook, exposes on /metrics
 * (names read with Prometheus's own PromQL parser, tests/src/test/go/promqlnames); the rules pass
 * promtool's checks and its rule unit tests; kube/'s copies equal the chart's.
 */
class MonitoringIT {
  static final Path DASHBOARD = Path.of("charts/k8vent/files/k8vent-dashboard.json");
  static final Path ALERTS = Path.of("charts/k8vent/files/k8vent-alerts.yaml");
  static final ObjectMapper JSON = new ObjectMapper();
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static LocalKubeCluster cluster;

  @TempDir
  Path dir;

  @BeforeAll
  static void cluster() {
    cluster = KubeApiServer.shared();
  }

  /** PromQL of every dashboard panel and template variable, Grafana's variables replaced by values. */
  static List<String> dashboardQueries() throws Exception {
    JsonNode dash = JSON.readTree(DASHBOARD.toFile());
    List<String> queries = new ArrayList<>();
    for (JsonNode panel : dash.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        queries.add(target.path("expr").asText());
      }
    }
    Pattern labelValues = Pattern.compile("^label_values\\((.+),\\s*[a-zA-Z_]+\\)$");
    for (JsonNode variable : dash.path("templating").path("list")) {
      if (variable.path("type").asText().equals("query")) {
        Matcher m = labelValues.matcher(variable.path("query").path("query").asText());
        assertThat(m.matches()).as(variable.toString()).isTrue();
        queries.add(m.group(1));
      }
    }
    return queries.stream().map(q -> q.replace("$__rate_interval", "5m").replace("$namespace", "k8vent")
        .replace("$webhook", "x")).toList();
  }

  static List<String> ruleQueries() throws Exception {
    List<String> queries = new ArrayList<>();
    for (JsonNode group : YAML.readTree(ALERTS.toFile()).path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        queries.add(rule.path("expr").asText());
      }
    }
    return queries;
  }

  /** Metric names selected in {@code queries}, by Prometheus's PromQL parser. */
  static Set<String> metricNames(List<String> queries) {
    String input = queries.stream().map(q -> q.replace('\n', ' ')).collect(Collectors.joining("\n")) + "\n";
    Result r = Tools.go("promqlnames", input);
    assertThat(r.code()).as(r.output()).isZero();
    return new TreeSet<>(Arrays.asList(r.output().strip().split("\n")));
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Sample name to value (of the last sample with that name) in a text exposition. */
  static Map<String, Double> samples(String exposition) {
    Map<String, Double> samples = new java.util.TreeMap<>();
    for (String line : exposition.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int end = 0;
      while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
        end++;
      }
      String[] parts = line.split(" ");
      samples.put(line.substring(0, end), Double.parseDouble(parts[parts.length - 1]));
    }
    return samples;
  }

  @Test
  void everyMetricTheDashboardAndTheAlertsQueryIsExposedByARunningK8vent() throws Exception {
    Set<String> dashboardNames = metricNames(dashboardQueries());
    Set<String> ruleNames = metricNames(ruleQueries());
    assertThat(dashboardNames).contains("k8vent_deliveries_total", "k8vent_queue_depth",
        "k8vent_delivery_latency_seconds_bucket", "k8vent_pod_events_total");
    assertThat(ruleNames).contains("k8vent_ready", "k8vent_pods", "k8vent_pod_events_total",
        "k8vent_webhook_circuit_open", "k8vent_deliveries_total", "k8vent_queue_depth",
        "k8vent_watch_errors_total", "k8vent_watch_relists_total");

    int opsPort = LocalPorts.free();
    try (KubernetesClient admin = cluster.adminClient();
        WebhookReceiver hook = new WebhookReceiver()) {
      String ns = KubeApiServer.namespace(admin, "monitoring");
      admin.pods().inNamespace(ns).resource(pod(ns, "one")).create();
      admin.pods().inNamespace(ns).resource(pod(ns, "two")).create();
      try (K8ventProcess k8vent = K8ventProcess.start(Map.of("HOME", dir.toString()),
          "--kubeconfig", cluster.adminKubeconfig().toString(), "--namespace", ns, "--url", hook.url().toString(),
          "--ops-port", String.valueOf(opsPort), "--log-format", "json")) {
        await().atMost(Duration.ofSeconds(60)).until(() -> hook.requests().size() >= 2);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> get(opsPort, "/readyz").statusCode() == 200);
        HttpResponse<String> metrics = get(opsPort, "/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        Map<String, Double> samples = samples(metrics.body());

        Set<String> missing = new TreeSet<>(dashboardNames);
        missing.addAll(ruleNames);
        missing.removeAll(samples.keySet());
        assertThat(missing).as("queried but not exposed by k8vent; it exposes " + samples.keySet()).isEmpty();

        assertThat(samples).containsEntry("k8vent_ready", 1.0).containsEntry("k8vent_leader", 1.0)
            .containsEntry("k8vent_pods", 2.0);
        admin.pods().inNamespace(ns).withName("two").withGracePeriod(0).delete();
        await().atMost(Duration.ofSeconds(30))
            .until(() -> samples(get(opsPort, "/metrics").body()).get("k8vent_pods") == 1.0);
      }
    }
  }

  @Test
  void theRulesPassPromtoolAndKubesPrometheusRuleHoldsTheSameGroups() throws Exception {
    Result check = Tools.run(null, "promtool", "check", "rules", ALERTS.toString());
    assertThat(check.code()).as(check.output()).isZero();
    assertThat(check.output()).contains("SUCCESS: 12 rules found");

    JsonNode kube = YAML.readTree(Path.of("kube/monitoring/prometheusrule.yaml").toFile());
    assertThat(kube.path("kind").asText()).isEqualTo("PrometheusRule");
    assertThat(kube.path("spec")).isEqualTo(YAML.readTree(ALERTS.toFile()));
    Path extracted = dir.resolve("kube-rules.yaml");
    Files.writeString(extracted, YAML.writeValueAsString(kube.path("spec")));
    Result kubeCheck = Tools.run(null, "promtool", "check", "rules", extracted.toString());
    assertThat(kubeCheck.code()).as(kubeCheck.output()).isZero();

    for (JsonNode rule : YAML.readTree(ALERTS.toFile()).path("groups").get(0).path("rules")) {
      assertThat(rule.path("labels").path("severity").asText()).as(rule.toString()).isIn("info", "warning", "critical");
      assertThat(rule.path("annotations").path("summary").asText()).as(rule.toString()).isNotBlank();
      assertThat(rule.path("annotations").path("description").asText()).as(rule.toString()).isNotBlank();
    }
  }

  @Test
  void theDashboardIsWellFormedAndKubesCopyIsTheCharts() throws Exception {
    JsonNode dash = JSON.readTree(DASHBOARD.toFile());
    assertThat(JSON.readTree(Path.of("kube/monitoring/k8vent-dashboard.json").toFile())).isEqualTo(dash);
    assertThat(dash.path("uid").asText()).isEqualTo("k8vent");
    assertThat(dash.path("templating").path("list")).extracting(v -> v.path("name").asText())
        .containsExactly("datasource", "namespace", "webhook");
    Set<Integer> ids = new TreeSet<>();
    int panels = 0;
    for (JsonNode panel : dash.path("panels")) {
      assertThat(ids.add(panel.path("id").asInt())).as("unique id: " + panel.path("title")).isTrue();
      JsonNode pos = panel.path("gridPos");
      assertThat(pos.path("x").asInt() + pos.path("w").asInt()).as(panel.path("title").asText()).isBetween(1, 24);
      if (panel.path("type").asText().equals("row")) {
        continue;
      }
      panels++;
      assertThat(panel.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
      assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty()
          .allSatisfy(t -> assertThat(t.path("expr").asText()).isNotBlank());
    }
    assertThat(panels).isGreaterThanOrEqualTo(15);
  }

  @Test
  void theAlertsFireOnlyWhenTheyShould() throws Exception {
    Path tests = Path.of("tests/src/test/resources/monitoring/k8vent-alerts-test.yaml").toAbsolutePath();
    Path copy = dir.resolve("k8vent-alerts-test.yaml");
    Files.writeString(copy, Files.readString(tests).replace("RULES_FILE", ALERTS.toAbsolutePath().toString()));
    Result r = Tools.run(null, "promtool", "test", "rules", copy.toString());
    assertThat(r.code()).as(r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS");
  }
}
