package io.k8vent.it;

import static io.k8vent.it.RealClusterSupport.k8ventClient;
import static io.k8vent.testing.KubeApiServer.namespace;
import static io.k8vent.it.RealClusterSupport.startDaemon;
import static io.k8vent.it.RealClusterSupport.waitFor;
import static io.k8vent.testing.Pods.k8vent;
import static io.k8vent.testing.Pods.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.k8vent.Daemon;
import io.k8vent.delivery.DeliveryObserver;
import io.k8vent.demo.LocalKubeCluster;
import io.k8vent.testing.Hmac;
import io.k8vent.testing.KubeApiServer;
import io.k8vent.testing.TestSettings;
import io.k8vent.testing.WebhookReceiver.Request;
import io.k8vent.testing.WebhookReceiver;
import io.k8vent.watch.WatchObserver;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * On a real API server, a pod author who points the annotation at their own server learns neither
 * k8vent's configuration nor its environment, and gets nothing signed with the operator's secret.
 */
class EnvLeakIT {
  private static final Map<String, String> ENV = Map.ofEntries(
      Map.entry("ATOMIST_ENVIRONMENT", "production"), Map.entry("HOSTNAME", "k8vent-1"),
      Map.entry("K8VENT_WEBHOOKS", "https://hooks.example/team?key=x"),
      Map.entry("DATABASE_URL", "postgres://u:pw@db/x"), Map.entry("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
      Map.entry("KUBERNETES_SERVICE_PORT", "443"), Map.entry("FOO_SERVICE_PORT_HTTPS", "8443"),
      Map.entry("FOO_PORT", "tcp://10.0.0.7:8443"), Map.entry("MY_API_KEY", "k-123"));

  @Test
  void aPodsOwnWebhookGetsTheTagOnlyUnsignedWhileTheOperatorsGetsTheFilteredEnvSigned() throws Exception {
    LocalKubeCluster cluster = KubeApiServer.shared();
    try (KubernetesClient admin = cluster.adminClient();
        WebhookReceiver operator = new WebhookReceiver();
        WebhookReceiver author = new WebhookReceiver();
        KubernetesClient client = k8ventClient(cluster.apiServer().url(), LocalKubeCluster.ADMIN_TOKEN)) {
      String ns = namespace(admin, "env-leak");
      Daemon daemon = startDaemon(TestSettings.withSecret(TestSettings.forUrls(operator.url()), "it-secret"), client,
          ENV, new WatchObserver() {}, new DeliveryObserver() {});
      try {
        String annotation = "{\"webhooks\":[\"" + author.url("/collect") + "\"]}";
        admin.pods().inNamespace(ns).resource(pod(ns, "nosy", k8vent(annotation))).create();
        admin.pods().inNamespace(ns).resource(pod(ns, "plain")).create();

        Request stolen = waitFor(author, ns + "/nosy", "ADDED").get(0);
        Request sent = waitFor(operator, ns + "/plain", "ADDED").get(0);
        Pod nosy = admin.pods().inNamespace(ns).withName("nosy").get();

        assertThat(stolen.json().get("env").toString()).isEqualTo("{\"ATOMIST_ENVIRONMENT\":\"production\"}");
        assertThat(stolen.headers()).doesNotContainKeys("x-atomist-signature", "x-k8vent-signature-256",
            "webhook-id", "webhook-timestamp", "webhook-signature");
        assertThat(stolen.header("X-K8vent-Delivery")).isEqualTo(
            Hmac.deliveryId(nosy.getMetadata().getUid(), stolen.json().at("/pod/metadata/resourceVersion").asText(),
                "ADDED"));
        assertThat(sent.json().get("env").toString())
            .isEqualTo("{\"ATOMIST_ENVIRONMENT\":\"production\",\"HOSTNAME\":\"k8vent-1\"}");
        assertThat(sent.header("webhook-signature")).isEqualTo(Hmac.standardWebhooks("it-secret",
            sent.header("webhook-id"), sent.header("webhook-timestamp"), sent.body()));
        for (Request r : new Request[] {stolen, sent}) {
          assertThat(new String(r.body(), StandardCharsets.UTF_8)).doesNotContain("hooks.example", "key=x", "u:pw@db",
              "10.96.0.1", "10.0.0.7", "k-123", "it-secret", "K8VENT_", "KUBERNETES_", "FOO_");
        }
      } finally {
        daemon.close();
      }
    }
  }
}
