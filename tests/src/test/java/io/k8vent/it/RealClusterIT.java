package io.k8vent.it;

import static io.k8vent.it.RealClusterSupport.k8ventClient;
import static io.k8vent.testing.KubeApiServer.namespace;
import static io.k8vent.it.RealClusterSupport.startDaemon;
import static io.k8vent.it.RealClusterSupport.waitFor;
import static io.k8vent.testing.Pods.k8vent;
import static io.k8vent.testing.Pods.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.k8vent.Daemon;
import io.k8vent.DaemonRunner;
import io.k8vent.config.LeaderElectionSettings;
import io.k8vent.Settings;
import io.k8vent.delivery.DeliveryObserver;
import io.k8vent.demo.LocalKubeCluster;
import io.k8vent.ops.Metrics;
import io.k8vent.testing.Hmac;
import io.k8vent.testing.KubeApiServer;
import io.k8vent.testing.TestLoop;
import io.k8vent.testing.TestSettings;
import io.k8vent.testing.WebhookReceiver.Request;
import io.k8vent.testing.WebhookReceiver;
import io.k8vent.watch.WatchObserver;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** End-to-end behaviour on a real API server: routing and signatures, a restart, leader election. */
class RealClusterIT {
  private static final Map<String, String> ENV = Map.of("ATOMIST_ENVIRONMENT", "production", "HOSTNAME", "k8vent-1",
      "SLACK_TOKEN", "xoxb-secret");

  @Test
  void annotationRoutingEnvironmentAndSignaturesEndToEnd() throws Exception {
    LocalKubeCluster cluster = KubeApiServer.shared();
    try (KubernetesClient admin = cluster.adminClient();
        WebhookReceiver global = new WebhookReceiver();
        WebhookReceiver team = new WebhookReceiver();
        KubernetesClient client = k8ventClient(cluster.apiServer().url(), LocalKubeCluster.ADMIN_TOKEN)) {
      String ns = namespace(admin, "routing");
      Settings settings = TestSettings.withSecret(TestSettings.forUrls(global.url()), "it-secret");
      Daemon daemon = RealClusterSupport.startDaemon(settings, client, ENV, new WatchObserver() {}, new DeliveryObserver() {});
      try {
        String annotation = "{\"webhooks\":[\"" + team.url("/teams/T1") + "\"],\"environment\":\"qa\"}";
        admin.pods().inNamespace(ns).resource(pod(ns, "routed", k8vent(annotation))).create();
        admin.pods().inNamespace(ns).resource(pod(ns, "plain")).create();
        admin.pods().inNamespace(ns).resource(pod(ns, "bad", k8vent("{\"webhooks\":[]}"))).create();
        admin.pods().inNamespace(ns).withName("routed").delete();

        List<Request> routed = waitFor(team, ns + "/routed", "DELETED");
        Request plain = waitFor(global, ns + "/plain", "ADDED").get(0);
        waitFor(global, ns + "/bad", "ADDED");

        assertThat(routed.get(0).event()).isEqualTo("ADDED");
        assertThat(routed.get(routed.size() - 1).event()).isEqualTo("DELETED");
        assertThat(routed.subList(1, routed.size() - 1)).as("a graceful delete first sets deletionTimestamp")
            .allSatisfy(r -> assertThat(r.json().at("/pod/metadata/deletionTimestamp").isTextual()).isTrue());
        assertThat(routed).as("a pod's own webhooks get the tag only, unsigned, by default").allSatisfy(r -> {
          assertThat(r.json().get("env").toString()).isEqualTo("{\"ATOMIST_ENVIRONMENT\":\"qa\"}");
          assertThat(r.header("X-K8vent-Signature-256")).isNull();
          assertThat(r.header("X-Atomist-Signature")).isNull();
          assertThat(r.header("webhook-signature")).isNull();
        });
        assertThat(plain.json().at("/env/ATOMIST_ENVIRONMENT").asText()).isEqualTo("production");
        assertThat(plain.header("X-K8vent-Signature-256")).isEqualTo(Hmac.sha256("it-secret", plain.body()));
        assertThat(plain.header("X-Atomist-Signature")).isEqualTo(Hmac.sha1("it-secret", plain.body()));
        assertThat(plain.header("webhook-signature")).isEqualTo(Hmac.standardWebhooks("it-secret",
            plain.header("webhook-id"), plain.header("webhook-timestamp"), plain.body()));
        assertThat(plain.json().get("env").has("SLACK_TOKEN")).isFalse();
        assertThat(global.requests()).extracting(Request::podName).doesNotContain(ns + "/routed");
      } finally {
        daemon.close();
      }
    }
  }

  @Test
  void reconnectsByItselfAfterAnApiServerRestartAndLosesNoChange() throws Exception {
    try (LocalKubeCluster cluster = KubeApiServer.start();
        KubernetesClient admin = cluster.adminClient();
        WebhookReceiver hook = new WebhookReceiver();
        KubernetesClient client = k8ventClient(cluster.apiServer().url(), LocalKubeCluster.ADMIN_TOKEN)) {
      String ns = namespace(admin, "restart");
      admin.pods().inNamespace(ns).resource(pod(ns, "steady")).create();
      Metrics metrics = new Metrics(List.of(hook.url()));
      Daemon daemon = RealClusterSupport.startDaemon(TestSettings.forUrls(hook.url()), client, Map.of(),
          metrics, metrics);
      try {
        waitFor(hook, ns + "/steady", "ADDED");
        cluster.apiServer().stop();
        await("the lost watch is reported").atMost(Duration.ofSeconds(60))
            .until(() -> String.valueOf(daemon.readinessProblem()).contains("is down"));
        assertThat(WatchGapIT.counter(metrics, "k8vent_watch_errors")).isGreaterThanOrEqualTo(1);
        cluster.apiServer().start();
        admin.pods().inNamespace(ns).resource(pod(ns, "after-restart")).create();
        admin.pods().inNamespace(ns).withName("steady").edit(p -> {
          p.getMetadata().getLabels().put("touched", "yes");
          return p;
        });
        waitFor(hook, ns + "/after-restart", "ADDED");
        List<Request> steady = waitFor(hook, ns + "/steady", "MODIFIED");
        assertThat(steady).extracting(Request::event).containsExactly("ADDED", "MODIFIED");
        await().atMost(Duration.ofSeconds(30)).until(() -> daemon.readinessProblem() == null);
      } finally {
        daemon.close();
      }
    }
  }

  @Test
  void withLeaderElectionExactlyOneReplicaSendsAndTheStandbyTakesOver() throws Exception {
    LocalKubeCluster cluster = KubeApiServer.shared();
    try (KubernetesClient admin = cluster.adminClient();
        WebhookReceiver first = new WebhookReceiver();
        WebhookReceiver second = new WebhookReceiver();
        KubernetesClient clientA = k8ventClient(cluster.apiServer().url(), LocalKubeCluster.ADMIN_TOKEN);
        KubernetesClient clientB = k8ventClient(cluster.apiServer().url(), LocalKubeCluster.ADMIN_TOKEN)) {
      String ns = namespace(admin, "ha");
      admin.pods().inNamespace(ns).resource(pod(ns, "existing")).create();
      DaemonRunner a = replica(first, clientA, ns, "replica-a");
      DaemonRunner b = replica(second, clientB, ns, "replica-b");
      a.start();
      await().atMost(Duration.ofSeconds(30)).until(a::leading);
      b.start();
      waitFor(first, ns + "/existing", "ADDED");
      admin.pods().inNamespace(ns).resource(pod(ns, "while-a-leads")).create();
      waitFor(first, ns + "/while-a-leads", "ADDED");
      assertThat(b.leading()).isFalse();
      assertThat(b.readinessProblem()).as("a standby is ready").isNull();
      assertThat(second.requests()).as("the standby sends nothing").isEmpty();

      long stoppedAt = System.nanoTime();
      a.stop();
      await().atMost(Duration.ofSeconds(30)).until(b::leading);
      long takeoverMillis = (System.nanoTime() - stoppedAt) / 1_000_000;
      admin.pods().inNamespace(ns).resource(pod(ns, "after-takeover")).create();
      waitFor(second, ns + "/after-takeover", "ADDED");
      waitFor(second, ns + "/while-a-leads", "ADDED");
      assertThat(takeoverMillis).as("the Lease is released on a clean stop, so the standby takes over "
          + "well within the lease duration").isLessThan(15_000);
      assertThat(second.requests()).extracting(Request::podName)
          .as("the new leader sends every existing pod once, then changes")
          .contains(ns + "/existing", ns + "/while-a-leads", ns + "/after-takeover");
      b.stop();
    }
  }

  @Test
  void aReplicaThatLosesTheLeaseStopsSendingAtOnce() throws Exception {
    LocalKubeCluster cluster = KubeApiServer.shared();
    try (KubernetesClient admin = cluster.adminClient();
        WebhookReceiver leaderHook = new WebhookReceiver();
        WebhookReceiver witnessHook = new WebhookReceiver();
        KubernetesClient client = k8ventClient(cluster.apiServer().url(), LocalKubeCluster.ADMIN_TOKEN);
        KubernetesClient witnessClient = k8ventClient(cluster.apiServer().url(), LocalKubeCluster.ADMIN_TOKEN)) {
      String ns = namespace(admin, "lease-loss");
      DaemonRunner leader = replica(leaderHook, client, ns, "replica-a");
      leader.start();
      await().atMost(Duration.ofSeconds(30)).until(leader::leading);
      admin.pods().inNamespace(ns).resource(pod(ns, "while-leading")).create();
      waitFor(leaderHook, ns + "/while-leading", "ADDED");

      admin.resources(Lease.class).inNamespace(ns).withName("k8vent").edit(lease -> new LeaseBuilder(lease)
          .editSpec().withHolderIdentity("intruder").withLeaseDurationSeconds(600)
          .withAcquireTime(ZonedDateTime.now()).withRenewTime(ZonedDateTime.now()).endSpec().build());
      await("the replica notices it lost the Lease").atMost(Duration.ofSeconds(30)).until(() -> !leader.leading());

      Daemon witness = startDaemon(TestSettings.forUrls(witnessHook.url()), witnessClient, Map.of(),
          new WatchObserver() {}, new DeliveryObserver() {});
      try {
        admin.pods().inNamespace(ns).resource(pod(ns, "after-loss")).create();
        waitFor(witnessHook, ns + "/after-loss", "ADDED");
        admin.pods().inNamespace(ns).resource(pod(ns, "after-loss-2")).create();
        waitFor(witnessHook, ns + "/after-loss-2", "ADDED");
      } finally {
        witness.close();
      }
      assertThat(leaderHook.requests()).extracting(Request::podName)
          .as("a watcher still running would have sent these by the time a second one sent both")
          .doesNotContain(ns + "/after-loss", ns + "/after-loss-2")
          .contains(ns + "/while-leading");
      leader.stop();
    }
  }

  private static DaemonRunner replica(WebhookReceiver hook, KubernetesClient client, String ns, String identity) {
    Settings base = TestSettings.forUrls(hook.url());
    Settings settings = base.toBuilder().namespaces(List.of(ns))
        .leaderElection(new LeaderElectionSettings(ns, "k8vent", identity, Duration.ofSeconds(6))).build();
    return new DaemonRunner(() -> new Daemon(settings, client, TestLoop.vertx(), Map.of(), new WatchObserver() {}, new DeliveryObserver() {}),
        client, settings.leaderElection());
  }
}
