package io.k8vent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PodIdentityStoreTest {
  private static final String ROUTING = "atomist.com/k8vent";

  private static GenericKubernetesResource pod(String uid, String rv) {
    GenericKubernetesResource p = new GenericKubernetesResource();
    p.setApiVersion("v1");
    p.setKind("Pod");
    p.setMetadata(new ObjectMetaBuilder().withNamespace("shop").withName("web-" + uid).withUid(uid)
        .withResourceVersion(rv).withLabels(Map.of("app", "web", "tier", "front"))
        .withAnnotations(Map.of(ROUTING, "{\"environment\":\"prod\"}", "big/config", "x".repeat(4096))).build());
    p.setAdditionalProperty("spec", Map.of("nodeName", "n1"));
    p.setAdditionalProperty("status", Map.of("phase", "Running"));
    return p;
  }

  @Test
  void keepsIdentityLabelsAndTheRoutingAnnotationOnly() {
    PodIdentityStore store = new PodIdentityStore(ROUTING, new ListThrottle(100), true);
    GenericKubernetesResource full = pod("u1", "7");
    String key = store.getKey(full);

    assertThat(store.put(key, full)).isNull();
    GenericKubernetesResource kept = store.get(key);

    assertThat(key).isEqualTo("u1");
    assertThat(kept.getKind()).isEqualTo("Pod");
    assertThat(kept.getApiVersion()).isEqualTo("v1");
    assertThat(kept.getMetadata().getUid()).isEqualTo("u1");
    assertThat(kept.getMetadata().getNamespace()).isEqualTo("shop");
    assertThat(kept.getMetadata().getName()).isEqualTo("web-u1");
    assertThat(kept.getMetadata().getResourceVersion()).isEqualTo("7");
    assertThat(kept.getMetadata().getLabels()).isEqualTo(Map.of("app", "web", "tier", "front"));
    assertThat(kept.getMetadata().getAnnotations()).isEqualTo(Map.of(ROUTING, "{\"environment\":\"prod\"}"));
    assertThat(kept.getAdditionalProperties()).doesNotContainKeys("spec", "status");
  }

  @Test
  void podsOfOneWorkloadShareOneCopyOfTheirLabelsAndRoutingAnnotation() {
    PodIdentityStore store = new PodIdentityStore(ROUTING, new ListThrottle(100), true);
    for (String uid : new String[] {"u1", "u2"}) {
      GenericKubernetesResource p = pod(uid, "1");
      // Each pod read from the API server has strings of its own.
      p.getMetadata().setLabels(Map.of(new String("app"), new String("web")));
      p.getMetadata().setAnnotations(Map.of(ROUTING, new String("{\"environment\":\"prod\"}")));
      store.put(uid, p);
    }

    ObjectMeta first = store.get("u1").getMetadata();
    ObjectMeta second = store.get("u2").getMetadata();
    assertThat(first.getLabels()).isEqualTo(Map.of("app", "web"));
    assertThat(second.getLabels().get("app")).isSameAs(first.getLabels().get("app"));
    assertThat(second.getLabels().keySet().iterator().next()).isSameAs(first.getLabels().keySet().iterator().next());
    assertThat(second.getAnnotations().get(ROUTING)).isEqualTo("{\"environment\":\"prod\"}")
        .isSameAs(first.getAnnotations().get(ROUTING));
  }

  @Test
  void putReturnsThePreviousStateAndRemoveForgetsThePod() {
    PodIdentityStore store = new PodIdentityStore(ROUTING, new ListThrottle(100), true);
    store.put("u1", pod("u1", "7"));
    store.put("u2", pod("u2", "3"));

    assertThat(store.put("u1", pod("u1", "8")).getMetadata().getResourceVersion()).isEqualTo("7");
    assertThat(store.size()).isEqualTo(2);
    assertThat(store.keySet()).containsExactlyInAnyOrder("u1", "u2");
    assertThat(store.values()).extracting(p -> p.getMetadata().getResourceVersion()).containsExactlyInAnyOrder("8", "3");

    assertThat(store.remove("u2").getMetadata().getName()).isEqualTo("web-u2");
    assertThat(store.get("u2")).isNull();
    assertThat(store.remove("u2")).isNull();
    assertThat(store.keySet()).containsExactly("u1");
  }

  @Test
  void aPodWithoutLabelsOrAnnotationsKeepsItsIdentity() {
    PodIdentityStore store = new PodIdentityStore(ROUTING, new ListThrottle(100), true);
    GenericKubernetesResource bare = new GenericKubernetesResource();
    bare.setMetadata(new ObjectMetaBuilder().withNamespace("ns").withName("bare").withUid("u9").withResourceVersion("1").build());

    store.put("u9", bare);

    GenericKubernetesResource kept = store.get("u9");
    assertThat(kept.getMetadata().getName()).isEqualTo("bare");
    assertThat(kept.getMetadata().getLabels()).isNullOrEmpty();
    assertThat(kept.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(store.isFullState()).isFalse();
  }

  @Test
  void countsForTheBacklogWhatFabric8NotifiesTheHandlerOf() {
    AtomicInteger waits = new AtomicInteger();
    // Limit 1: the store waits once for each notification outstanding, and the handler hands one over each time.
    ListThrottle throttle = new ListThrottle(1, (monitor, nanos) -> {
      waits.incrementAndGet();
      ((ListThrottle) monitor).handled();
      return nanos;
    });
    PodIdentityStore store = new PodIdentityStore(ROUTING, throttle, true);

    store.put("u1", pod("u1", "7"));
    store.put("u1", pod("u1", "7"));
    assertThat(waits).as("a new pod is one notification").hasValue(1);
    store.put("u1", pod("u1", "8"));
    assertThat(waits).as("the same resourceVersion again is none").hasValue(1);
    store.remove("u1");
    store.remove("u1");
    throttle.awaitRoom();
    assertThat(waits).as("a change and a removal are two; removing what is gone is none").hasValue(3);
  }
}
