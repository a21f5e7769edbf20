package io.k8vent;

import static io.k8vent.testing.Pods.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.k8vent.testing.LocalPorts;
import io.k8vent.testing.AcceptLoop;
import io.k8vent.demo.InMemoryApi;
import io.k8vent.demo.LocalKubeCluster;
import io.k8vent.testing.K8ventProcess;
import io.k8vent.testing.KubeApiServer;
import io.k8vent.testing.SelfSignedTls;
import io.k8vent.testing.WebhookReceiver.Request;
import io.k8vent.testing.WebhookReceiver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar, run as a process against the mock API server and real loopback webhooks: deliveries,
 * the ops endpoint and the logs as the kubelet and an operator meet them.
 */
class DaemonProcessIT {
  @TempDir
  Path dir;
  private InMemoryApi cluster;
  private WebhookReceiver hook;

  @BeforeEach
  void setUp() {
    cluster = new InMemoryApi();
    hook = new WebhookReceiver();
  }

  @AfterEach
  void tearDown() {
    hook.close();
    cluster.close();
  }

  @Test
  void deliversFromTheJarAndExitsZeroOnSigterm() throws Exception {
    cluster.admin().pods().inNamespace("ns").resource(pod("ns", "before")).create();
    int opsPort = LocalPorts.free();
    try (K8ventProcess k8vent = K8ventProcess.start(
        Map.of("K8VENT_WEBHOOKS", hook.url().toString(), "ATOMIST_ENVIRONMENT", "ci", "HOME", dir.toString(),
            "K8VENT_OPS_PORT", String.valueOf(opsPort)),
        "--kubeconfig", cluster.writeKubeconfig(dir).toString())) {
      await().atMost(Duration.ofSeconds(30)).until(() -> hook.requests().size() == 1);
      await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> java.net.http.HttpClient.newHttpClient()
          .send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + opsPort + "/readyz")).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
      cluster.admin().pods().inNamespace("ns").resource(pod("ns", "after")).create();
      await().atMost(Duration.ofSeconds(10)).until(() -> hook.requests().size() == 2);

      k8vent.terminate();
      assertThat(k8vent.waitFor(30)).isZero();
      assertThat(k8vent.stderr()).contains("delivering what is queued for up to 20s")
          .contains("stopped; 0 pod state(s) undelivered");
    }
    assertThat(hook.requests()).extracting(Request::podName).containsExactly("ns/before", "ns/after");
    assertThat(hook.requests().get(0).json().at("/env/ATOMIST_ENVIRONMENT").asText()).isEqualTo("ci");
  }

  @Test
  void jsonLogsNeverShowQueryTokensAnnotationCredentialsOrTheSecret() throws Exception {
    int deadPort = LocalPorts.free();
    String withCredentials = "http://127.0.0.1:" + hook.url().getPort() + "/hook?token=qu3rytok";
    String dead = "http://127.0.0.1:" + deadPort + "/dead?api_key=d3adkey";
    try (K8ventProcess k8vent = K8ventProcess.start(
        Map.of("K8VENT_WEBHOOK_SECRET", "s1gnsecret", "HOME", dir.toString()),
        "--url", withCredentials, "--url", dead, "--log-format", "json", "--log-level", "debug",
        "--shutdown-timeout", "2s", "--ops-port", "0", "--kubeconfig", cluster.writeKubeconfig(dir).toString())) {
      cluster.admin().pods().inNamespace("ns").resource(pod("ns", "p",
          Map.of("atomist.com/k8vent", "{\"webhooks\":[\"ftp://annuser:annpa55@x/?t=anntok\"]}"))).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> hook.requests().size() == 1);
      await().atMost(Duration.ofSeconds(10)).until(() -> k8vent.stderr().contains("retrying"));

      long start = System.nanoTime();
      k8vent.terminate();
      assertThat(k8vent.waitFor(20)).isZero();
      assertThat((System.nanoTime() - start) / 1_000_000).as("a dead webhook cannot hold shutdown past the grace period")
          .isLessThan(10_000);

      String logs = k8vent.stdout() + k8vent.stderr();
      for (String secret : new String[] {"qu3rytok", "d3adkey", "s1gnsecret", "annpa55", "anntok"}) {
        assertThat(logs).doesNotContain(secret);
      }
      ObjectMapper mapper = new ObjectMapper();
      for (String line : k8vent.stderr().split("\n")) {
        if (!line.isBlank()) {
          assertThat(mapper.readTree(line).has("message")).as(line).isTrue();
        }
      }
      assertThat(k8vent.stderr()).contains("\"pod\":\"ns/p\"").contains("were not delivered");
    }
  }

  private K8ventProcess start(int opsPort, String... args) {
    List<String> all = new ArrayList<>(List.of("--url", hook.url().toString(), "--ops-port", String.valueOf(opsPort),
        "--kubeconfig", cluster.writeKubeconfig(dir).toString()));
    all.addAll(List.of(args));
    return K8ventProcess.start(Map.of("HOME", dir.toString()), all.toArray(String[]::new));
  }

  /** True once the server closed the socket (end of stream or reset); false while it keeps it open. */
  private static boolean closedByServer(Socket socket) {
    try {
      socket.setSoTimeout(50);
      return socket.getInputStream().read() == -1;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  @Test
  void stalledClientsNeitherBlockTheProbesNorStayConnected() throws Exception {
    int opsPort = LocalPorts.free();
    try (K8ventProcess k8vent = start(opsPort)) {
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> LocalPorts.status(opsPort, "/healthz") == 200);
      List<Socket> stalled = LocalPorts.halfRequests(opsPort, "/healthz", 20);
      try {

        assertThat(LocalPorts.status(opsPort, "/healthz")).isEqualTo(200);
        assertThat(LocalPorts.status(opsPort, "/metrics")).isEqualTo(200);
        await().atMost(Duration.ofSeconds(60)).until(() -> stalled.stream().allMatch(DaemonProcessIT::closedByServer));
        assertThat(LocalPorts.status(opsPort, "/healthz")).isEqualTo(200);
      } finally {
        for (Socket s : stalled) {
          s.close();
        }
      }
    }
  }

  @Test
  void opsBindChoosesTheAddressAndAnAddressOfAnotherHostStopsTheStart() throws Exception {
    int opsPort = LocalPorts.free();
    try (K8ventProcess k8vent = start(opsPort, "--ops-bind", "127.0.0.1")) {
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> LocalPorts.status(opsPort, "/healthz") == 200);
    }
    // 192.0.2.1 is TEST-NET-1: never an address of this host.
    try (K8ventProcess k8vent = start(LocalPorts.free(), "--ops-bind", "192.0.2.1")) {
      assertThat(k8vent.waitFor(60)).isEqualTo(2);
      assertThat(k8vent.stderr().strip()).startsWith("k8vent: cannot listen on --ops-bind 192.0.2.1")
          .doesNotContain("\n").doesNotContain("\tat ");
    }
  }

  @Test
  void aBadValueFromTheEnvironmentNamesTheVariableAndJsonLogsGetAJsonLine() throws Exception {
    Map<String, String> env = Map.of("K8VENT_MAX_IN_FLIGHT", "abc", "HOME", dir.toString());
    try (K8ventProcess text = K8ventProcess.start(env, "--url", hook.url().toString())) {
      assertThat(text.waitFor(60)).isEqualTo(2);
      assertThat(text.stderr().strip()).isEqualTo("k8vent: invalid K8VENT_MAX_IN_FLIGHT \"abc\"; it must be a whole "
          + "number greater than zero and at most 256");
    }
    try (K8ventProcess json = K8ventProcess.start(env, "--url", hook.url().toString(), "--log-format", "json")) {
      assertThat(json.waitFor(60)).isEqualTo(2);
      JsonNode line = new ObjectMapper().readTree(json.stderr());
      assertThat(json.stderr().strip()).doesNotContain("\n");
      assertThat(line.get("level").asText()).isEqualTo("ERROR");
      assertThat(line.get("exit_code").asInt()).isEqualTo(2);
      assertThat(line.get("message").asText()).startsWith("invalid K8VENT_MAX_IN_FLIGHT \"abc\"");
      assertThat(line.has("@timestamp")).isTrue();
    }
    try (K8ventProcess typo = K8ventProcess.start(Map.of("K8VENT_LOG_FORMAT", "json", "HOME", dir.toString()),
        "--url", hook.url().toString(), "--ops-prot", "0")) {
      assertThat(typo.waitFor(60)).isEqualTo(2);
      assertThat(typo.stderr().strip()).doesNotContain("\n").doesNotContain("Usage:");
      JsonNode line = new ObjectMapper().readTree(typo.stderr());
      assertThat(line.get("message").asText()).contains("Unknown option").contains("'--ops-prot'").contains("k8vent --help");
      assertThat(line.get("exit_code").asInt()).isEqualTo(2);
    }
  }

  /** A kubeconfig for a server at {@code url} with some token. */
  private Path kubeconfigFor(String url) throws IOException {
    return Files.writeString(dir.resolve("kubeconfig-" + url.hashCode()), """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "%s", insecure-skip-tls-verify: true}}]
        contexts: [{name: c, context: {cluster: c, user: u}}]
        current-context: c
        users: [{name: u, user: {token: abc}}]
        """.formatted(url));
  }

  @Test
  void anApiServerThatIsDownOrSilentIsReportedInWordsAlsoAsJson() throws Exception {
    Path missing = dir.resolve("no-such-kubeconfig");
    try (K8ventProcess k8vent = K8ventProcess.start(Map.of("HOME", dir.toString()), "--url", hook.url().toString(),
        "--ops-port", "0", "--kubeconfig", missing.toString())) {
      assertThat(k8vent.waitFor(60)).isEqualTo(1);
      assertThat(k8vent.stderr().strip()).isEqualTo("k8vent: cannot read kubeconfig " + missing + ": no such file");
    }
    int closed = LocalPorts.free();
    try (K8ventProcess k8vent = K8ventProcess.start(Map.of("HOME", dir.toString()), "--url", hook.url().toString(),
        "--ops-port", "0", "--log-format", "json", "--kubeconfig", kubeconfigFor("https://127.0.0.1:" + closed).toString())) {
      assertThat(k8vent.waitFor(60)).isEqualTo(1);
      JsonNode line = new ObjectMapper().readTree(k8vent.stderr());
      assertThat(line.get("message").asText())
          .startsWith("could not reach the Kubernetes API server at https://127.0.0.1:" + closed)
          .contains("connection refused: nothing listens at 127.0.0.1:" + closed).doesNotContain("Exception");
    }
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      List<Socket> held = new CopyOnWriteArrayList<>();
      AcceptLoop.serveEach(silent, held::add);
      try (K8ventProcess k8vent = K8ventProcess.start(Map.of("HOME", dir.toString()), "--url", hook.url().toString(),
          "--ops-port", "0", "--kubeconfig", kubeconfigFor("https://127.0.0.1:" + silent.getLocalPort()).toString())) {
        assertThat(k8vent.waitFor(60)).isEqualTo(1);
        assertThat(k8vent.stderr().strip()).startsWith("k8vent: could not reach the Kubernetes API server")
            .contains(": timed out: no answer within ").doesNotContain("Exception").doesNotContain("\n");
      } finally {
        for (Socket s : held) {
          s.close();
        }
      }
    }
  }

  @Test
  void credentialsTheRealApiServerRefusesAreNamedNotReportedAsAnUnreachableCluster() throws Exception {
    LocalKubeCluster.ApiServer api = KubeApiServer.shared().apiServer();
    try (K8ventProcess k8vent = K8ventProcess.start(Map.of("HOME", dir.toString()), "--url", hook.url().toString(),
        "--ops-port", "0", "--kubeconfig", api.kubeconfig("not-a-token-the-server-knows").toString())) {
      assertThat(k8vent.waitFor(60)).isEqualTo(1);
      assertThat(k8vent.stderr().strip()).startsWith("k8vent: the API server at " + api.url())
          .contains("refused the credentials (401 Unauthorized)").contains("token")
          .doesNotContain("could not reach").doesNotContain("not-a-token").doesNotContain("\n");
    }

    // A service account no role is bound to: authenticated, but RBAC grants it nothing on pods.
    String token = KubeApiServer.serviceAccountToken(KubeApiServer.shared(), "default", "k8vent-no-rights");
    int opsPort = LocalPorts.free();
    try (K8ventProcess k8vent = K8ventProcess.start(Map.of("HOME", dir.toString()), "--url", hook.url().toString(),
        "--ops-port", String.valueOf(opsPort), "--kubeconfig", api.kubeconfig(token).toString())) {
      await().atMost(Duration.ofSeconds(60)).until(() -> k8vent.stderr().contains("403 Forbidden"));
      String refused = k8vent.stderr().lines().filter(l -> l.contains("403 Forbidden")).findFirst().orElseThrow();
      assertThat(refused).contains(" WARN ").contains("the API server refused to list pods")
          .contains("system:serviceaccount:default:k8vent-no-rights").contains("cannot list resource \"pods\"")
          .contains("needs get, list and watch on pods").contains("kube/rbac.yaml").doesNotContain(token)
          .doesNotContain("Failure executing").doesNotContain("Status(");
      assertThat(LocalPorts.status(opsPort, "/readyz")).as("not ready while refused; RBAC may still be applied").isEqualTo(503);
      assertThat(k8vent.isAlive()).isTrue();
    }
  }

  @Test
  void aWebhookWhoseCertificateIsNotTrustedIsAWarningOncePerEpisode() throws Exception {
    SelfSignedTls tls = SelfSignedTls.create(dir);
    HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(tls.serverContext()));
    https.createContext("/hook", exchange -> {
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    https.start();
    cluster.admin().pods().inNamespace("ns").resource(pod("ns", "p")).create();
    String url = "https://127.0.0.1:" + https.getAddress().getPort() + "/hook";
    try (K8ventProcess k8vent = K8ventProcess.start(Map.of("HOME", dir.toString()), "--url", url,
        "--log-level", "warn", "--retry-initial-delay", "50ms", "--retry-max-delay", "100ms", "--ops-port", "0",
        "--kubeconfig", cluster.writeKubeconfig(dir).toString())) {
      // The queue stops after 5 failures in a row and says so: by then the handshake failed 5 times.
      await().atMost(Duration.ofSeconds(30)).until(() -> k8vent.stderr().contains(" is down (TLS handshake failed"));
      List<String> warnings = k8vent.stderr().lines().filter(l -> l.contains("cannot send to webhook")).toList();
      assertThat(warnings).hasSize(1);
      assertThat(warnings.get(0)).contains(" WARN ").contains(url)
          .contains("TLS handshake failed").contains("--webhook-ca-file");
    } finally {
      https.stop(0);
    }
  }

  @Test
  void traceLogsShowK8ventsWorkButNeverTheApiServerToken() throws Exception {
    cluster.admin().pods().inNamespace("ns").resource(pod("ns", "p")).create();
    try (K8ventProcess k8vent = start(0, "--log-level", "trace")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> hook.requests().size() == 1);
      k8vent.terminate();
      assertThat(k8vent.waitFor(30)).isZero();
      String logs = k8vent.stdout() + k8vent.stderr();
      assertThat(logs).contains("DEBUG").doesNotContain("Authorization").doesNotContain("in-memory-token")
          .doesNotContain("Bearer");
    }
  }
}
