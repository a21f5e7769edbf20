package io.k8vent.it;

import static io.k8vent.it.RealClusterSupport.k8ventClient;
import static io.k8vent.testing.KubeApiServer.namespace;
import static io.k8vent.it.RealClusterSupport.waitFor;
import static io.k8vent.testing.Pods.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.k8vent.Daemon;
import io.k8vent.DaemonRunner;
import io.k8vent.Settings;
import io.k8vent.demo.LocalKubeCluster;
import io.k8vent.ops.Metrics;
import io.k8vent.testing.KubeApiServer;
import io.k8vent.testing.TestLoop;
import io.k8vent.testing.TestSettings;
import io.k8vent.testing.WebhookReceiver;
import io.k8vent.watch.WatchStatus;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The kube/ manifests on a real API server, and k8vent running with exactly the rights they grant. */
class RbacAndManifestsIT {
  private static LocalKubeCluster cluster;

  @BeforeAll
  static void cluster() {
    cluster = KubeApiServer.shared();
  }

  record Result(int code, String output) {}

  private static Result kubectl(String stdin, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("kubectl", "--kubeconfig", cluster.adminKubeconfig().toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out);
  }

  private static String sed(String file) throws Exception {
    Process p = new ProcessBuilder("sed", "-e", "s/T0REPLACE/AT3AM1D/g", "-e", "s/ENV_REPLACE/integration/g",
        Path.of("kube", file).toString()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  private static synchronized void installClusterWide() throws Exception {
    assertThat(kubectl(null, "apply", "-f", "kube/namespace.yaml").code()).isZero();
    Result rbac = kubectl(null, "apply", "-f", "kube/rbac.yaml");
    assertThat(rbac.code()).as(rbac.output()).isZero();
  }

  @Test
  void everyManifestIsAcceptedByTheApiServerAfterTheSeedsSedPipeline() throws Exception {
    installClusterWide();
    for (String file : List.of("deployment-rbac.yaml", "deployment-no-rbac.yaml")) {
      Result r = kubectl(sed(file), "apply", "--dry-run=server", "-f", "-");
      assertThat(r.code()).as(r.output()).isZero();
    }
    String team = namespace(cluster.adminClient(), "team");
    Result role = kubectl(null, "apply", "--dry-run=server", "-n", team, "-f", "kube/namespaced/rbac.yaml");
    assertThat(role.code()).as(role.output()).isZero();
    Result deployment = kubectl(sed("namespaced/deployment.yaml"), "apply", "--dry-run=server", "-n", team, "-f", "-");
    assertThat(deployment.code()).as(deployment.output()).isZero();
  }

  @Test
  void theSeedsPatchCommandChangesTheImage() throws Exception {
    installClusterWide();
    assertThat(kubectl(sed("deployment-rbac.yaml"), "apply", "-f", "-").code()).isZero();
    Result patch = kubectl(null, "patch", "--namespace=k8vent", "deployment", "k8vent", "--patch",
        "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"k8vent\",\"image\":\"atomist/k8vent:9.8.7\"}]}}}}");
    assertThat(patch.code()).as(patch.output()).isZero();
    try (KubernetesClient admin = cluster.adminClient()) {
      assertThat(admin.apps().deployments().inNamespace("k8vent").withName("k8vent").get()
          .getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("atomist/k8vent:9.8.7");
    }
  }

  @Test
  void theServiceAccountOfRbacYamlCanWatchPodsInAllNamespaces() throws Exception {
    installClusterWide();
    String token = KubeApiServer.serviceAccountToken(cluster, "k8vent", "k8vent");
    try (KubernetesClient admin = cluster.adminClient();
        WebhookReceiver hook = new WebhookReceiver();
        KubernetesClient client = k8ventClient(cluster.apiServer().url(), token)) {
      String a = namespace(admin, "rbac-a");
      String b = namespace(admin, "rbac-b");
      Daemon daemon = RealClusterSupport.startDaemon(TestSettings.forUrls(hook.url()), client, Map.of(),
          new Metrics(List.of()), new io.k8vent.delivery.DeliveryObserver() {});
      try {
        admin.pods().inNamespace(a).resource(pod(a, "one")).create();
        admin.pods().inNamespace(b).resource(pod(b, "two")).create();
        waitFor(hook, a + "/one", "ADDED");
        waitFor(hook, b + "/two", "ADDED");
        assertThat(daemon.readinessProblem()).isNull();
      } finally {
        daemon.close();
      }
    }
  }

  @Test
  void withoutRightsItSaysHowToFixItIsNotReadyBacksOffAndRecoversWhenGranted() throws Exception {
    installClusterWide();
    String team = namespace(cluster.adminClient(), "team");
    assertThat(kubectl(null, "apply", "-n", team, "-f", "kube/namespaced/rbac.yaml").code()).isZero();
    String token = KubeApiServer.serviceAccountToken(cluster, team, "k8vent");
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    Logger watchLog = (Logger) LoggerFactory.getLogger(WatchStatus.class);
    watchLog.addAppender(logs);
    Metrics metrics = new Metrics(List.of());
    try (KubernetesClient admin = cluster.adminClient();
        WebhookReceiver hook = new WebhookReceiver();
        KubernetesClient client = k8ventClient(cluster.apiServer().url(), token)) {
      admin.pods().inNamespace(team).resource(pod(team, "mine")).create();

      Settings own = withNamespaces(TestSettings.forUrls(hook.url()), List.of(team));
      DaemonRunner namespaced = new DaemonRunner(() -> new Daemon(own, client, TestLoop.vertx(), Map.of(), metrics, metrics),
          client, null);
      namespaced.start();
      waitFor(hook, team + "/mine", "ADDED");
      await().atMost(Duration.ofSeconds(30)).until(() -> namespaced.readinessProblem() == null);
      namespaced.stop();

      Metrics clusterWideMetrics = new Metrics(List.of());
      Settings everywhere = TestSettings.forUrls(hook.url());
      DaemonRunner refused = new DaemonRunner(
          () -> new Daemon(everywhere, client, TestLoop.vertx(), Map.of(), clusterWideMetrics, clusterWideMetrics), client, null);
      refused.start();
      try {
        await().atMost(Duration.ofSeconds(30)).until(() -> refused.readinessProblem() != null
            && refused.readinessProblem().contains("403"));
        await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(10))
            .until(() -> refused.readinessProblem() != null);
        double errors = errors(clusterWideMetrics);
        assertThat(errors).as("retries back off instead of spinning").isBetween(2.0, 7.0);
        assertThat(refused.readinessProblem()).contains("kube/rbac.yaml");
        assertThat(logs.list).filteredOn(e -> e.getFormattedMessage().contains("403 Forbidden"))
            .as("the hint is logged once, not at every retry").hasSize(1)
            .allSatisfy(e -> assertThat(e.getFormattedMessage()).contains("deploy it with kube/rbac.yaml"));

        admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder()
            .withNewMetadata().withName("grant-" + team).endMetadata()
            .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
            .withName("k8vent-clusterrole").endRoleRef()
            .addNewSubject().withKind("ServiceAccount").withName("k8vent").withNamespace(team).endSubject()
            .build()).create();
        await().atMost(Duration.ofSeconds(60)).until(() -> refused.readinessProblem() == null);
        assertThat(refused.healthProblem()).isNull();
      } finally {
        refused.stop();
        watchLog.detachAppender(logs);
      }
    }
  }

  private static double errors(Metrics metrics) {
    return metrics.registry().scrape().stream().filter(m -> m.getMetadata().getName().equals("k8vent_watch_errors"))
        .flatMap(m -> m.getDataPoints().stream())
        .mapToDouble(d -> ((CounterSnapshot.CounterDataPointSnapshot) d).getValue()).sum();
  }

  private static Settings withNamespaces(Settings s, List<String> namespaces) {
    return s.toBuilder().namespaces(namespaces).build();
  }
}
