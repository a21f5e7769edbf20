package io.k8vent.payload;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.k8vent.watch.PodSource;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The change filter's fingerprint: blind to what every write moves, sensitive to anything kubectl shows. */
class PodFingerprintTest {
  private static GenericKubernetesResource realistic() throws IOException {
    try (InputStream in = PodFingerprintTest.class.getResourceAsStream("/pods/web-realistic.json")) {
      return PodSource.serialization(true).unmarshal(in, GenericKubernetesResource.class);
    }
  }

  @Test
  void resourceVersionManagedFieldsAndTheTypeFieldsDoNotCount() throws IOException {
    GenericKubernetesResource pod = realistic();
    long before = PodFingerprint.of(pod);
    pod.getMetadata().setResourceVersion("999999");
    pod.getMetadata().setManagedFields(List.of(new ManagedFieldsEntryBuilder().withManager("other")
        .withOperation("Apply").withTime("2026-12-02T10:00:00Z").build()));
    pod.setKind(null);
    pod.setApiVersion(null);
    assertThat(PodFingerprint.of(pod)).isEqualTo(before);
  }

  @Test
  @SuppressWarnings("unchecked")
  void anyVisibleChangeCounts() throws IOException {
    long original = PodFingerprint.of(realistic());

    GenericKubernetesResource relabelled = realistic();
    relabelled.getMetadata().getLabels().put("release", "canary");
    GenericKubernetesResource status = realistic();
    ((Map<String, Object>) status.getAdditionalProperties().get("status")).put("phase", "Aa");
    GenericKubernetesResource collision = realistic();
    ((Map<String, Object>) collision.getAdditionalProperties().get("status")).put("phase", "BB");
    GenericKubernetesResource nulled = realistic();
    ((Map<String, Object>) nulled.getAdditionalProperties().get("spec")).put("nodeName", null);
    GenericKubernetesResource annotated = realistic();
    annotated.getMetadata().setAnnotations(Map.of("example.com/x", "1"));

    List<Long> changed = List.of(PodFingerprint.of(relabelled), PodFingerprint.of(status),
        PodFingerprint.of(collision), PodFingerprint.of(nulled), PodFingerprint.of(annotated));
    assertThat(changed).doesNotContain(original).doesNotHaveDuplicates();
  }

  @Test
  @SuppressWarnings("unchecked")
  void aValueOfAnotherTypeOrShapeCounts() throws IOException {
    List<Object> values = new ArrayList<>(List.of("ab", List.of("ab"), List.of("a", "b"), List.of(),
        Map.of(), Map.of("ab", "x"), Map.of("a", "bx"), 1, 1L << 40, "1", 1.5, "1.5", true, "true",
        new BigDecimal("1.50"), new BigDecimal("1.5")));
    values.add(null);
    List<Long> fingerprints = new ArrayList<>();
    for (Object value : values) {
      GenericKubernetesResource pod = realistic();
      ((Map<String, Object>) pod.getAdditionalProperties().get("status")).put("x", value);
      fingerprints.add(PodFingerprint.of(pod));
    }
    assertThat(fingerprints).doesNotHaveDuplicates();
  }
}
