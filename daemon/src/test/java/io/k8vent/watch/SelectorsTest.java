package io.k8vent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.k8vent.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Label and field selectors as kubectl takes them: what they match, and the start-up errors. */
class SelectorsTest {
  private static final Map<String, String> LABELS = Map.of("app", "web", "tier", "front", "example.com/rank", "3");

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = ';', value = {
      "app=web; true", "app==web; true", "app!=web; false", "app=db; false", "app; true", "!app; false",
      "missing; false", "!missing; true", "missing!=x; true", "app in (db, web); true", "app notin (db,web); false",
      "app in (db); false", "tier notin (back); true", "app=web,tier=front; true", "app=web, tier=back; false",
      "example.com/rank>2; true", "example.com/rank<3; false", "app>1; false", " app = web ; true", "app=; false",
      "missing=; false"})
  void labelSelectorsMatchAsTheApiServerDoes(String selector, boolean matches) {
    assertThat(LabelSelector.parse(selector, "--label-selector").matches(LABELS)).isEqualTo(matches);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiter = ';', value = {
      "app=web=x; has unexpected", "app in web; expects '('", "app in (a,b; expects ')'",
      "-app=web; invalid label key", "app=we b; has unexpected", "Example.com/app=x; invalid label key prefix",
      "rank>two; not an integer", "'  '; is empty", "app=web,; expects a label key", "app=-x; invalid label value"})
  void aBadLabelSelectorIsRefusedNamingTheOption(String selector, String problem) {
    assertThatThrownBy(() -> LabelSelector.parse(selector, "K8VENT_LABEL_SELECTOR"))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("K8VENT_LABEL_SELECTOR \"" + selector + "\"")
        .hasMessageContaining(problem);
  }

  @Test
  void fieldSelectorsMatchPodFieldsAsTheApiServerComparesThem() {
    GenericKubernetesResource pod = pod("shop", "web", Map.of("nodeName", "node-a"), Map.of("phase", "Running"));
    assertThat(FieldSelector.parse("spec.nodeName=node-a", "--field-selector").matches(pod)).isTrue();
    assertThat(FieldSelector.parse("spec.nodeName==node-b", "--field-selector").matches(pod)).isFalse();
    assertThat(FieldSelector.parse("status.phase!=Succeeded,metadata.namespace=shop", "--field-selector").matches(pod))
        .isTrue();
    assertThat(FieldSelector.parse("metadata.name=web, status.phase!=Running", "--field-selector").matches(pod))
        .isFalse();
    assertThat(FieldSelector.parse("spec.hostNetwork=false", "--field-selector").matches(pod))
        .as("an absent boolean compares as false").isTrue();
    assertThat(FieldSelector.parse("status.podIP=", "--field-selector").matches(pod))
        .as("an absent field compares as empty").isTrue();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiter = ';', value = {
      "spec.nodename=a; pods cannot be selected by \"spec.nodename\"; use one of metadata.name",
      "status.phase; is not FIELD=VALUE", "status.phase=Running,status.phase=Failed; to equal two values",
      "status.phase=a!=b; more than one operator", "'  '; is empty"})
  void aBadFieldSelectorIsRefusedNamingTheOption(String selector, String problem) {
    assertThatThrownBy(() -> FieldSelector.parse(selector, "--field-selector"))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("--field-selector")
        .hasMessageContaining(problem);
  }

  private static GenericKubernetesResource pod(String namespace, String name, Map<String, Object> spec,
      Map<String, Object> status) {
    GenericKubernetesResource pod = new GenericKubernetesResource();
    pod.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
    pod.setAdditionalProperty("spec", new LinkedHashMap<>(spec));
    pod.setAdditionalProperty("status", new LinkedHashMap<>(status));
    return pod;
  }
}
