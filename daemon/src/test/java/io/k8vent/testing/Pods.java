package io.k8vent.testing;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.Map;

/** Small pods for tests. */
public final class Pods {
  private Pods() {}

  public static Pod pod(String namespace, String name) {
    return pod(namespace, name, Map.of());
  }

  public static Pod pod(String namespace, String name, Map<String, String> annotations) {
    return new PodBuilder()
        .withNewMetadata().withNamespace(namespace).withName(name).withAnnotations(annotations)
        .addToLabels("app", name).endMetadata()
        .withNewSpec().addNewContainer().withName("main").withImage("example/app:1").endContainer().endSpec()
        .withNewStatus().withPhase("Pending").endStatus()
        .build();
  }

  public static Map<String, String> k8vent(String json) {
    return Map.of("atomist.com/k8vent", json);
  }
}
