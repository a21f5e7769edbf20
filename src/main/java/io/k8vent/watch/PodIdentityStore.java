package io.k8vent.watch;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The informer's cache: per pod (keyed by uid) only what k8vent needs when the pod is gone without
 * a watch event (deleted while the watch was down, noticed on relist): namespace, name,
 * resourceVersion, labels and one annotation (the one that routes the pod). Read straight from the
 * pod's metadata; label keys and the namespace are shared between pods. fabric8's
 * ReducedStateItemStore converts each whole pod to a map to pick its fields, which was most of the
 * allocation of an initial list, and kept every annotation (BENCHMARKS.md).
 */
final class PodIdentityStore implements ItemStore<GenericKubernetesResource> {
  private static final String[] NO_LABELS = new String[0];

  private record Kept(String namespace, String name, String resourceVersion, String[] labels, String annotation) {}

  private final String keptAnnotation;
  private final Backlog backlog;
  private final Map<String, Kept> pods = new ConcurrentHashMap<>();

  /**
   * @param keptAnnotation the one annotation to keep, by key
   * @param backlog counts the notifications each change here gives the handler, and holds the
   *     informer back while too many are outstanding
   */
  PodIdentityStore(String keptAnnotation, Backlog backlog) {
    this.keptAnnotation = keptAnnotation;
    this.backlog = backlog;
  }

  @Override
  public String getKey(GenericKubernetesResource pod) {
    return Cache.metaUidKeyFunc(pod);
  }

  @Override
  public GenericKubernetesResource put(String key, GenericKubernetesResource pod) {
    backlog.awaitRoom();
    Kept kept = keep(pod.getMetadata());
    Kept old = pods.put(key, kept);
    // fabric8 notifies a new pod, or a known one whose resourceVersion changed.
    if (old == null || !Objects.equals(old.resourceVersion(), kept.resourceVersion())) {
      backlog.queued();
    }
    return restore(key, old);
  }

  @Override
  public GenericKubernetesResource remove(String key) {
    Kept old = pods.remove(key);
    if (old != null) {
      backlog.queued();
    }
    return restore(key, old);
  }

  @Override
  public Stream<String> keySet() {
    return pods.keySet().stream();
  }

  @Override
  public Stream<GenericKubernetesResource> values() {
    return pods.entrySet().stream().map(e -> restore(e.getKey(), e.getValue()));
  }

  @Override
  public int size() {
    return pods.size();
  }

  @Override
  public GenericKubernetesResource get(String key) {
    return restore(key, pods.get(key));
  }

  @Override
  public boolean isFullState() {
    return false;
  }

  private Kept keep(ObjectMeta meta) {
    Map<String, String> labels = meta.getLabels();
    String[] flat = NO_LABELS;
    if (labels != null && !labels.isEmpty()) {
      flat = new String[labels.size() * 2];
      int i = 0;
      for (Map.Entry<String, String> label : labels.entrySet()) {
        flat[i++] = label.getKey().intern();
        flat[i++] = label.getValue();
      }
    }
    Map<String, String> annotations = meta.getAnnotations();
    String namespace = meta.getNamespace();
    return new Kept(namespace == null ? null : namespace.intern(), meta.getName(), meta.getResourceVersion(), flat,
        annotations == null ? null : annotations.get(keptAnnotation));
  }

  private GenericKubernetesResource restore(String uid, Kept kept) {
    if (kept == null) {
      return null;
    }
    ObjectMeta meta = new ObjectMeta();
    meta.setUid(uid);
    meta.setNamespace(kept.namespace());
    meta.setName(kept.name());
    meta.setResourceVersion(kept.resourceVersion());
    if (kept.labels().length > 0) {
      Map<String, String> labels = new LinkedHashMap<>();
      for (int i = 0; i < kept.labels().length; i += 2) {
        labels.put(kept.labels()[i], kept.labels()[i + 1]);
      }
      meta.setLabels(labels);
    }
    if (kept.annotation() != null) {
      meta.setAnnotations(new LinkedHashMap<>(Map.of(keptAnnotation, kept.annotation())));
    }
    GenericKubernetesResource pod = new GenericKubernetesResource();
    pod.setApiVersion("v1");
    pod.setKind("Pod");
    pod.setMetadata(meta);
    return pod;
  }
}
