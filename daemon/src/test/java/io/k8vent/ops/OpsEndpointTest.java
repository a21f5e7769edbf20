package io.k8vent.ops;

import static io.k8vent.testing.Pods.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.k8vent.Daemon;
import io.k8vent.DaemonRunner;
import io.k8vent.config.WebhookUrl;
import io.k8vent.testing.LocalPorts;
import io.k8vent.testing.MockCluster;
import io.k8vent.testing.PromParse;
import io.k8vent.testing.TestLoop;
import io.k8vent.testing.TestSettings;
import io.k8vent.testing.WebhookReceiver.Response;
import io.k8vent.testing.WebhookReceiver;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** /healthz, /readyz and /metrics as an operator's probes and Prometheus see them. */
class OpsEndpointTest {
  private final MockCluster cluster = new MockCluster();
  private final WebhookReceiver hook = new WebhookReceiver();
  private final KubernetesClient client = cluster.newClient();
  private Metrics metrics;
  private DaemonRunner runner;
  private OpsServer ops;
  private int opsPort;

  @AfterEach
  void tearDown() throws Exception {
    if (runner != null) {
      runner.stop();
    }
    ops.close();
    client.close();
    hook.close();
    cluster.close();
  }

  /** Starts the endpoint on a free loopback port. */
  private void startOps(OpsServer.Check health, OpsServer.Check readiness) throws Exception {
    opsPort = LocalPorts.free();
    ops = new OpsServer(InetAddress.getLoopbackAddress(), opsPort, health, readiness, metrics);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort + path)).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readyOnlyAfterTheInitialListAndMetricsAgreeWithWhatTheWebhookGot() throws Exception {
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "existing")).create();
    hook.respond(n -> n == 1 ? Response.status(503) : Response.status(200));
    var settings = TestSettings.forUrls(hook.url());
    metrics = new Metrics(settings.webhooks());
    runner = new DaemonRunner(() -> new Daemon(settings, client, TestLoop.vertx(), Map.of(), metrics, metrics), client, null);
    startOps(runner::healthProblem, runner::readinessProblem);

    HttpResponse<String> before = get("/readyz");
    assertThat(before.statusCode()).isEqualTo(503);
    assertThat(before.body()).contains("not running");

    runner.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> get("/readyz").statusCode() == 200);
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "new")).create();
    cluster.client().pods().inNamespace("ns").withName("new").delete();
    await().atMost(Duration.ofSeconds(20)).until(() -> hook.requests().size() == 4);

    HttpResponse<String> scrape = get("/metrics");
    assertThat(scrape.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    JsonNode m = PromParse.parse(scrape.body());
    String webhook = WebhookUrl.metricLabel(hook.url());
    assertThat(PromParse.value(m, "k8vent_deliveries_total", Map.of("webhook", webhook, "outcome", "success")))
        .isEqualTo(3);
    assertThat(PromParse.value(m, "k8vent_deliveries_total", Map.of("webhook", webhook, "outcome", "retry")))
        .isEqualTo(1);
    assertThat(PromParse.value(m, "k8vent_delivery_retries_total", Map.of("webhook", webhook))).isEqualTo(1);
    assertThat(PromParse.value(m, "k8vent_pod_events_total", Map.of("type", "ADDED"))).isEqualTo(2);
    assertThat(PromParse.value(m, "k8vent_pod_events_total", Map.of("type", "DELETED"))).isEqualTo(1);
    assertThat(PromParse.value(m, "k8vent_delivery_latency_seconds", Map.of("webhook", webhook))).isEqualTo(3);
    assertThat(m.path("k8vent_queue_depth").path("type").asText()).isEqualTo("GAUGE");
    // One family of each JVM and process set the registry exports.
    assertThat(List.of("jvm_memory_used_bytes", "jvm_memory_pool_used_bytes", "jvm_gc_collection_seconds",
        "jvm_threads_current", "jvm_buffer_pool_used_bytes", "jvm_classes_currently_loaded",
        "jvm_compilation_time_seconds_total", "jvm_runtime_info", "process_cpu_seconds_total",
        "process_resident_memory_bytes", "process_open_fds")).allSatisfy(family -> assertThat(m.has(family)).as(family).isTrue());
    assertThat(m.has("k8vent_watch_relists_total")).isTrue();
    assertThat(m.has("k8vent_watch_errors_total")).isTrue();
  }

  @Test
  void webhookLabelsCarryNoCredentialsNorPaths() throws Exception {
    URI secretUrl = URI.create("http://user:pa55@127.0.0.1:" + hook.url().getPort() + "/services/T0/B0/s3cr3tpath?token=t0k");
    var settings = TestSettings.forUrls(secretUrl);
    metrics = new Metrics(settings.webhooks());
    runner = new DaemonRunner(() -> new Daemon(settings, client, TestLoop.vertx(), Map.of(), metrics, metrics), client, null);
    startOps(runner::healthProblem, runner::readinessProblem);
    runner.start();
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "p")).create();
    await().atMost(Duration.ofSeconds(20)).until(() -> hook.requests().size() == 1);

    String body = get("/metrics").body();
    String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(secretUrl.toString().getBytes(StandardCharsets.UTF_8)));
    assertThat(body).contains("webhook=\"http://127.0.0.1:" + hook.url().getPort() + "/… sha256:" + sha256.substring(0, 8) + "\"")
        .doesNotContain("pa55").doesNotContain("t0k").doesNotContain("user:").doesNotContain("user@")
        .doesNotContain("s3cr3tpath").doesNotContain("services");
  }

  @Test
  void clientsHoldingHalfARequestDoNotKeepTheProbesWaiting() throws Exception {
    startOps(() -> null, () -> null);
    List<Socket> stalled = LocalPorts.halfRequests(opsPort, "/healthz", 20);
    try {

      HttpResponse<String> health = get("/healthz");
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).isEqualTo("ok\n");
      assertThat(get("/readyz").statusCode()).isEqualTo(200);
    } finally {
      for (Socket s : stalled) {
        s.close();
      }
    }
  }

  @Test
  void everyAnswerClosesItsConnectionSoIdleClientsCannotCrowdOutTheProbes() throws Exception {
    startOps(() -> null, () -> null);
    List<Socket> answered = new ArrayList<>();
    try {
      for (int i = 0; i < OpsServer.MAX_CONNECTIONS + 8; i++) {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), opsPort);
        answered.add(s);
        s.setSoTimeout(10_000);
        s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        // Read to the end: the server closes the connection once it has answered.
        String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(answer).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close").endsWith("ok\n");
      }

      assertThat(get("/healthz").statusCode()).isEqualTo(200);
    } finally {
      for (Socket s : answered) {
        s.close();
      }
    }
  }
}
