package io.k8vent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.k8vent.demo.LocalKubeCluster;
import io.k8vent.testing.LocalPorts;
import io.k8vent.testing.K8ventProcess;
import io.k8vent.testing.KubeApiServer;
import io.k8vent.testing.Tools;
import io.k8vent.testing.Tools.Result;
import io.k8vent.testing.WebhookReceiver;
import io.k8vent.testing.WebhookReceiver.Request;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * charts/k8vent as users install it: helm lint, and helm template piped to kubectl apply
 * --dry-run=server on a real API server, with the required value only and with every feature on
 * (ci/all-features-values.yaml); kube/'s NetworkPolicy and monitoring objects the same way.
 */
class HelmChartIT {
  static final String CHART = "charts/k8vent";
  static final String ALL_FEATURES = CHART + "/ci/all-features-values.yaml";
  static final String WEBHOOK = "webhooks[0]=https://webhook.atomist.com/atomist/kube/teams/AT3AM1D";
  private static LocalKubeCluster cluster;
  private static String kubeVersion;

  @TempDir
  Path dir;

  @BeforeAll
  static void cluster() throws Exception {
    cluster = KubeApiServer.shared();
    try (KubernetesClient admin = cluster.adminClient()) {
      kubeVersion = admin.getKubernetesVersion().getGitVersion();
    }
    Result crds = kubectl(null, "apply", "-f", "tests/src/test/resources/crds/monitoring.coreos.com.yaml");
    assertThat(crds.code()).as(crds.output()).isZero();
    Result established = kubectl(null, "wait", "--for=condition=Established", "--timeout=60s",
        "crd/servicemonitors.monitoring.coreos.com", "crd/podmonitors.monitoring.coreos.com",
        "crd/prometheusrules.monitoring.coreos.com");
    assertThat(established.code()).as(established.output()).isZero();
  }

  private static Result kubectl(String stdin, String... args) {
    return Tools.kubectl(cluster.adminKubeconfig(), stdin, args);
  }

  private static String namespace(String prefix) {
    try (KubernetesClient admin = cluster.adminClient()) {
      return KubeApiServer.namespace(admin, prefix);
    }
  }

  private static void ensureNamespace(String name) {
    try (KubernetesClient admin = cluster.adminClient()) {
      admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
          .createOr(r -> r.update());
    }
  }

  private static String template(String namespace, String... args) {
    List<String> all = new ArrayList<>(List.of("template", "k8vent", CHART, "--namespace", namespace,
        "--kube-version", kubeVersion));
    all.addAll(List.of(args));
    Result r = Tools.helm(all.toArray(String[]::new));
    assertThat(r.code()).as(r.output()).isZero();
    return r.output();
  }

  private static List<HasMetadata> parse(String yaml) {
    Object parsed = new KubernetesSerialization().unmarshal(yaml);
    List<HasMetadata> items = new ArrayList<>();
    for (Object o : parsed instanceof List<?> l ? l : List.of(parsed)) {
      if (o != null) {
        items.add((HasMetadata) o);
      }
    }
    return items;
  }

  private static <T extends HasMetadata> List<T> ofType(List<HasMetadata> items, Class<T> type) {
    return items.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private static List<String> kinds(List<HasMetadata> items) {
    return items.stream().map(HasMetadata::getKind).sorted().toList();
  }

  private static void dryRun(String yaml) {
    Result r = kubectl(yaml, "apply", "--dry-run=server", "--validate=strict", "-f", "-");
    assertThat(r.code()).as(r.output()).isZero();
    assertThat(r.output()).contains("(server dry run)");
  }

  private static Map<String, EnvVar> env(Container c) {
    return c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
  }

  @Test
  void lintPassesWithTheRequiredValueAndWithEveryFeature() {
    Result required = Tools.helm("lint", CHART, "--strict", "--set", WEBHOOK);
    assertThat(required.code()).as(required.output()).isZero();
    assertThat(required.output()).contains("1 chart(s) linted, 0 chart(s) failed");
    Result all = Tools.helm("lint", CHART, "--strict", "-f", ALL_FEATURES);
    assertThat(all.code()).as(all.output()).isZero();
  }

  @Test
  void withoutWebhooksOrWithContradictionsTheRenderFailsNamingTheValues() {
    Result none = Tools.helm("template", "k8vent", CHART);
    assertThat(none.code()).isNotZero();
    assertThat(none.output()).contains("set webhooks").contains("existingSecret.name");
    Result unelected = Tools.helm("template", "k8vent", CHART, "--set", WEBHOOK, "--set", "replicas=2");
    assertThat(unelected.code()).isNotZero();
    assertThat(unelected.output()).contains("leaderElection.enabled=true");
    Result both = Tools.helm("template", "k8vent", CHART, "--set", WEBHOOK, "--set", "existingSecret.name=s");
    assertThat(both.code()).isNotZero();
    assertThat(both.output()).contains("not both");
    Result password = Tools.helm("template", "k8vent", CHART, "--set", "webhooks[0]=https://u:pa55w0rd@hooks.example.com/x");
    assertThat(password.code()).isNotZero();
    assertThat(password.output()).contains("webhooks[0]").contains("user-info").doesNotContain("pa55w0rd");
  }

  @Test
  void defaultsRenderWhatKubesManifestsHoldAndTheApiServerAcceptsThem() throws Exception {
    String ns = namespace("helm-default");
    String yaml = template(ns, "--set", WEBHOOK, "--set", "environment=production");
    dryRun(yaml);

    List<HasMetadata> items = parse(yaml);
    assertThat(kinds(items)).containsExactly("ClusterRole", "ClusterRoleBinding", "Deployment", "Secret", "ServiceAccount");
    Deployment chart = ofType(items, Deployment.class).get(0);
    Deployment kube = (Deployment) parse(Files.readString(Path.of("kube/deployment-rbac.yaml"))).get(0);
    PodSpec pod = chart.getSpec().getTemplate().getSpec();
    PodSpec kubePod = kube.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext()).isEqualTo(kubePod.getSecurityContext());
    Container c = pod.getContainers().get(0);
    Container kc = kubePod.getContainers().get(0);
    assertThat(c.getName()).isEqualTo("k8vent");
    assertThat(c.getImage()).isEqualTo(kc.getImage());
    assertThat(c.getSecurityContext()).isEqualTo(kc.getSecurityContext());
    assertThat(c.getResources()).isEqualTo(kc.getResources());
    assertThat(c.getLivenessProbe()).isEqualTo(kc.getLivenessProbe());
    assertThat(c.getReadinessProbe()).isEqualTo(kc.getReadinessProbe());
    assertThat(c.getPorts()).isEqualTo(kc.getPorts());
    assertThat(chart.getSpec().getReplicas()).isEqualTo(1);
    Map<String, EnvVar> env = env(c);
    assertThat(env.get("K8VENT_WEBHOOKS").getValueFrom().getSecretKeyRef().getName()).isEqualTo("k8vent");
    assertThat(env.get("ATOMIST_ENVIRONMENT").getValue()).isEqualTo("production");
    assertThat(env.get("K8VENT_LOG_FORMAT").getValue()).isEqualTo("json");
    assertThat(env).doesNotContainKeys("K8VENT_WEBHOOK_SECRET", "K8VENT_NAMESPACE", "K8VENT_LEADER_ELECT",
        "K8VENT_LABEL_SELECTOR", "K8VENT_FIELD_SELECTOR", "K8VENT_EVENTS");
    assertThat(env.get("K8VENT_CHANGES").getValue()).isEqualTo("visible");
    assertThat(env.get("K8VENT_FORMAT").getValue()).isEqualTo("k8vent");
    assertThat(env.get("K8VENT_CLOUDEVENTS_MODE").getValue()).isEqualTo("binary");
    assertThat(yaml).contains("webhooks: \"https://webhook.atomist.com/atomist/kube/teams/AT3AM1D\"");
  }

  /**
   * The chart installed for real (its RBAC, ServiceAccount, Secret; no controller runs the
   * Deployment here), then the jar run with the Deployment's environment and the ServiceAccount's
   * token, as the pod would: it watches the namespace the chart names, wins the Lease the chart's
   * Role lets it take, and delivers.
   */
  @Test
  void theChartsRightsAndEnvironmentRunK8ventInTheNamespaceItNames() throws Exception {
    String release = namespace("helm-run");
    String watched = namespace("helm-watched");
    try (KubernetesClient admin = cluster.adminClient();
        WebhookReceiver hook = new WebhookReceiver()) {
      String yaml = template(release, "--set", "webhooks[0]=" + hook.url(), "--set", "environment=helm-it",
          "--set", "watch.namespaces[0]=" + watched, "--set", "leaderElection.enabled=true", "--set", "replicas=2",
          "--set", "leaderElection.leaseName=k8vent-it");
      Result applied = kubectl(yaml, "apply", "-f", "-");
      assertThat(applied.code()).as(applied.output()).isZero();

      Deployment d = ofType(parse(yaml), Deployment.class).get(0);
      Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
      Map<String, String> env = new HashMap<>(Map.of("HOME", dir.toString()));
      for (EnvVar e : c.getEnv()) {
        if (e.getValue() != null) {
          env.put(e.getName(), e.getValue());
        } else if (e.getValueFrom().getFieldRef() != null) {
          assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
          env.put(e.getName(), release);
        } else {
          var ref = e.getValueFrom().getSecretKeyRef();
          var secret = admin.secrets().inNamespace(release).withName(ref.getName()).get();
          env.put(e.getName(), new String(java.util.Base64.getDecoder().decode(secret.getData().get(ref.getKey())),
              java.nio.charset.StandardCharsets.UTF_8));
        }
      }
      String token = KubeApiServer.serviceAccountToken(cluster, release, d.getSpec().getTemplate().getSpec()
          .getServiceAccountName());
      int opsPort = LocalPorts.free();
      admin.pods().inNamespace(watched).resource(io.k8vent.testing.Pods.pod(watched, "watched")).create();
      try (K8ventProcess k8vent = K8ventProcess.start(env, "--kubeconfig", cluster.apiServer().kubeconfig(token).toString(),
          "--ops-port", String.valueOf(opsPort))) {
        await().atMost(Duration.ofSeconds(60)).until(() -> !hook.requests().isEmpty());
        assertThat(hook.requests()).extracting(Request::podName).containsExactly(watched + "/watched");
        assertThat(hook.requests().get(0).json().at("/env/ATOMIST_ENVIRONMENT").asText()).isEqualTo("helm-it");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> LocalPorts.status(opsPort, "/readyz") == 200);
        assertThat(admin.leases().inNamespace(release).withName("k8vent-it").get().getSpec().getHolderIdentity())
            .isNotBlank();
        assertThat(k8vent.stderr()).as("the chart's K8VENT_LOG_FORMAT").startsWith("{");
      }
    }
  }

  @Test
  void everyFeatureAtOnceIsAcceptedByTheApiServer() throws Exception {
    String ns = namespace("helm-all");
    for (String other : List.of("shop", "payments", "grafana")) {
      ensureNamespace(other);
    }
    String yaml = template(ns, "-f", ALL_FEATURES);
    dryRun(yaml);

    List<HasMetadata> items = parse(yaml);
    assertThat(kinds(items)).containsExactly("ConfigMap", "Deployment", "NetworkPolicy", "PrometheusRule",
        "Role", "Role", "Role", "RoleBinding", "RoleBinding", "RoleBinding", "Service", "ServiceAccount",
        "ServiceMonitor");
    assertThat(items).as("an existing Secret is used, none is made").noneMatch(i -> i.getKind().equals("Secret"));
    assertThat(items).filteredOn(i -> i.getKind().equals("Role")).extracting(i -> i.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("shop", "payments", ns);

    Deployment d = ofType(items, Deployment.class).get(0);
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getImage()).isEqualTo("registry.example.com/atomist/k8vent@sha256:"
        + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    Map<String, EnvVar> env = env(c);
    assertThat(env.get("K8VENT_WEBHOOKS").getValueFrom().getSecretKeyRef())
        .satisfies(k -> assertThat(List.of(k.getName(), k.getKey())).containsExactly("k8vent-webhooks", "urls"));
    assertThat(env.get("K8VENT_WEBHOOK_SECRET").getValueFrom().getSecretKeyRef())
        .satisfies(k -> assertThat(List.of(k.getName(), k.getKey())).containsExactly("k8vent-webhooks", "signing-secret"));
    assertThat(env.get("K8VENT_NAMESPACE").getValue()).isEqualTo("shop,payments");
    assertThat(env.get("K8VENT_LABEL_SELECTOR").getValue()).isEqualTo("app.kubernetes.io/part-of=shop");
    assertThat(env.get("K8VENT_FIELD_SELECTOR").getValue()).isEqualTo("status.phase!=Succeeded");
    assertThat(env.get("K8VENT_EVENTS").getValue()).isEqualTo("ADDED,DELETED");
    assertThat(env.get("K8VENT_CHANGES").getValue()).isEqualTo("all");
    assertThat(env.get("K8VENT_FORMAT").getValue()).isEqualTo("cloudevents");
    assertThat(env.get("K8VENT_CLOUDEVENTS_MODE").getValue()).isEqualTo("structured");
    assertThat(env.get("K8VENT_LEADER_ELECT").getValue()).isEqualTo("true");
    assertThat(env.get("K8VENT_LEADER_ELECT_LEASE_NAME").getValue()).isEqualTo("k8vent-shop");
    assertThat(env.get("K8VENT_LEADER_ELECT_LEASE_DURATION").getValue()).isEqualTo("20s");
    assertThat(env.get("K8VENT_RETRY_GIVE_UP_AFTER").getValue()).isEqualTo("30m");
    assertThat(c.getArgs()).containsExactly("--annotation-webhooks=deny");

    GenericKubernetesResource dashboard = null;
    for (HasMetadata i : items) {
      if (i.getKind().equals("ConfigMap")) {
        assertThat(i.getMetadata().getNamespace()).isEqualTo("grafana");
        assertThat(i.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        String json = ((io.fabric8.kubernetes.api.model.ConfigMap) i).getData().get("k8vent.json");
        assertThat(new ObjectMapper().readTree(json))
            .isEqualTo(new ObjectMapper().readTree(Path.of(CHART, "files/k8vent-dashboard.json").toFile()));
      }
      if (i.getKind().equals("PrometheusRule")) {
        JsonNode spec = new ObjectMapper().valueToTree(((GenericKubernetesResource) i).getAdditionalProperties().get("spec"));
        JsonNode file = new ObjectMapper(new YAMLFactory()).readTree(Path.of(CHART, "files/k8vent-alerts.yaml").toFile());
        assertThat(spec).isEqualTo(file);
      }
    }
    egressNeverReachesCloudMetadata(ofType(items, NetworkPolicy.class).get(0), "observability");
  }

  /** Every egress ipBlock that spans a metadata range cuts it out; ingress reaches only the ops port. */
  static void egressNeverReachesCloudMetadata(NetworkPolicy np, String monitoringNamespace) {
    assertThat(np.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
    assertThat(np.getSpec().getIngress()).singleElement().satisfies(rule -> {
      assertThat(rule.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getStrVal()).isEqualTo("ops"));
      assertThat(rule.getFrom()).singleElement().satisfies(peer -> assertThat(
          peer.getNamespaceSelector().getMatchLabels()).containsEntry("kubernetes.io/metadata.name", monitoringNamespace));
    });
    List<IPBlock> blocks = np.getSpec().getEgress().stream().flatMap(r -> r.getTo().stream())
        .map(NetworkPolicyPeer::getIpBlock).filter(b -> b != null).toList();
    assertThat(blocks).isNotEmpty();
    for (IPBlock b : blocks) {
      if (b.getCidr().equals("0.0.0.0/0")) {
        assertThat(b.getExcept()).contains("169.254.0.0/16");
      } else if (b.getCidr().equals("::/0")) {
        assertThat(b.getExcept()).contains("fe80::/10", "fd00:ec2::254/128");
      } else {
        assertThat(b.getCidr()).doesNotStartWith("169.254.").doesNotStartWith("fe80:");
      }
    }
    assertThat(blocks).extracting(IPBlock::getCidr).contains("0.0.0.0/0");
  }

  @Test
  void kubesNetworkPolicyAndMonitoringObjectsAreAcceptedByTheApiServer() throws Exception {
    ensureNamespace("k8vent");
    for (String file : List.of("kube/networkpolicy.yaml", "kube/monitoring/prometheusrule.yaml",
        "kube/monitoring/podmonitor.yaml")) {
      Result r = kubectl(null, "apply", "--dry-run=server", "--validate=strict", "-f", file);
      assertThat(r.code()).as(file + ": " + r.output()).isZero();
    }
    NetworkPolicy np = (NetworkPolicy) parse(Files.readString(Path.of("kube/networkpolicy.yaml"))).get(0);
    egressNeverReachesCloudMetadata(np, "monitoring");
    assertThat(np.getSpec().getPodSelector().getMatchLabels()).isEqualTo(Map.of("app.kubernetes.io/name", "k8vent"));
  }

  @Test
  void theDryRunRejectsAMonitoringObjectWithAFieldTheOperatorDoesNotKnow() {
    String ns = namespace("helm-strict");
    String yaml = template(ns, "--set", WEBHOOK, "--set", "serviceMonitor.enabled=true")
        .replace("scrapeTimeout: 10s", "scrapeTimeout: 10s\n      scrapeTimout: 10s");
    Result r = kubectl(yaml, "apply", "--dry-run=server", "--validate=strict", "-f", "-");
    assertThat(r.code()).as(r.output()).isNotZero();
    assertThat(r.output()).contains("scrapeTimout");
  }
}
