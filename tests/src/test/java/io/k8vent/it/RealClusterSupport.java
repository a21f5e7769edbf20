package io.k8vent.it;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.k8vent.Daemon;
import io.k8vent.Settings;
import io.k8vent.delivery.DeliveryObserver;
import io.k8vent.demo.LocalKubeCluster;
import io.k8vent.testing.TestLoop;
import io.k8vent.testing.WebhookReceiver.Request;
import io.k8vent.testing.WebhookReceiver;
import io.k8vent.watch.KubeClients;
import io.k8vent.watch.WatchObserver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What the real-API-server tests share: namespaces, k8vent's own client, waiting for deliveries. */
final class RealClusterSupport {
  private RealClusterSupport() {}

  /** A client configured as k8vent's own (see KubeClients.configure). */
  static KubernetesClient k8ventClient(String url, String token) {
    return k8ventClient(url, token, false);
  }

  /** As k8vent's own client with --managed-fields=keep when {@code keepManagedFields}. */
  static KubernetesClient k8ventClient(String url, String token, boolean keepManagedFields) {
    return KubeClients.configure(new KubernetesClientBuilder().withConfig(LocalKubeCluster.config(url, token)), null,
        keepManagedFields).build();
  }

  static Daemon startDaemon(Settings settings, KubernetesClient client, Map<String, String> env,
      WatchObserver watchObserver, DeliveryObserver deliveryObserver) throws Exception {
    Daemon daemon = new Daemon(settings, client, TestLoop.vertx(), env, watchObserver, deliveryObserver);
    daemon.start().get(60, TimeUnit.SECONDS);
    return daemon;
  }

  static List<Request> waitFor(WebhookReceiver receiver, String podName, String event) {
    await("%s of %s".formatted(event, podName)).atMost(Duration.ofSeconds(60)).until(() -> receiver.requests().stream()
        .anyMatch(r -> r.podName().equals(podName) && event.equals(r.event())));
    return receiver.requests().stream().filter(r -> r.podName().equals(podName)).toList();
  }
}
