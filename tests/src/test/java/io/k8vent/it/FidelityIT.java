package io.k8vent.it;

import static io.k8vent.it.RealClusterSupport.k8ventClient;
import static io.k8vent.testing.KubeApiServer.namespace;
import static io.k8vent.it.RealClusterSupport.startDaemon;
import static io.k8vent.it.RealClusterSupport.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.k8vent.Daemon;
import io.k8vent.delivery.DeliveryObserver;
import io.k8vent.demo.LocalKubeCluster;
import io.k8vent.testing.CountingRelay;
import io.k8vent.testing.KubeApiServer;
import io.k8vent.testing.TestSettings;
import io.k8vent.testing.WebhookReceiver.Request;
import io.k8vent.testing.WebhookReceiver;
import io.k8vent.watch.WatchObserver;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a webhook receives equals, as a JSON tree, what the real API server serves for that pod. */
class FidelityIT {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  static Pod realisticPod(String namespace, String name) {
    return new PodBuilder()
        .withNewMetadata().withNamespace(namespace).withName(name).addToLabels("app", "web")
        .addToAnnotations("example.com/note", "kept").endMetadata()
        .withNewSpec()
        .addNewVolume().withName("cache").withNewEmptyDir().endEmptyDir().endVolume()
        .addNewContainer().withName("web").withImage("registry.example.com/shop/web:1.4.2")
        .withNewResources()
        .addToLimits("cpu", new Quantity("0.1")).addToLimits("memory", new Quantity("1Gi"))
        .addToRequests("cpu", new Quantity("100m")).addToRequests("memory", new Quantity("256Mi"))
        .endResources()
        .addNewVolumeMount().withName("cache").withMountPath("/cache").endVolumeMount()
        .endContainer().endSpec().build();
  }

  @ParameterizedTest(name = "managedFields kept: {0}")
  @ValueSource(booleans = {false, true})
  void webhookGetsThePodExactlyAsKubectlPrintsIt(boolean keepManagedFields) throws Exception {
    LocalKubeCluster cluster = KubeApiServer.shared();
    try (KubernetesClient admin = cluster.adminClient();
        WebhookReceiver hook = new WebhookReceiver();
        KubernetesClient client = k8ventClient(cluster.apiServer().url(), LocalKubeCluster.ADMIN_TOKEN, keepManagedFields)) {
      String ns = namespace(admin, "fidelity");
      Daemon daemon = startDaemon(TestSettings.forUrls(hook.url()), client, Map.of(), new WatchObserver() {},
          new DeliveryObserver() {});
      try {
        admin.pods().inNamespace(ns).resource(realisticPod(ns, "web")).create();
        waitFor(hook, ns + "/web", "ADDED");
        Pod current = admin.pods().inNamespace(ns).withName("web").get();
        current.getStatus().setPhase("Running");
        current.getStatus().setConditions(List.of(new PodConditionBuilder().withType("Ready").withStatus("True")
            .withLastTransitionTime("2026-11-25T10:00:00Z").build()));
        admin.pods().inNamespace(ns).resource(current).updateStatus();
        List<Request> received = waitFor(hook, ns + "/web", "MODIFIED");

        JsonNode delivered = received.get(received.size() - 1).json().get("pod");
        String served = KubeApiServer.get(cluster.apiServer(), "/api/v1/namespaces/" + ns + "/pods/web");
        ObjectNode expected = (ObjectNode) MAPPER.readTree(served);
        assertThat(expected.has("kind")).as("a GET of one pod carries kind and apiVersion").isTrue();
        assertThat(expected.at("/metadata/managedFields").isArray()).as("the server sends managedFields").isTrue();
        if (!keepManagedFields) {
          ((ObjectNode) expected.get("metadata")).remove("managedFields");
        }
        assertThat(delivered.at("/metadata/resourceVersion")).isEqualTo(expected.at("/metadata/resourceVersion"));
        assertThat(delivered).isEqualTo(expected);
        assertThat(delivered.at("/status/conditions/0").has("lastProbeTime"))
            .as("the server sends lastProbeTime: null and k8vent keeps it").isTrue();
        assertThat(delivered.at("/spec/containers/0/resources/limits/cpu").asText()).isEqualTo("100m");
        assertThat(delivered.at("/spec/volumes/0/emptyDir").isObject()).isTrue();
        assertThat(delivered.at("/metadata/managedFields").isArray()).isEqualTo(keepManagedFields);

        List<String> command = new java.util.ArrayList<>(List.of("kubectl", "--kubeconfig",
            cluster.adminKubeconfig().toString(), "get", "pod", "web", "-n", ns, "-o", "json"));
        if (keepManagedFields) {
          command.add("--show-managed-fields");
        }
        Process kubectl = new ProcessBuilder(command).redirectErrorStream(true).start();
        String kubectlJson = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(kubectl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(kubectl.exitValue()).as(kubectlJson).isZero();
        assertThat(delivered).isEqualTo(MAPPER.readTree(kubectlJson));
      } finally {
        daemon.close();
      }
    }
  }

  @Test
  void aListLargeEnoughToBeGzippedArrivesCompressedOnTheWireAndExact() throws Exception {
    LocalKubeCluster cluster = KubeApiServer.shared();
    URI api = URI.create(cluster.apiServer().url());
    try (KubernetesClient admin = cluster.adminClient();
        WebhookReceiver hook = new WebhookReceiver();
        CountingRelay relay = new CountingRelay(new InetSocketAddress(api.getHost(), api.getPort()));
        KubernetesClient client = k8ventClient("https://127.0.0.1:" + relay.port() + "/", LocalKubeCluster.ADMIN_TOKEN)) {
      String ns = namespace(admin, "gzip");
      // 40 pods of ~8 KB: a list page above the 128 KiB from which the API server compresses.
      String filler = "x".repeat(6000);
      for (int i = 0; i < 40; i++) {
        Pod pod = realisticPod(ns, "web-" + i);
        pod.getMetadata().getAnnotations().put("example.com/filler", filler + i);
        admin.pods().inNamespace(ns).resource(pod).create();
      }
      long listed = KubeApiServer.get(cluster.apiServer(), "/api/v1/namespaces/" + ns + "/pods").length();
      Daemon daemon = startDaemon(TestSettings.inNamespace(TestSettings.forUrls(hook.url()), ns), client, Map.of(),
          new WatchObserver() {}, new DeliveryObserver() {});
      try {
        for (int i = 0; i < 40; i++) {
          List<Request> added = waitFor(hook, ns + "/web-" + i, "ADDED");
          String served = KubeApiServer.get(cluster.apiServer(), "/api/v1/namespaces/" + ns + "/pods/web-" + i);
          ObjectNode expected = (ObjectNode) MAPPER.readTree(served);
          ((ObjectNode) expected.get("metadata")).remove("managedFields");
          assertThat(added.get(0).json().get("pod")).isEqualTo(expected);
        }
        assertThat(relay.bytesFromServer()).as("the list of %d bytes came compressed", listed).isLessThan(listed / 4);
      } finally {
        daemon.close();
      }
    }
  }
}
