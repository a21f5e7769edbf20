package io.k8vent;

import static io.k8vent.testing.Pods.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudevents.CloudEvent;
import io.cloudevents.http.HttpMessageFactory;
import io.k8vent.payload.WireFormat;
import io.k8vent.testing.Hmac;
import io.k8vent.testing.MockCluster;
import io.k8vent.testing.MockPipeline;
import io.k8vent.testing.TestSettings;
import io.k8vent.testing.WebhookReceiver;
import io.k8vent.testing.WebhookReceiver.Request;
import io.k8vent.watch.WatchObserver;
import java.net.URI;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code --format cloudevents}: what a real loopback webhook receives is read with the CloudEvents
 * SDK's own HTTP reader (binary and structured mode), and carries every required attribute, the
 * same {@code {"pod","env"}} data as k8vent's own format, and signatures over the bytes sent.
 */
class CloudEventsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Map<String, String> ENV = Map.of("ATOMIST_ENVIRONMENT", "staging", "LANG", "C.UTF-8");

  private final MockPipeline pipeline = new MockPipeline();
  private final MockCluster cluster = pipeline.cluster();
  private final WebhookReceiver hook = pipeline.hook();

  @AfterEach
  void tearDown() {
    pipeline.close();
  }

  private void start(Settings settings) throws Exception {
    pipeline.start(settings, ENV, new WatchObserver() {});
  }

  private static CloudEvent read(Request r) {
    return HttpMessageFactory.createReader(r.headers(), r.body()).toEvent();
  }

  @ParameterizedTest
  @EnumSource(value = WireFormat.Kind.class, names = {"CLOUDEVENTS_BINARY", "CLOUDEVENTS_STRUCTURED"})
  void eachChangeIsACloudEventWithEveryRequiredAttributeAndSignedBytes(WireFormat.Kind kind) throws Exception {
    cluster.client().pods().inNamespace("shop").resource(pod("shop", "web")).create();
    start(TestSettings.withSecret(TestSettings.forUrls(hook.url()), "s3cret").toBuilder().format(kind).build());
    await().atMost(Duration.ofSeconds(20)).until(() -> !hook.requests().isEmpty());
    cluster.client().pods().inNamespace("shop").withName("web").delete();
    await().atMost(Duration.ofSeconds(20)).until(() -> hook.requests().size() >= 2);

    List<Request> received = hook.requests();
    Request added = received.get(0);
    CloudEvent event = read(added);
    assertThat(event.getSpecVersion().toString()).isEqualTo("1.0");
    assertThat(event.getId()).isEqualTo(added.header("X-K8vent-Delivery")).isNotBlank();
    assertThat(event.getType()).isEqualTo("io.k8vent.pod.added");
    assertThat(event.getSource()).isEqualTo(URI.create("/k8vent/environments/staging/namespaces/shop/pods/web"));
    assertThat(event.getSubject()).isEqualTo("shop/web");
    assertThat(event.getTime()).isNotNull().isBeforeOrEqualTo(OffsetDateTime.now());
    assertThat(event.getDataContentType()).isEqualTo("application/json");
    JsonNode data = MAPPER.readTree(event.getData().toBytes());
    assertThat(data.at("/pod/metadata/name").asText()).isEqualTo("web");
    assertThat(data.at("/pod/kind").asText()).isEqualTo("Pod");
    assertThat(data.get("env")).isEqualTo(MAPPER.readTree("{\"ATOMIST_ENVIRONMENT\":\"staging\",\"LANG\":\"C.UTF-8\"}"));
    assertThat(event.getId()).isEqualTo(Hmac.deliveryId(data.at("/pod/metadata/uid").asText(),
        data.at("/pod/metadata/resourceVersion").asText(), "ADDED"));
    if (kind == WireFormat.Kind.CLOUDEVENTS_BINARY) {
      assertThat(added.header("Content-Type")).isEqualTo("application/json");
      assertThat(added.json()).as("binary mode: the body is k8vent's own JSON").isEqualTo(data);
    } else {
      assertThat(added.header("Content-Type")).startsWith("application/cloudevents+json");
      assertThat(added.header("ce-id")).as("structured mode: attributes in the body only").isNull();
    }
    assertThat(added.header("X-K8vent-Signature-256")).isEqualTo(Hmac.sha256("s3cret", added.body()));
    assertThat(added.header("X-Atomist-Signature")).isEqualTo(Hmac.sha1("s3cret", added.body()));
    assertThat(added.header("webhook-signature")).isEqualTo(Hmac.standardWebhooks("s3cret", added.header("webhook-id"),
        added.header("webhook-timestamp"), added.body()));

    Request deleted = received.get(1);
    CloudEvent gone = read(deleted);
    assertThat(gone.getType()).isEqualTo("io.k8vent.pod.deleted");
    assertThat(gone.getExtension("k8ventdeletion")).isEqualTo("deleted");
    assertThat(deleted.header("X-K8vent-Deletion")).isEqualTo("deleted");
    assertThat(MAPPER.readTree(gone.getData().toBytes()).at("/pod/status/phase").asText()).isEqualTo("Deleted");
    assertThat(gone.getId()).isNotEqualTo(event.getId());
  }

  @Test
  void aPodsOwnEnvironmentTagNamesTheSourceAndKeptFormatSendsNoCloudEventHeaders() throws Exception {
    cluster.client().pods().inNamespace("shop").resource(pod("shop", "api",
        Map.of("atomist.com/k8vent", "{\"environment\":\"prod eu\"}"))).create();
    cluster.client().pods().inNamespace("shop").resource(pod("shop", "plain")).create();
    start(TestSettings.forUrls(hook.url()).toBuilder().format(WireFormat.Kind.CLOUDEVENTS_BINARY).build());
    await().atMost(Duration.ofSeconds(20)).until(() -> hook.requests().size() >= 2);
    Request api = hook.requests().stream().filter(r -> r.podName().equals("shop/api")).findFirst().orElseThrow();
    assertThat(read(api).getSource()).isEqualTo(URI.create("/k8vent/environments/prod%20eu/namespaces/shop/pods/api"));
    pipeline.stop();

    WebhookReceiver plainHook = new WebhookReceiver();
    try (plainHook) {
      start(TestSettings.forUrls(plainHook.url()));
      await().atMost(Duration.ofSeconds(20)).until(() -> plainHook.requests().size() >= 2);
      Request plain = plainHook.requests().get(0);
      assertThat(plain.headers().keySet()).noneMatch(h -> h.startsWith("ce-"));
      assertThat(plain.header("Content-Type")).isEqualTo("application/json");
      assertThat(plain.json().has("pod")).isTrue();
    }
  }
}
