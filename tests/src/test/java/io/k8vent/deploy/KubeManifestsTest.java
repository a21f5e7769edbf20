package io.k8vent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The kube/ manifests say what the README and the seed's commands promise. */
class KubeManifestsTest {
  private static <T> T only(List<HasMetadata> items, Class<T> type) {
    List<T> found = items.stream().filter(type::isInstance).map(type::cast).toList();
    assertThat(found).hasSize(1);
    return found.get(0);
  }

  private static void podRules(List<PolicyRule> rules) {
    PolicyRule pods = rules.stream().filter(r -> r.getResources().contains("pods")).findFirst().orElseThrow();
    assertThat(pods.getApiGroups()).containsExactly("");
    assertThat(pods.getResources()).containsExactly("pods");
    assertThat(pods.getVerbs()).containsExactlyInAnyOrder("get", "list", "watch");
  }

  @Test
  void namespaceIsK8vent() {
    assertThat(Manifests.parse(Manifests.read("namespace.yaml")).get(0).getMetadata().getName()).isEqualTo("k8vent");
  }

  @Test
  void rbacGrantsPodsReadAndNothingMoreClusterWide() {
    List<HasMetadata> items = Manifests.parse(Manifests.read("rbac.yaml"));
    ServiceAccount sa = only(items, ServiceAccount.class);
    assertThat(sa.getMetadata().getName()).isEqualTo("k8vent");
    assertThat(sa.getMetadata().getNamespace()).isEqualTo("k8vent");
    ClusterRole role = only(items, ClusterRole.class);
    assertThat(role.getMetadata().getName()).isEqualTo("k8vent-clusterrole");
    assertThat(role.getRules()).hasSize(1);
    podRules(role.getRules());
    ClusterRoleBinding binding = only(items, ClusterRoleBinding.class);
    assertThat(binding.getRoleRef().getName()).isEqualTo("k8vent-clusterrole");
    assertThat(binding.getSubjects()).singleElement()
        .satisfies(s -> assertThat(List.of(s.getKind(), s.getName(), s.getNamespace()))
            .containsExactly("ServiceAccount", "k8vent", "k8vent"));
    Role lease = only(items, Role.class);
    assertThat(lease.getMetadata().getNamespace()).isEqualTo("k8vent");
    assertThat(lease.getRules()).singleElement().satisfies(r -> {
      assertThat(r.getApiGroups()).containsExactly("coordination.k8s.io");
      assertThat(r.getResources()).containsExactly("leases");
    });
  }

  @Test
  void namespacedVariantUsesARoleInItsOwnNamespace() {
    List<HasMetadata> items = Manifests.parse(Manifests.read("namespaced/rbac.yaml"));
    assertThat(items).noneMatch(i -> i instanceof ClusterRole || i instanceof ClusterRoleBinding);
    podRules(only(items, Role.class).getRules());
    Deployment d = (Deployment) Manifests.parse(Manifests.read("namespaced/deployment.yaml")).get(0);
    EnvVar ns = d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getName().equals("K8VENT_NAMESPACE")).findFirst().orElseThrow();
    assertThat(ns.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
  }

  @ParameterizedTest
  @ValueSource(strings = {"deployment-rbac.yaml", "deployment-no-rbac.yaml", "namespaced/deployment.yaml"})
  void deploymentsAreSafeAndProbed(String file) {
    Deployment d = (Deployment) Manifests.parse(Manifests.read(file)).get(0);
    assertThat(d.getApiVersion()).isEqualTo("apps/v1");
    assertThat(d.getMetadata().getName()).isEqualTo("k8vent");
    assertThat(d.getSpec().getReplicas()).isEqualTo(1);
    assertThat(d.getSpec().getSelector().getMatchLabels()).isEqualTo(d.getSpec().getTemplate().getMetadata().getLabels());
    PodSpec pod = d.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    Container c = pod.getContainers().get(0);
    assertThat(c.getName()).isEqualTo("k8vent");
    assertThat(c.getImage()).matches("atomist/k8vent:\\d+\\.\\d+\\.\\d+");
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getPorts()).singleElement().satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(8080));
    assertThat(c.getResources().getLimits()).containsKey("memory");
    Map<String, String> env = c.getEnv().stream().filter(e -> e.getValue() != null)
        .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    assertThat(env).containsEntry("K8VENT_WEBHOOKS", "https://webhook.atomist.com/atomist/kube/teams/T0REPLACE")
        .containsEntry("ATOMIST_ENVIRONMENT", "ENV_REPLACE").containsEntry("K8VENT_LOG_FORMAT", "json");
    if (!file.equals("deployment-no-rbac.yaml")) {
      assertThat(pod.getServiceAccountName()).isEqualTo("k8vent");
    } else {
      assertThat(pod.getServiceAccountName()).isNull();
    }
    if (!file.startsWith("namespaced/")) {
      assertThat(d.getMetadata().getNamespace()).isEqualTo("k8vent");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"deployment-rbac.yaml", "deployment-no-rbac.yaml", "namespaced/deployment.yaml"})
  void theSeedsSedPipelineFillsEveryPlaceholder(String file) {
    String yaml = Manifests.sed(file, "AT3AM1D", "production");
    assertThat(yaml).doesNotContain("T0REPLACE").doesNotContain("ENV_REPLACE");
    Deployment d = (Deployment) Manifests.parse(yaml).get(0);
    Map<String, String> env = d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getValue() != null).collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    assertThat(env).containsEntry("K8VENT_WEBHOOKS", "https://webhook.atomist.com/atomist/kube/teams/AT3AM1D")
        .containsEntry("ATOMIST_ENVIRONMENT", "production");
  }
}
