package io.k8vent.watch;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists and watches pods (all namespaces, or each given one) and turns informer callbacks into
 * {@link PodEvent}s. Pods are read as generic resources so the payload can carry them exactly as
 * sent. The informer cache keeps only identity, resourceVersion, labels and the routing annotation
 * ({@link PodIdentityStore}): enough to route a deletion noticed on relist, small enough for big
 * clusters.
 */
public final class PodSource implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PodSource.class);
  static final ResourceDefinitionContext PODS = new ResourceDefinitionContext.Builder()
      .withGroup("").withVersion("v1").withKind("Pod").withPlural("pods").withNamespaced(true).build();
  private static final long PAGE_SIZE = 100;
  /** Pods parsed but not yet handed over, at most (see {@link ListThrottle}). */
  private static final int LIST_AHEAD_LIMIT = 100;
  /** Seconds an informer may be without its watch before k8vent reports it. */
  private static final int WATCH_DOWN_AFTER_S = 5;

  private final KubernetesClient client;
  private final List<String> namespaces;
  private final String keptAnnotation;
  private final Selection selection;
  private final Consumer<PodEvent> consumer;
  private final WatchStatus status;
  private final List<SharedIndexInformer<GenericKubernetesResource>> informers = new ArrayList<>();
  private final List<String> scopes = new ArrayList<>();
  private final List<PodIdentityStore> stores = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final ScheduledExecutorService watchCheck = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "k8vent-watch-check");
    t.setDaemon(true);
    return t;
  });
  /** Seconds each informer has been seen not watching after its first list, by index. */
  private int[] downFor = new int[0];

  /**
   * @param namespaces namespaces to watch; empty means all
   * @param keptAnnotation the annotation (by key) to remember for pods deleted while the watch is down
   * @param selection which pods the API server sends, and which of their events go on to {@code consumer}
   * @param consumer receives events on the informer thread, so it must not block for long
   */
  public PodSource(KubernetesClient client, List<String> namespaces, String keptAnnotation, Selection selection,
      Consumer<PodEvent> consumer, WatchStatus status) {
    this.client = client;
    this.namespaces = List.copyOf(namespaces);
    this.keptAnnotation = keptAnnotation;
    this.selection = selection;
    this.consumer = consumer;
    this.status = status;
  }

  /**
   * The serialization k8vent's client must use. fabric8 reads each watch event into the typed
   * {@code Pod} chosen by its kind and only then converts it to a generic resource, which drops
   * every field the server sent as null (e.g. {@code lastProbeTime: null}) and fails on fields of
   * unexpected type. Mapping v1/Pod to the generic type keeps the pod as the server sent it.
   *
   * <p>Answers asked for gzip-compressed are inflated while parsed ({@link InflatingSerialization}).
   *
   * <p>Field names are not interned into the JVM's string table: a pod brings names of its own,
   * such as its IP as a key of managedFields ({@code k:{"ip":"10.244.0.7"}}), which Jackson reads
   * even to skip them, so every pod interned a name nothing looks up again (BENCHMARKS.md, round 9).
   *
   * @param keepManagedFields false: {@code metadata.managedFields} is skipped while parsing, as
   *     {@code kubectl get -o json} hides it (often a third of a pod's bytes, never parsed or held)
   */
  public static KubernetesSerialization serialization(boolean keepManagedFields) {
    ObjectMapper mapper = new ObjectMapper(new JsonFactoryBuilder().disable(JsonFactory.Feature.INTERN_FIELD_NAMES).build());
    if (!keepManagedFields) {
      mapper.addMixIn(ObjectMeta.class, WithoutManagedFields.class);
    }
    KubernetesSerialization serialization = new InflatingSerialization(mapper);
    serialization.registerKubernetesResource("v1", "Pod", GenericKubernetesResource.class);
    return serialization;
  }

  /** Jackson mix-in: objects' metadata read without managedFields. */
  @JsonIgnoreProperties("managedFields")
  private abstract static class WithoutManagedFields {}

  /**
   * Starts watching; the future completes once every informer has handed its initial list to the
   * consumer, without waiting for the watch that follows it to open (events from the list's
   * resourceVersion on are not missed either way).
   */
  public CompletableFuture<Void> start() {
    List<CompletableFuture<Void>> synced = new ArrayList<>();
    if (namespaces.isEmpty()) {
      synced.add(startInformer(null));
    } else {
      for (String ns : namespaces) {
        synced.add(startInformer(ns));
      }
    }
    downFor = new int[informers.size()];
    watchCheck.scheduleWithFixedDelay(this::checkWatches, 1, 1, TimeUnit.SECONDS);
    return CompletableFuture.allOf(synced.toArray(CompletableFuture[]::new))
        .thenRun(status::initialListDone);
  }

  private CompletableFuture<Void> startInformer(String namespace) {
    var resources = client.genericKubernetesResources(PODS);
    FilterWatchListDeletable<GenericKubernetesResource, GenericKubernetesResourceList,
        Resource<GenericKubernetesResource>> scoped =
            namespace == null ? resources.inAnyNamespace() : resources.inNamespace(namespace);
    if (selection.labels() != null) {
      scoped = scoped.withLabelSelector(selection.labels().text());
    }
    if (selection.fields() != null) {
      for (FieldSelector.Term term : selection.fields().terms()) {
        scoped = term.equals() ? scoped.withField(term.field(), term.value())
            : scoped.withoutField(term.field(), term.value());
      }
    }
    SharedIndexInformer<GenericKubernetesResource> informer = scoped.withLimit(PAGE_SIZE).runnableInformer(0);
    ListThrottle throttle = new ListThrottle(LIST_AHEAD_LIMIT);
    PodIdentityStore store = new PodIdentityStore(keptAnnotation, throttle, selection.visibleChangesOnly());
    informer.itemStore(store);
    stores.add(store);
    informer.removeNamespaceIndex();
    String scope = (namespace == null ? "all namespaces" : "namespace " + namespace)
        + (selection.selective() ? " with " + selection.describe() : "");
    informer.exceptionHandler((started, t) -> {
      status.watchFailed(scope, t);
      return true;
    });
    Handler handler = new Handler(throttle);
    informer.addEventHandler(handler);
    informers.add(informer);
    scopes.add(scope);
    LOG.info("watching pods in {}", scope);
    informer.start().whenComplete((started, t) -> {
      if (t != null) {
        handler.listed.completeExceptionally(t);
      }
    });
    return handler.listed;
  }

  /** The informer callback of one informer, whose store counts into {@code throttle}. */
  final class Handler implements ResourceEventHandler<GenericKubernetesResource> {
    /** Completes at the first onList, which fabric8 calls after handing over every pod of the list. */
    final CompletableFuture<Void> listed = new CompletableFuture<>();
    private final ListThrottle throttle;

    Handler(ListThrottle throttle) {
      this.throttle = throttle;
    }

    @Override
    public void onAdd(GenericKubernetesResource pod) {
      emit(PodEvent.Type.ADDED, pod, false);
    }

    @Override
    public void onUpdate(GenericKubernetesResource oldPod, GenericKubernetesResource newPod) {
      // A resync, or a relist that found the pod unchanged, hands over the same resourceVersion.
      if (oldPod != null && Objects.equals(oldPod.getMetadata().getResourceVersion(),
          newPod.getMetadata().getResourceVersion())) {
        throttle.handled();
        return;
      }
      if (selection.visibleChangesOnly() && PodIdentityStore.sameContentAsNext(oldPod)) {
        status.eventSkipped(PodEvent.Type.MODIFIED, WatchStatus.Skip.UNCHANGED);
        throttle.handled();
        return;
      }
      emit(PodEvent.Type.MODIFIED, newPod, false);
    }

    @Override
    public void onDelete(GenericKubernetesResource pod, boolean finalStateUnknown) {
      GenericKubernetesResource stillThere =
          selection.selective() && selection.events().contains(PodEvent.Type.DELETED) ? existing(pod) : null;
      if (stillThere != null) {
        emit(PodEvent.Type.DELETED, stillThere, true);
        return;
      }
      if (finalStateUnknown) {
        LOG.info("pod {}/{} was deleted while the watch was down; sending the last state k8vent kept",
            pod.getMetadata().getNamespace(), pod.getMetadata().getName());
      }
      emit(PodEvent.Type.DELETED, pod, false);
    }

    @Override
    public void onBeforeList(String lastSyncResourceVersion) {
      throttle.listing();
      if (lastSyncResourceVersion != null) {
        LOG.info("listing pods again to resume the watch (last resourceVersion {})", lastSyncResourceVersion);
        status.relisted();
      }
    }

    @Override
    public void onList(String resourceVersion, boolean remainedEmpty) {
      throttle.listHandled();
      status.listed();
      listed.complete(null);
    }

    private void emit(PodEvent.Type type, GenericKubernetesResource pod, boolean leftSelection) {
      status.eventReceived(type);
      if (!selection.events().contains(type)) {
        status.eventSkipped(type, WatchStatus.Skip.EVENT_TYPE);
        throttle.handled();
        return;
      }
      try {
        consumer.accept(new PodEvent(type, pod, System.nanoTime(), leftSelection));
      } catch (RuntimeException e) {
        LOG.error("could not handle {} of pod {}/{}; other pods are unaffected", type,
            pod.getMetadata().getNamespace(), pod.getMetadata().getName(), e);
      } finally {
        throttle.handled();
      }
    }
  }

  /**
   * The API server reports a pod that stops matching the selectors as deleted (with its last
   * matching state), and a relist cannot tell either: so k8vent asks for the pod by name. Returns
   * it as it is now when the same pod (by uid) still exists, else null (gone, re-created under the
   * same name, or the API server did not answer: then it is reported deleted).
   */
  private GenericKubernetesResource existing(GenericKubernetesResource pod) {
    ObjectMeta meta = pod.getMetadata();
    try {
      GenericKubernetesResource now = client.genericKubernetesResources(PODS).inNamespace(meta.getNamespace())
          .withName(meta.getName()).get();
      return now != null && Objects.equals(now.getMetadata().getUid(), meta.getUid()) ? now : null;
    } catch (KubernetesClientException e) {
      LOG.warn("pod {}/{} left the watch, and k8vent could not ask the API server whether it still exists ({}); "
          + "reporting it deleted", meta.getNamespace(), meta.getName(), e.getMessage());
      return null;
    }
  }

  /**
   * fabric8 reconnects a dropped watch by itself and tells no one while it retries (an API server
   * that is down is otherwise invisible); an informer not watching for {@link #WATCH_DOWN_AFTER_S}
   * checks in a row, after its first list, is reported. fabric8 also restarts every watch now and
   * then, which takes well under that.
   */
  private void checkWatches() {
    for (int i = 0; i < informers.size(); i++) {
      SharedIndexInformer<GenericKubernetesResource> informer = informers.get(i);
      if (!informer.isRunning() || informer.lastSyncResourceVersion() == null) {
        continue;
      }
      if (informer.isWatching()) {
        if (downFor[i] >= WATCH_DOWN_AFTER_S) {
          status.watchRestored(scopes.get(i));
        }
        downFor[i] = 0;
      } else if (++downFor[i] == WATCH_DOWN_AFTER_S) {
        status.watchLost(scopes.get(i), WATCH_DOWN_AFTER_S);
      }
    }
  }

  /** Pods the watch currently holds, over all watched namespaces. */
  public int pods() {
    return stores.stream().mapToInt(PodIdentityStore::size).sum();
  }

  /** Whether every informer is running (listing, watching, or retrying after a failure). */
  public boolean running() {
    return !informers.isEmpty() && informers.stream().allMatch(SharedIndexInformer::isRunning);
  }

  @Override
  public void close() {
    watchCheck.shutdownNow();
    informers.forEach(SharedIndexInformer::stop);
  }
}
