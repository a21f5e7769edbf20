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
import io.k8vent.config.Cidr;
import io.k8vent.Settings;
import io.k8vent.config.WebhookSafety;
import io.k8vent.demo.LocalKubeCluster;
import io.k8vent.ops.Metrics;
import io.k8vent.testing.KubeApiServer;
import io.k8vent.testing.TestSettings;
import io.k8vent.testing.WebhookReceiver.Request;
import io.k8vent.testing.WebhookReceiver;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** What a pod author can make k8vent do with the annotation, on a real API server. */
class HostilePodIT {
  private static final Map<String, String> ENV = Map.of("ATOMIST_ENVIRONMENT", "production");

  private static double counter(Metrics metrics, String name, String labelValue) {
    return metrics.registry().scrape().stream().filter(m -> m.getMetadata().getName().equals(name))
        .flatMap(m -> ((CounterSnapshot) m).getDataPoints().stream())
        .filter(d -> d.getLabels().stream().anyMatch(l -> l.getValue().equals(labelValue)))
        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
  }

  private static int scrapeBytes(Metrics metrics) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
    return out.size();
  }

  @Test
  void forbiddenDestinationsAreRefusedByAddressAndThePodsOtherWebhooksStillGetIt() throws Exception {
    LocalKubeCluster cluster = KubeApiServer.shared();
    try (KubernetesClient admin = cluster.adminClient();
        WebhookReceiver global = new WebhookReceiver();
        WebhookReceiver onLoopback = new WebhookReceiver();
        WebhookReceiver allowed = new WebhookReceiver(InetAddress.getByName("127.0.0.2"));
        KubernetesClient client = k8ventClient(cluster.apiServer().url(), LocalKubeCluster.ADMIN_TOKEN)) {
      String ns = namespace(admin, "forbidden");
      Settings settings = TestSettings.inNamespace(TestSettings.withSafety(TestSettings.forUrls(global.url()),
          TestSettings.allowing(WebhookSafety.defaults(), Cidr.parse("127.0.0.2/32", "--webhook-allow-cidr"))), ns);
      Metrics metrics = new Metrics(settings.webhooks());
      Daemon daemon = startDaemon(settings, client, ENV, metrics, metrics);
      try {
        String annotation = "{\"webhooks\":[\"" + onLoopback.url("/direct") + "\","
            + "\"http://localhost:" + onLoopback.url().getPort() + "/by-name\","
            + "\"http://169.254.169.254/latest/meta-data/\","
            + "\"http://[::ffff:127.0.0.1]:" + onLoopback.url().getPort() + "/mapped\","
            + "\"" + allowed.url("/team") + "\"]}";
        admin.pods().inNamespace(ns).resource(pod(ns, "sneaky", k8vent(annotation))).create();

        waitFor(allowed, ns + "/sneaky", "ADDED");
        await("four destinations refused").atMost(Duration.ofSeconds(30))
            .until(() -> counter(metrics, "k8vent_webhooks_refused", "destination") >= 4);

        assertThat(onLoopback.requests()).as("loopback by address, by name and IPv4-mapped: all refused").isEmpty();
        assertThat(global.requests()).extracting(Request::podName).doesNotContain(ns + "/sneaky");
        assertThat(counter(metrics, "k8vent_deliveries", "refused")).isGreaterThanOrEqualTo(4);
      } finally {
        daemon.close();
      }
    }
  }

  @Test
  void theApiServerStaysRefusedEvenWhenItsRangeIsAllowed() throws Exception {
    LocalKubeCluster cluster = KubeApiServer.shared();
    try (KubernetesClient admin = cluster.adminClient();
        WebhookReceiver global = new WebhookReceiver();
        WebhookReceiver team = new WebhookReceiver();
        KubernetesClient client = k8ventClient(cluster.apiServer().url(), LocalKubeCluster.ADMIN_TOKEN)) {
      String ns = namespace(admin, "api-target");
      Settings settings = TestSettings.inNamespace(TestSettings.forUrls(global.url()), ns);
      Metrics metrics = new Metrics(settings.webhooks());
      Daemon daemon = startDaemon(settings, client, ENV, metrics, metrics);
      try {
        String api = cluster.apiServer().url().replaceAll("/$", "");
        String annotation = "{\"webhooks\":[\"" + api + "/api/v1/namespaces/" + ns + "/pods\",\"" + team.url() + "\"]}";
        admin.pods().inNamespace(ns).resource(pod(ns, "to-api", k8vent(annotation))).create();

        waitFor(team, ns + "/to-api", "ADDED");
        await("the API server refused").atMost(Duration.ofSeconds(30))
            .until(() -> counter(metrics, "k8vent_webhooks_refused", "destination") >= 1);
        assertThat(admin.pods().inNamespace(ns).list().getItems()).hasSize(1);
      } finally {
        daemon.close();
      }
    }
  }

  @Test
  void k8ventsOwnAddressStaysRefusedEvenWhenItsRangeIsAllowed() throws Exception {
    InetAddress own = NetworkInterface.networkInterfaces().flatMap(NetworkInterface::inetAddresses)
        .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()).findFirst()
        .orElseThrow(() -> new AssertionError("this test needs a non-loopback IPv4 address on the machine"));
    LocalKubeCluster cluster = KubeApiServer.shared();
    try (KubernetesClient admin = cluster.adminClient();
        WebhookReceiver global = new WebhookReceiver();
        WebhookReceiver team = new WebhookReceiver();
        WebhookReceiver onOwnAddress = new WebhookReceiver(own);
        KubernetesClient client = k8ventClient(cluster.apiServer().url(), LocalKubeCluster.ADMIN_TOKEN)) {
      String ns = namespace(admin, "self-target");
      Settings settings = TestSettings.inNamespace(TestSettings.withSafety(TestSettings.forUrls(global.url()),
          TestSettings.allowing(WebhookSafety.defaults(), Cidr.parse("0.0.0.0/0", "--webhook-allow-cidr"))), ns);
      Metrics metrics = new Metrics(settings.webhooks());
      Daemon daemon = startDaemon(settings, client, ENV, metrics, metrics);
      try {
        String annotation = "{\"webhooks\":[\"" + onOwnAddress.url("/ops") + "\",\"" + team.url() + "\"]}";
        admin.pods().inNamespace(ns).resource(pod(ns, "self", k8vent(annotation))).create();

        waitFor(team, ns + "/self", "ADDED");
        await("k8vent's own address refused").atMost(Duration.ofSeconds(30))
            .until(() -> counter(metrics, "k8vent_webhooks_refused", "destination") >= 1);
        assertThat(onOwnAddress.requests()).as("nothing sent to " + own.getHostAddress()).isEmpty();
      } finally {
        daemon.close();
      }
    }
  }

  @Test
  void podsListingThousandsOfWebhooksCannotGrowThreadsQueuesOrMetrics() throws Exception {
    LocalKubeCluster cluster = KubeApiServer.shared();
    try (KubernetesClient admin = cluster.adminClient();
        WebhookReceiver global = new WebhookReceiver();
        ServerSocket silent = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress());
        KubernetesClient client = k8ventClient(cluster.apiServer().url(), LocalKubeCluster.ADMIN_TOKEN)) {
      String ns = namespace(admin, "fan-out");
      Settings settings = TestSettings.inNamespace(TestSettings.forUrls(global.url()), ns);
      Metrics metrics = new Metrics(settings.webhooks());
      Daemon daemon = startDaemon(settings, client, ENV, metrics, metrics);
      try {
        admin.pods().inNamespace(ns).resource(pod(ns, "first")).create();
        waitFor(global, ns + "/first", "ADDED");
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        int metricsBefore = scrapeBytes(metrics);

        // 120 pods, each listing 2,000 URLs on a listener that never answers: 10 used per pod,
        // 1,200 distinct URLs wanted, at most 1,000 at once.
        for (int p = 0; p < 120; p++) {
          int pod = p;
          String urls = IntStream.range(0, 2000)
              .mapToObj(i -> "\"http://127.0.0.1:" + silent.getLocalPort() + "/p" + pod + "/u" + i + "\"")
              .collect(Collectors.joining(","));
          admin.pods().inNamespace(ns).resource(pod(ns, "fan-" + p, k8vent("{\"webhooks\":[" + urls + "]}"))).create();
        }
        admin.pods().inNamespace(ns).resource(pod(ns, "last")).create();
        waitFor(global, ns + "/last", "ADDED");
        await("the limit of annotation webhooks refused some").atMost(Duration.ofSeconds(60))
            .until(() -> counter(metrics, "k8vent_webhooks_refused", "limit") > 0);

        int threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
        int metricsAfter = scrapeBytes(metrics);
        System.out.printf("fan-out: threads %d -> %d, /metrics %d -> %d bytes%n", threadsBefore, threadsAfter,
            metricsBefore, metricsAfter);
        assertThat(threadsAfter).as("no thread per request or per URL").isLessThan(threadsBefore + 10);
        assertThat(metricsAfter).as("annotation webhooks share one label value").isLessThan(metricsBefore + 2048);
        assertThat(counter(metrics, "k8vent_webhooks_refused", "limit"))
            .as("1,200 distinct URLs wanted, 1,000 at most at once").isGreaterThanOrEqualTo(200);
      } finally {
        daemon.close();
      }
    }
  }
}
