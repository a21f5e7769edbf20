package io.k8vent.it;

import static io.k8vent.it.RealClusterSupport.k8ventClient;
import static io.k8vent.testing.KubeApiServer.namespace;
import static io.k8vent.it.RealClusterSupport.startDaemon;
import static io.k8vent.it.RealClusterSupport.waitFor;
import static io.k8vent.testing.Pods.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.k8vent.Daemon;
import io.k8vent.DaemonRunner;
import io.k8vent.config.LeaderElectionSettings;
import io.k8vent.Settings;
import io.k8vent.delivery.DeliveryObserver;
import io.k8vent.demo.LocalKubeCluster;
import io.k8vent.testing.KubeApiServer;
import io.k8vent.testing.TestLoop;
import io.k8vent.testing.TestSettings;
import io.k8vent.testing.WebhookReceiver;
import io.k8vent.watch.WatchObserver;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Losing the Lease with a backlog queued: nothing more is sent, the request in flight is cut off,
 * and hand-over after hand-over leaves no threads behind.
 */
class LeaderHandoverIT {
  private static int threads() {
    return threadNames().size();
  }

  private static List<String> threadNames() {
    return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).sorted().toList();
  }

  /** Gives the Lease to an identity no replica has; a write racing the leader's renewal is tried again. */
  private static void stealLease(KubernetesClient admin, String ns) {
    await("the Lease taken away").atMost(Duration.ofSeconds(30)).until(() -> {
      try {
        admin.resources(Lease.class).inNamespace(ns).withName("k8vent").edit(lease -> new LeaseBuilder(lease)
            .editSpec().withHolderIdentity("intruder").withLeaseDurationSeconds(600)
            .withAcquireTime(ZonedDateTime.now()).withRenewTime(ZonedDateTime.now()).endSpec().build());
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409) {
          return false;
        }
        throw e;
      }
    });
  }

  @Test
  void fiveHandOversWithABacklogSendNothingAfterEachLossAndLeaveNoThreads() throws Exception {
    LocalKubeCluster cluster = KubeApiServer.shared();
    try (KubernetesClient admin = cluster.adminClient();
        WebhookReceiver hook = new WebhookReceiver();
        WebhookReceiver witnessHook = new WebhookReceiver();
        KubernetesClient client = k8ventClient(cluster.apiServer().url(), LocalKubeCluster.ADMIN_TOKEN);
        KubernetesClient witnessClient = k8ventClient(cluster.apiServer().url(), LocalKubeCluster.ADMIN_TOKEN)) {
      String ns = namespace(admin, "handover");
      for (int i = 0; i < 30; i++) {
        admin.pods().inNamespace(ns).resource(pod(ns, "backlog-" + i)).create();
      }
      Settings base = TestSettings.forUrls(hook.url());
      Settings settings = base.toBuilder().namespaces(List.of(ns)).maxInFlight(1)
          .requestTimeout(Duration.ofSeconds(60))
          .leaderElection(new LeaderElectionSettings(ns, "k8vent", "replica-a", Duration.ofSeconds(6))).build();
      DaemonRunner replica = new DaemonRunner(() -> new Daemon(settings, client, TestLoop.vertx(), Map.of(),
          new WatchObserver() {}, new DeliveryObserver() {}), client, settings.leaderElection());
      Settings witnessSettings = TestSettings.forUrls(witnessHook.url());
      Daemon witness = startDaemon(witnessSettings.toBuilder().namespaces(List.of(ns)).maxInFlight(8)
          .leaderElection(null).build(), witnessClient, Map.of(),
          new WatchObserver() {}, new DeliveryObserver() {});
      int baseline = -1;
      try {
        hook.hold();
        replica.start();
        for (int term = 1; term <= 5; term++) {
          int before = hook.requests().size();
          await("term %d: leading and sending".formatted(term)).atMost(Duration.ofSeconds(60))
              .until(() -> replica.leading() && hook.requests().size() > before);

          stealLease(admin, ns);
          await("term %d: the Lease is lost".formatted(term)).atMost(Duration.ofSeconds(30)).until(() -> !replica.leading());
          int atLoss = hook.requests().size();
          hook.release();

          String tick = "tick-" + term;
          admin.pods().inNamespace(ns).resource(pod(ns, tick)).create();
          waitFor(witnessHook, ns + "/" + tick, "ADDED");
          assertThat(hook.requests()).as("term %d: nothing sent after the Lease was lost, with %d pods queued", term, 30)
              .hasSize(atLoss);
          if (baseline < 0) {
            baseline = threads();
          }

          if (term < 5) {
            hook.hold();
            admin.resources(Lease.class).inNamespace(ns).withName("k8vent").delete();
          }
        }
        // A thread left behind per term would add up over five; pools that keep idle threads
        // for a minute (the Kubernetes client's) may still hold some of theirs.
        int limit = baseline + 6;
        await("threads back to the standby baseline of %d after five terms".formatted(baseline))
            .atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(threadNames()).hasSizeLessThanOrEqualTo(limit));
      } finally {
        hook.release();
        replica.stop();
        witness.close();
      }
    }
  }
}
