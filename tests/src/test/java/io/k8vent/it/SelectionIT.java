package io.k8vent.it;

import static io.k8vent.it.RealClusterSupport.k8ventClient;
import static io.k8vent.testing.KubeApiServer.namespace;
import static io.k8vent.it.RealClusterSupport.startDaemon;
import static io.k8vent.it.RealClusterSupport.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.k8vent.Daemon;
import io.k8vent.Settings;
import io.k8vent.delivery.DeliveryObserver;
import io.k8vent.demo.LocalKubeCluster;
import io.k8vent.testing.KubeApiServer;
import io.k8vent.testing.TestSettings;
import io.k8vent.testing.WebhookReceiver;
import io.k8vent.testing.WebhookReceiver.Request;
import io.k8vent.watch.FieldSelector;
import io.k8vent.watch.LabelSelector;
import io.k8vent.watch.PodEvent;
import io.k8vent.watch.Selection;
import io.k8vent.watch.WatchObserver;
import io.k8vent.watch.WatchStatus;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Selectors, --events and the change filter on the real kube-apiserver: the API server filters,
 * a pod that stops matching is told apart from a deleted one, and a write that only moves
 * managedFields is not news.
 */
class SelectionIT {
  private static final Set<PodEvent.Type> ALL = Set.of(PodEvent.Type.values());

  private static Pod pod(String namespace, String name, String app, String node) {
    return new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name).addToLabels("app", app)
        .endMetadata().withNewSpec().withNodeName(node).addNewContainer().withName("main").withImage("example/app:1")
        .endContainer().endSpec().build();
  }

  private static List<Request> requestsFor(WebhookReceiver hook, String podName) {
    return hook.requests().stream().filter(r -> r.podName().equals(podName)).toList();
  }

  /** Counts skipped events by "TYPE reason". */
  private static final class Counting implements WatchObserver {
    final Map<String, AtomicInteger> skipped = new ConcurrentHashMap<>();

    @Override
    public void eventSkipped(PodEvent.Type type, WatchStatus.Skip reason) {
      skipped.computeIfAbsent(type + " " + reason.label(), k -> new AtomicInteger()).incrementAndGet();
    }
  }

  private static Daemon start(KubernetesClient client, WebhookReceiver hook, String ns, Selection selection,
      WatchObserver watchObserver) throws Exception {
    Settings settings = TestSettings.inNamespace(TestSettings.forUrls(hook.url()), ns).toBuilder()
        .selection(selection).build();
    return startDaemon(settings, client, Map.of(), watchObserver, new DeliveryObserver() {});
  }

  @Test
  void aLabelSelectorSendsMatchingPodsOnlyAndAPodThatStopsMatchingIsToldApartFromADeletedOne() throws Exception {
    LocalKubeCluster cluster = KubeApiServer.shared();
    try (KubernetesClient admin = cluster.adminClient();
        WebhookReceiver hook = new WebhookReceiver();
        KubernetesClient client = k8ventClient(cluster.apiServer().url(), LocalKubeCluster.ADMIN_TOKEN)) {
      String ns = namespace(admin, "labels");
      for (String[] p : new String[][] {{"web-1", "web"}, {"web-2", "web"}, {"db-1", "db"}}) {
        admin.pods().inNamespace(ns).resource(pod(ns, p[0], p[1], null)).create();
      }
      Daemon daemon = start(client, hook, ns,
          new Selection(LabelSelector.parse("app in (web, api)", "--label-selector"), null, ALL, true),
          new WatchObserver() {});
      try {
        waitFor(hook, ns + "/web-1", "ADDED");
        waitFor(hook, ns + "/web-2", "ADDED");

        admin.pods().inNamespace(ns).withName("web-2")
            .edit(p -> new PodBuilder(p).editMetadata().addToLabels("app", "retired").endMetadata().build());
        Request left = last(waitFor(hook, ns + "/web-2", "DELETED"));
        assertThat(left.header("X-K8vent-Deletion")).isEqualTo("left-selection");
        assertThat(left.json().at("/pod/status/phase").asText()).isEqualTo("Deleted");
        assertThat(left.json().at("/pod/metadata/labels/app").asText())
            .as("the pod as it is now, showing why it left").isEqualTo("retired");
        assertThat(admin.pods().inNamespace(ns).withName("web-2").get()).as("still exists").isNotNull();

        admin.pods().inNamespace(ns).withName("web-1").withGracePeriod(0).delete();
        Request deleted = last(waitFor(hook, ns + "/web-1", "DELETED"));
        assertThat(deleted.header("X-K8vent-Deletion")).isEqualTo("deleted");
        assertThat(deleted.json().at("/pod/status/phase").asText()).isEqualTo("Deleted");

        admin.pods().inNamespace(ns).resource(pod(ns, "db-2", "db", null)).create();
        admin.pods().inNamespace(ns).withName("db-1")
            .edit(p -> new PodBuilder(p).editMetadata().addToLabels("app", "api").endMetadata().build());
        waitFor(hook, ns + "/db-1", "ADDED");
        assertThat(requestsFor(hook, ns + "/db-2")).as("never matched, never sent").isEmpty();
        assertThat(requestsFor(hook, ns + "/db-1")).extracting(Request::event).containsExactly("ADDED");
      } finally {
        daemon.close();
      }
    }
  }

  @Test
  void aFieldSelectorAndEventsFilterAtTheSource() throws Exception {
    LocalKubeCluster cluster = KubeApiServer.shared();
    Counting status = new Counting();
    try (KubernetesClient admin = cluster.adminClient();
        WebhookReceiver hook = new WebhookReceiver();
        KubernetesClient client = k8ventClient(cluster.apiServer().url(), LocalKubeCluster.ADMIN_TOKEN)) {
      String ns = namespace(admin, "fields");
      admin.pods().inNamespace(ns).resource(pod(ns, "on-a", "web", "node-a")).create();
      admin.pods().inNamespace(ns).resource(pod(ns, "on-a-2", "web", "node-a")).create();
      admin.pods().inNamespace(ns).resource(pod(ns, "on-a-3", "web", "node-a")).create();
      admin.pods().inNamespace(ns).resource(pod(ns, "on-b", "web", "node-b")).create();
      Daemon daemon = start(client, hook, ns,
          new Selection(null, FieldSelector.parse("spec.nodeName=node-a,metadata.name!=on-a-2,metadata.name!=on-a-3",
              "--field-selector"),
              Set.of(PodEvent.Type.ADDED, PodEvent.Type.DELETED), true), status);
      try {
        waitFor(hook, ns + "/on-a", "ADDED");
        admin.pods().inNamespace(ns).withName("on-a")
            .edit(p -> new PodBuilder(p).editMetadata().addToLabels("release", "2").endMetadata().build());
        admin.pods().inNamespace(ns).withName("on-b")
            .edit(p -> new PodBuilder(p).editMetadata().addToLabels("release", "2").endMetadata().build());
        admin.pods().inNamespace(ns).withName("on-a").withGracePeriod(0).delete();
        Request deleted = last(waitFor(hook, ns + "/on-a", "DELETED"));
        assertThat(deleted.header("X-K8vent-Deletion")).isEqualTo("deleted");
        assertThat(requestsFor(hook, ns + "/on-a")).extracting(Request::event).containsExactly("ADDED", "DELETED");
        assertThat(hook.requests()).extracting(Request::podName).containsOnly(ns + "/on-a");
        assertThat(status.skipped.get("MODIFIED event_type").get())
            .as("the relabel of on-a (and the deletion's marking of it), received and not sent").isPositive();
      } finally {
        daemon.close();
      }
    }
  }

  @Test
  void aServerSideApplyThatOnlyAddsAFieldManagerIsNotSent() throws Exception {
    LocalKubeCluster cluster = KubeApiServer.shared();
    Counting status = new Counting();
    try (KubernetesClient admin = cluster.adminClient();
        WebhookReceiver hook = new WebhookReceiver();
        KubernetesClient client = k8ventClient(cluster.apiServer().url(), LocalKubeCluster.ADMIN_TOKEN)) {
      String ns = namespace(admin, "changes");
      admin.pods().inNamespace(ns).resource(pod(ns, "web", "web", null)).create();
      Daemon daemon = start(client, hook, ns, Selection.DEFAULT, status);
      try {
        waitFor(hook, ns + "/web", "ADDED");
        Pod sameLabel = new PodBuilder().withNewMetadata().withNamespace(ns).withName("web").addToLabels("app", "web")
            .endMetadata().build();
        Pod applied = admin.pods().inNamespace(ns).resource(sameLabel).fieldManager("another-controller")
            .forceConflicts().serverSideApply();
        assertThat(applied.getMetadata().getManagedFields()).extracting(m -> m.getManager())
            .contains("another-controller");
        admin.pods().inNamespace(ns).withName("web")
            .edit(p -> new PodBuilder(p).editMetadata().addToLabels("release", "2").endMetadata().build());
        List<Request> received = waitFor(hook, ns + "/web", "MODIFIED");
        assertThat(received).extracting(Request::event).containsExactly("ADDED", "MODIFIED");
        assertThat(last(received).json().at("/pod/metadata/labels/release").asText()).isEqualTo("2");
        assertThat(status.skipped.get("MODIFIED unchanged")).as("the apply's new state, received and not sent")
            .hasValue(1);
      } finally {
        daemon.close();
      }
    }
  }

  private static Request last(List<Request> requests) {
    return requests.get(requests.size() - 1);
  }
}
