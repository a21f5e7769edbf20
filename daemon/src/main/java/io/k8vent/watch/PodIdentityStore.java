package io.k8vent.watch;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.k8vent.payload.PodFingerprint;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The informer's cache: per pod (keyed by uid) only what k8vent needs when the pod is gone without
 * a watch event (deleted while the watch was down, noticed on relist): namespace, name,
 * resourceVersion, labels and one annotation (the one that routes the pod). Read straight from the
 * pod's metadata. Labels, the annotation and the namespace are shared between pods: the pods of one
 * workload have the same ones (a 10,000-pod sync kept 40,000 fewer strings, 1.3 MB; BENCHMARKS.md,
 * round 9). Trade-off: fabric8's own ReducedStateItemStore would convert each whole pod to a map to
 * pick its fields and keep every annotation, which costs more (BENCHMARKS.md, round 3). With
 * fingerprints on, it also keeps each state's {@link PodFingerprint}, and tells the handler whether
 * a new state shows anything new ({@link #sameContentAsNext}).
 */
final class PodIdentityStore implements ItemStore<GenericKubernetesResource> {
  private static final String[] NO_LABELS = new String[0];

  private record Kept(String namespace, String name, String resourceVersion, String[] labels, String annotation,
      long fingerprint) {}

  /**
   * A pod as this store hands it back. fabric8 passes what {@link #put} returns to the handler as
   * the old state of an update, so the comparison made here reaches the handler with it.
   */
  private static final class Stored extends GenericKubernetesResource {
    private final boolean sameContentAsNext;

    Stored(boolean sameContentAsNext) {
      this.sameContentAsNext = sameContentAsNext;
    }
  }

  /**
   * Whether {@code old}, the previous state of an update as fabric8 hands it to the handler, has the
   * same fingerprint as the state that replaced it: nothing kubectl shows changed.
   */
  static boolean sameContentAsNext(GenericKubernetesResource old) {
    return old instanceof Stored stored && stored.sameContentAsNext;
  }

  private final String keptAnnotation;
  private final ListThrottle throttle;
  private final boolean fingerprints;
  private final Map<String, Kept> pods = new ConcurrentHashMap<>();

  /**
   * @param keptAnnotation the one annotation to keep, by key
   * @param throttle counts the notifications each change here gives the handler, and holds the
   *     informer back while too many are outstanding
   * @param fingerprints whether to fingerprint each state, so the handler can skip updates that show nothing new
   */
  PodIdentityStore(String keptAnnotation, ListThrottle throttle, boolean fingerprints) {
    this.keptAnnotation = keptAnnotation;
    this.throttle = throttle;
    this.fingerprints = fingerprints;
  }

  @Override
  public String getKey(GenericKubernetesResource pod) {
    return Cache.metaUidKeyFunc(pod);
  }

  @Override
  public GenericKubernetesResource put(String key, GenericKubernetesResource pod) {
    throttle.awaitRoom();
    Kept kept = keep(pod.getMetadata(), fingerprints ? PodFingerprint.of(pod) : 0);
    Kept old = pods.put(key, kept);
    // fabric8 notifies a new pod, or a known one whose resourceVersion changed.
    if (old == null || !Objects.equals(old.resourceVersion(), kept.resourceVersion())) {
      throttle.queued();
    }
    return restore(key, old, fingerprints && old != null && old.fingerprint() == kept.fingerprint());
  }

  @Override
  public GenericKubernetesResource remove(String key) {
    Kept old = pods.remove(key);
    if (old != null) {
      throttle.queued();
    }
    return restore(key, old, false);
  }

  @Override
  public Stream<String> keySet() {
    return pods.keySet().stream();
  }

  @Override
  public Stream<GenericKubernetesResource> values() {
    return pods.entrySet().stream().map(e -> restore(e.getKey(), e.getValue(), false));
  }

  @Override
  public int size() {
    return pods.size();
  }

  @Override
  public GenericKubernetesResource get(String key) {
    return restore(key, pods.get(key), false);
  }

  @Override
  public boolean isFullState() {
    return false;
  }

  private Kept keep(ObjectMeta meta, long fingerprint) {
    Map<String, String> labels = meta.getLabels();
    String[] flat = NO_LABELS;
    if (labels != null && !labels.isEmpty()) {
      flat = new String[labels.size() * 2];
      int i = 0;
      for (Map.Entry<String, String> label : labels.entrySet()) {
        flat[i++] = shared(label.getKey());
        flat[i++] = shared(label.getValue());
      }
    }
    Map<String, String> annotations = meta.getAnnotations();
    return new Kept(shared(meta.getNamespace()), meta.getName(), meta.getResourceVersion(), flat,
        annotations == null ? null : shared(annotations.get(keptAnnotation)), fingerprint);
  }

  /** The JVM's one copy of {@code text}, which it forgets once no pod holds it. */
  private static String shared(String text) {
    return text == null ? null : text.intern();
  }

  private GenericKubernetesResource restore(String uid, Kept kept, boolean sameContentAsNext) {
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
    GenericKubernetesResource pod = new Stored(sameContentAsNext);
    pod.setApiVersion("v1");
    pod.setKind("Pod");
    pod.setMetadata(meta);
    return pod;
  }
}
