package io.k8vent.it;

import static io.k8vent.it.RealClusterSupport.k8ventClient;
import static io.k8vent.testing.KubeApiServer.namespace;
import static io.k8vent.it.RealClusterSupport.startDaemon;
import static io.k8vent.it.RealClusterSupport.waitFor;
import static io.k8vent.testing.Pods.k8vent;
import static io.k8vent.testing.Pods.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.k8vent.Daemon;
import io.k8vent.demo.LocalKubeCluster.ApiServer;
import io.k8vent.demo.LocalKubeCluster;
import io.k8vent.ops.Metrics;
import io.k8vent.testing.KubeApiServer;
import io.k8vent.testing.TestSettings;
import io.k8vent.testing.WebhookReceiver.Request;
import io.k8vent.testing.WebhookReceiver;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API server k8vent watches goes away while the cluster keeps changing through a second API
 * server on the same etcd. When it comes back, k8vent's old resourceVersion is unknown to the new
 * watch cache (410 Gone), so it relists: every change made in the gap must arrive, pods deleted in
 * the gap must be reported as Deleted (routed by their own annotation), and unchanged pods must not
 * be sent again.
 */
class WatchGapIT {
  private LocalKubeCluster cluster;
  private ApiServer watched;
  private ApiServer writer;
  private KubernetesClient admin;
  private WebhookReceiver hook;
  private WebhookReceiver teamHook;

  @BeforeEach
  void setUp() {
    cluster = KubeApiServer.start();
    watched = cluster.apiServer();
    writer = cluster.addApiServer();
    admin = writer.adminClient();
    hook = new WebhookReceiver();
    teamHook = new WebhookReceiver();
  }

  @AfterEach
  void tearDown() {
    hook.close();
    teamHook.close();
    admin.close();
    cluster.close();
  }

  static double counter(Metrics metrics, String name) {
    return metrics.registry().scrape().stream().filter(m -> m.getMetadata().getName().equals(name))
        .flatMap(m -> m.getDataPoints().stream())
        .mapToDouble(d -> ((CounterSnapshot.CounterDataPointSnapshot) d).getValue()).sum();
  }

  @Test
  void changesDuringTheGapArriveDeletionsAreReportedAndUnchangedPodsAreNotResent() throws Exception {
    String ns = namespace(admin, "gap");
    String team = "{\"webhooks\":[\"" + teamHook.url("/team") + "\"]}";
    admin.pods().inNamespace(ns).resource(pod(ns, "changed")).create();
    admin.pods().inNamespace(ns).resource(pod(ns, "deleted", k8vent(team))).create();
    admin.pods().inNamespace(ns).resource(pod(ns, "unchanged")).create();
    Metrics metrics = new Metrics(List.of());
    try (KubernetesClient client = k8ventClient(watched.url(), LocalKubeCluster.ADMIN_TOKEN)) {
      Daemon daemon = startDaemon(TestSettings.forUrls(hook.url()), client, Map.of(), metrics, metrics);
      try {
        waitFor(hook, ns + "/changed", "ADDED");
        waitFor(hook, ns + "/unchanged", "ADDED");
        waitFor(teamHook, ns + "/deleted", "ADDED");

        watched.stop();
        admin.pods().inNamespace(ns).withName("changed").edit(p -> {
          p.getMetadata().getLabels().put("changed", "during-gap");
          return p;
        });
        admin.pods().inNamespace(ns).withName("deleted").delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> admin.pods().inNamespace(ns).withName("deleted").get() == null);
        admin.pods().inNamespace(ns).resource(pod(ns, "created")).create();
        watched.start();

        List<Request> changed = waitFor(hook, ns + "/changed", "MODIFIED");
        assertThat(changed.get(changed.size() - 1).json().at("/pod/metadata/labels/changed").asText())
            .isEqualTo("during-gap");
        List<Request> deleted = waitFor(teamHook, ns + "/deleted", "DELETED");
        assertThat(deleted.get(deleted.size() - 1).json().at("/pod/status/phase").asText()).isEqualTo("Deleted");
        waitFor(hook, ns + "/created", "ADDED");

        admin.pods().inNamespace(ns).resource(pod(ns, "after")).create();
        waitFor(hook, ns + "/after", "ADDED");
        assertThat(hook.requests()).filteredOn(r -> r.podName().equals(ns + "/unchanged"))
            .as("an unchanged pod is not sent again after the relist").hasSize(1);
        assertThat(hook.requests()).extracting(Request::podName).doesNotContain(ns + "/deleted");
        assertThat(counter(metrics, "k8vent_watch_relists")).as("k8vent resumed by listing again").isGreaterThanOrEqualTo(1);
      } finally {
        daemon.close();
      }
    }
  }
}
