package io.k8vent.watch;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

/**
 * A pod state change: the pod as the API server sent it (for a deletion noticed only on relist,
 * the reduced state the cache held) and what happened to it. {@code leftSelection}: a DELETED of
 * a pod that still exists but no longer matches the label or field selector.
 */
public record PodEvent(Type type, GenericKubernetesResource pod, long receivedNanos, boolean leftSelection) {

  public enum Type {
    ADDED, MODIFIED, DELETED
  }

  public String namespacedName() {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  /** The pod's identity across its lifetime; a pod re-created under the same name is another pod. */
  public String key() {
    String uid = pod.getMetadata().getUid();
    return uid != null ? uid : namespacedName();
  }
}
