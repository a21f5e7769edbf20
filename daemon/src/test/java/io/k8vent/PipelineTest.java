package io.k8vent;

import static io.k8vent.testing.Pods.k8vent;
import static io.k8vent.testing.Pods.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.k8vent.delivery.DeliveryObserver;
import io.k8vent.payload.EnvFilter;
import io.k8vent.route.AnnotationOptIns;
import io.k8vent.route.AnnotationPolicy;
import io.k8vent.testing.Hmac;
import io.k8vent.testing.MockCluster;
import io.k8vent.testing.TestLoop;
import io.k8vent.testing.TestSettings;
import io.k8vent.testing.WebhookReceiver.Request;
import io.k8vent.testing.WebhookReceiver.Response;
import io.k8vent.testing.WebhookReceiver;
import io.k8vent.watch.WatchObserver;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The whole watch → route → deliver flow against the mock API server and real loopback webhooks. */
class PipelineTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Map<String, String> PROCESS_ENV =
      Map.of("HOSTNAME", "k8vent-abc", "ATOMIST_ENVIRONMENT", "production", "GITHUB_TOKEN", "ghp_secret",
          "DB_PASSWORD", "hunter2", "LANG", "C.UTF-8");
  /** What k8vent's own environment holds in a cluster: its configuration, service variables, credentials. */
  private static final Map<String, String> CLUSTER_ENV = Map.ofEntries(
      Map.entry("HOSTNAME", "k8vent-abc"), Map.entry("ATOMIST_ENVIRONMENT", "production"), Map.entry("LANG", "C.UTF-8"),
      Map.entry("K8VENT_WEBHOOKS", "https://hooks.example/team?key=x"), Map.entry("K8VENT_WEBHOOK_SECRET", "s3cret"),
      Map.entry("DATABASE_URL", "postgres://u:pw@db/x"), Map.entry("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
      Map.entry("KUBERNETES_PORT", "tcp://10.96.0.1:443"), Map.entry("FOO_SERVICE_PORT_HTTPS", "8443"),
      Map.entry("FOO_SERVICE_HOST", "10.0.0.7"), Map.entry("FOO_PORT", "tcp://10.0.0.7:8443"),
      Map.entry("FOO_PORT_8443_TCP_ADDR", "10.0.0.7"), Map.entry("MY_API_KEY", "k-123"),
      Map.entry("GITHUB_TOKEN", "ghp_secret"));
  /** Values of CLUSTER_ENV that must never reach a webhook. */
  private static final List<String> NEVER_SENT = List.of("hooks.example", "key=x", "s3cret", "u:pw@db", "10.96.0.1",
      "10.0.0.7", "8443", "k-123", "ghp_secret", "K8VENT_", "KUBERNETES_", "FOO_", "MY_API_KEY", "DATABASE_URL");

  private MockCluster cluster;
  private WebhookReceiver hook;
  private WebhookReceiver other;
  private Daemon daemon;
  private io.fabric8.kubernetes.client.KubernetesClient k8ventClient;

  @BeforeEach
  void setUp() {
    cluster = new MockCluster();
    hook = new WebhookReceiver();
    other = new WebhookReceiver();
  }

  @AfterEach
  void tearDown() {
    if (daemon != null) {
      daemon.close();
      k8ventClient.close();
    }
    hook.close();
    other.close();
    cluster.close();
  }

  private void start(Settings settings) throws Exception {
    start(settings, PROCESS_ENV);
  }

  private void start(Settings settings, Map<String, String> env) throws Exception {
    k8ventClient = cluster.newClient();
    daemon = new Daemon(settings, k8ventClient, TestLoop.vertx(), env, new WatchObserver() {}, new DeliveryObserver() {});
    daemon.start().get(20, TimeUnit.SECONDS);
  }

  private List<Request> waitFor(WebhookReceiver receiver, String podName, String event) {
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.requests().stream()
        .anyMatch(r -> r.podName().equals(podName) && event.equals(r.event())));
    return receiver.requests().stream().filter(r -> r.podName().equals(podName)).toList();
  }

  @Test
  void aPodDeletedWhileTheWebhookIsDownArrivesAsDeletedWithItsLastStateOnceItIsBack() throws Exception {
    AtomicBoolean down = new AtomicBoolean(true);
    hook.respond(n -> Response.status(down.get() ? 503 : 200));
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "keep")).create();
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "doomed", Map.of("example.com/last", "state-2")))
        .create();
    start(TestSettings.forUrls(hook.url()));
    await().atMost(Duration.ofSeconds(20)).until(() -> hook.requests().size() >= 5);

    cluster.client().pods().inNamespace("ns").withName("doomed").delete();
    await().atMost(Duration.ofSeconds(20)).until(() -> cluster.client().pods().inNamespace("ns").withName("doomed").get() == null);
    down.set(false);

    List<Request> doomed = waitFor(hook, "ns/doomed", "DELETED");
    Request last = doomed.get(doomed.size() - 1);
    assertThat(last.event()).isEqualTo("DELETED");
    assertThat(last.json().at("/pod/status/phase").asText()).isEqualTo("Deleted");
    assertThat(last.json().at("/pod/metadata/annotations/example.com~1last").asText())
        .as("the pod's last state, not the reduced one kept for relists").isEqualTo("state-2");
    waitFor(hook, "ns/keep", "ADDED");
  }

  @Test
  void sendsEveryExistingPodOnceThenEveryAddChangeAndDelete() throws Exception {
    for (String name : List.of("a", "b", "c")) {
      cluster.client().pods().inNamespace("ns1").resource(pod("ns1", name)).create();
    }
    start(TestSettings.forUrls(hook.url()));
    for (String name : List.of("a", "b", "c")) {
      waitFor(hook, "ns1/" + name, "ADDED");
    }

    cluster.client().pods().inNamespace("ns2").resource(pod("ns2", "d")).create();
    waitFor(hook, "ns2/d", "ADDED");
    cluster.client().pods().inNamespace("ns2").withName("d").edit(p -> {
      p.getMetadata().getLabels().put("stage", "two");
      return p;
    });
    waitFor(hook, "ns2/d", "MODIFIED");
    cluster.client().pods().inNamespace("ns2").withName("d").delete();
    List<Request> d = waitFor(hook, "ns2/d", "DELETED");

    assertThat(d).extracting(Request::event).containsExactly("ADDED", "MODIFIED", "DELETED");
    assertThat(d.get(1).json().at("/pod/metadata/labels/stage").asText()).isEqualTo("two");
    assertThat(d.get(2).json().at("/pod/status/phase").asText()).isEqualTo("Deleted");
    assertThat(d.get(2).json().at("/pod/metadata/labels/stage").asText())
        .as("a deleted pod is sent with its last full state").isEqualTo("two");
    for (String name : List.of("a", "b", "c")) {
      assertThat(hook.requests()).filteredOn(r -> r.podName().equals("ns1/" + name)).hasSize(1);
    }
  }

  @Test
  void bodyAndHeadersAreWhatTheContractSays() throws Exception {
    start(TestSettings.forUrls(hook.url()));
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "web")).create();
    Request r = waitFor(hook, "ns/web", "ADDED").get(0);

    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    assertThat(r.header("User-Agent")).isEqualTo("k8vent/" + Version.VERSION);
    assertThat(r.header("X-K8vent-Delivery")).isEqualTo(Hmac.deliveryId(r.json().at("/pod/metadata/uid").asText(),
        r.json().at("/pod/metadata/resourceVersion").asText(), "ADDED"));
    assertThat(r.header("X-Atomist-Signature")).as("unsigned without a secret").isNull();
    assertThat(r.header("webhook-signature")).as("unsigned without a secret").isNull();
    JsonNode body = r.json();
    assertThat(body.fieldNames()).toIterable().containsExactly("pod", "env");
    assertThat(body.at("/pod/kind").asText()).isEqualTo("Pod");
    assertThat(body.at("/pod/apiVersion").asText()).isEqualTo("v1");
    assertThat(body.get("env").fieldNames()).toIterable()
        .containsExactly("ATOMIST_ENVIRONMENT", "HOSTNAME", "LANG");
    assertThat(body.at("/env/ATOMIST_ENVIRONMENT").asText()).isEqualTo("production");
  }

  @Test
  void annotationWebhooksReplaceTheGlobalListAndFollowTheDeletedPod() throws Exception {
    start(TestSettings.forUrls(hook.url()));
    String annotation = "{\"webhooks\":[\"" + other.url("/team") + "\"],\"environment\":\"qa\"}";
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "annotated", k8vent(annotation))).create();
    waitFor(other, "ns/annotated", "ADDED");
    cluster.client().pods().inNamespace("ns").withName("annotated").delete();
    List<Request> received = waitFor(other, "ns/annotated", "DELETED");
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "plain")).create();
    waitFor(hook, "ns/plain", "ADDED");

    assertThat(received).allSatisfy(r -> {
      assertThat(r.path()).isEqualTo("/team");
      assertThat(r.json().at("/env/ATOMIST_ENVIRONMENT").asText()).isEqualTo("qa");
    });
    assertThat(hook.requests()).extracting(Request::podName).doesNotContain("ns/annotated");
    assertThat(other.requests()).extracting(Request::podName).doesNotContain("ns/plain");
    assertThat(hook.requests().get(0).json().at("/env/ATOMIST_ENVIRONMENT").asText()).isEqualTo("production");
  }

  @Test
  void environmentOnlyAnnotationKeepsTheGlobalWebhooks() throws Exception {
    start(TestSettings.forUrls(hook.url(), other.url()));
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "tagged", k8vent("{\"environment\":\"staging\"}"))).create();

    for (WebhookReceiver r : List.of(hook, other)) {
      assertThat(waitFor(r, "ns/tagged", "ADDED").get(0).json().at("/env/ATOMIST_ENVIRONMENT").asText())
          .isEqualTo("staging");
    }
  }

  @Test
  void badAnnotationFallsBackToGlobalSettingsAndOtherPodsAreUnaffected() throws Exception {
    start(TestSettings.forUrls(hook.url()));
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "broken", k8vent("{webhooks: nope"))).create();
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "wrong-type",
        k8vent("{\"webhooks\":\"http://x\",\"environment\":\"qa\"}"))).create();
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "fine")).create();

    waitFor(hook, "ns/broken", "ADDED");
    waitFor(hook, "ns/fine", "ADDED");
    Request wrongType = waitFor(hook, "ns/wrong-type", "ADDED").get(0);
    assertThat(wrongType.json().at("/env/ATOMIST_ENVIRONMENT").asText())
        .as("the valid environment part still applies").isEqualTo("qa");
  }

  @Test
  void disallowedAnnotationWebhookFallsBackToGlobal() throws Exception {
    Settings settings = TestSettings.withPolicy(TestSettings.forUrls(hook.url()),
        new AnnotationPolicy(AnnotationPolicy.Mode.ALLOW,
            List.of(io.k8vent.config.WebhookAllowPattern.parse("https://hooks.example.com/")), 10));
    start(settings);
    String annotation = "{\"webhooks\":[\"" + other.url("/internal") + "\"]}";
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "sneaky", k8vent(annotation))).create();

    waitFor(hook, "ns/sneaky", "ADDED");
    assertThat(other.requests()).isEmpty();
  }

  @Test
  void signsTheExactBytesSent() throws Exception {
    start(TestSettings.withSecret(TestSettings.forUrls(hook.url()), "s3cret"));
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "signed")).create();
    Request r = waitFor(hook, "ns/signed", "ADDED").get(0);

    assertThat(r.header("X-Atomist-Signature")).isEqualTo(Hmac.sha1("s3cret", r.body()));
    assertThat(r.header("X-K8vent-Signature-256")).isEqualTo(Hmac.sha256("s3cret", r.body()));
  }

  @Test
  void envFilterFlagsChangeWhatIsSentButNeverLetASecretThrough() throws Exception {
    start(TestSettings.withEnvFilter(TestSettings.forUrls(hook.url()),
        new EnvFilter(List.of("HOST*", "GITHUB_TOKEN"), List.of())));
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "env")).create();
    JsonNode env = waitFor(hook, "ns/env", "ADDED").get(0).json().get("env");

    assertThat(env.fieldNames()).toIterable().containsExactly("ATOMIST_ENVIRONMENT", "HOSTNAME");
  }

  @Test
  void globalWebhookGetsTheFilteredEnvSignedThreeWays() throws Exception {
    start(TestSettings.withSecret(TestSettings.forUrls(hook.url()), "s3cret"), CLUSTER_ENV);
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "global")).create();
    Request r = waitFor(hook, "ns/global", "ADDED").get(0);

    assertThat(r.json().get("env").fieldNames()).toIterable().containsExactly("ATOMIST_ENVIRONMENT", "HOSTNAME", "LANG");
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).doesNotContain(NEVER_SENT);
    assertThat(r.header("X-Atomist-Signature")).isEqualTo(Hmac.sha1("s3cret", r.body()));
    assertThat(r.header("X-K8vent-Signature-256")).isEqualTo(Hmac.sha256("s3cret", r.body()));
    assertThat(r.header("webhook-id")).isEqualTo(r.header("X-K8vent-Delivery")).matches("[0-9a-f]{32}");
    assertThat(r.header("webhook-timestamp")).matches("[0-9]{10}");
    assertThat(r.header("webhook-signature"))
        .isEqualTo(Hmac.standardWebhooks("s3cret", r.header("webhook-id"), r.header("webhook-timestamp"), r.body()));
  }

  @Test
  void annotationWebhookGetsOnlyTheEnvironmentTagAndNoSignature() throws Exception {
    start(TestSettings.withSecret(TestSettings.forUrls(hook.url()), "s3cret"), CLUSTER_ENV);
    String annotation = "{\"webhooks\":[\"" + other.url("/mine") + "\"],\"environment\":\"qa\"}";
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "chooser", k8vent(annotation))).create();
    Request r = waitFor(other, "ns/chooser", "ADDED").get(0);

    assertThat(r.json().get("env")).isEqualTo(MAPPER.readTree("{\"ATOMIST_ENVIRONMENT\":\"qa\"}"));
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).doesNotContain(NEVER_SENT).doesNotContain("k8vent-abc");
    assertThat(r.headers()).as("no body signed with the operator's secret")
        .doesNotContainKeys("x-atomist-signature", "x-k8vent-signature-256", "webhook-signature", "webhook-timestamp",
            "webhook-id");
    assertThat(r.header("X-K8vent-Delivery")).matches("[0-9a-f]{32}");
  }

  @Test
  void annotationWebhookWithTheOperatorsOptInsGetsTheFullFilteredEnvSigned() throws Exception {
    start(TestSettings.withAnnotationOptIns(TestSettings.withSecret(TestSettings.forUrls(hook.url()), "s3cret"),
        new AnnotationOptIns(true, true)), CLUSTER_ENV);
    String annotation = "{\"webhooks\":[\"" + other.url("/mine") + "\"],\"environment\":\"qa\"}";
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "trusted", k8vent(annotation))).create();
    Request r = waitFor(other, "ns/trusted", "ADDED").get(0);

    assertThat(r.json().get("env")).isEqualTo(
        MAPPER.readTree("{\"ATOMIST_ENVIRONMENT\":\"qa\",\"HOSTNAME\":\"k8vent-abc\",\"LANG\":\"C.UTF-8\"}"));
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).doesNotContain(NEVER_SENT);
    assertThat(r.header("X-Atomist-Signature")).isEqualTo(Hmac.sha1("s3cret", r.body()));
    assertThat(r.header("X-K8vent-Signature-256")).isEqualTo(Hmac.sha256("s3cret", r.body()));
    assertThat(r.header("webhook-signature"))
        .isEqualTo(Hmac.standardWebhooks("s3cret", r.header("webhook-id"), r.header("webhook-timestamp"), r.body()));
  }

  @Test
  void aRetryKeepsTheIdAndIsSignedForItsOwnTimestamp() throws Exception {
    hook.respond(n -> WebhookReceiver.Response.status(n == 1 ? 503 : 200));
    String secret = "whsec_" + Base64.getEncoder().encodeToString("standard-key".getBytes(StandardCharsets.UTF_8));
    start(TestSettings.withSecret(TestSettings.forUrls(hook.url()), secret));
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "retried")).create();
    await().atMost(Duration.ofSeconds(20)).until(() -> hook.requests().size() >= 2);
    List<Request> attempts = hook.requests();

    assertThat(attempts.get(0).body()).isEqualTo(attempts.get(1).body());
    assertThat(attempts).extracting(r -> r.header("X-K8vent-Delivery"))
        .containsOnly(attempts.get(0).header("webhook-id"));
    assertThat(attempts).allSatisfy(r -> assertThat(r.header("webhook-signature")).isEqualTo(
        Hmac.standardWebhooks(secret, r.header("webhook-id"), r.header("webhook-timestamp"), r.body())));
  }

  @Test
  void aRestartedDaemonSendsAnUnchangedPodWithTheSameId() throws Exception {
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "steady")).create();
    start(TestSettings.forUrls(hook.url()));
    String first = waitFor(hook, "ns/steady", "ADDED").get(0).header("X-K8vent-Delivery");
    daemon.close();
    k8ventClient.close();

    start(TestSettings.forUrls(other.url()));
    String second = waitFor(other, "ns/steady", "ADDED").get(0).header("X-K8vent-Delivery");

    assertThat(second).isEqualTo(first);
  }

  @ParameterizedTest
  @ValueSource(strings = {"web-realistic.json", "captured-kube-1.32.4.json"})
  void podArrivesExactlyAsTheApiServerReturnsIt(String fixture) throws Exception {
    start(TestSettings.forUrls(hook.url()));
    String json;
    try (InputStream in = getClass().getResourceAsStream("/pods/" + fixture)) {
      json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    JsonNode pod = MAPPER.readTree(json);
    String namespace = pod.at("/metadata/namespace").asText();
    String name = pod.at("/metadata/name").asText();
    HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(cluster.url() + "api/v1/namespaces/" + namespace + "/pods"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).isBetween(200, 201);

    Request r = waitFor(hook, namespace + "/" + name, "ADDED").get(0);
    ObjectNode served = (ObjectNode) MAPPER.readTree(cluster.getPodJson(namespace, name));
    served.put("kind", "Pod").put("apiVersion", "v1");
    assertThat(served.at("/metadata/managedFields").isArray()).as("the fixture has managedFields").isTrue();
    ((ObjectNode) served.get("metadata")).remove("managedFields");

    assertThat(r.json().get("pod")).as("the pod as kubectl get -o json prints it").isEqualTo(served);
    assertThat(r.json().at("/pod/status/conditions/0").has("lastProbeTime")).isTrue();
    assertThat(r.json().at("/pod/spec/volumes/0/emptyDir").isObject()).isTrue();
  }

  @Test
  void quantitiesAndUnknownFieldsSurviveAsSent() throws Exception {
    podArrivesExactlyAsTheApiServerReturnsIt("web-realistic.json");
    JsonNode pod = hook.requests().get(0).json().get("pod");
    assertThat(pod.at("/spec/containers/0/resources/limits/cpu").asText()).isEqualTo("0.1");
    assertThat(pod.at("/spec/containers/0/resources/requests/ephemeral-storage").asText()).isEqualTo("1e3");
    assertThat(pod.at("/spec/containers/0/futureContainerField/levels/1").asDouble()).isEqualTo(2.5);
    assertThat(pod.at("/status/containerStatuses/0/lastState/terminated").has("startedAt")).isTrue();
  }
}
