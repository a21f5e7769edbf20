package io.k8vent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodSourceTest {
  private static GenericKubernetesResource pod(String rv) {
    GenericKubernetesResource p = new GenericKubernetesResource();
    p.setMetadata(new ObjectMetaBuilder().withNamespace("ns").withName("p").withUid("u1").withResourceVersion(rv).build());
    return p;
  }

  @Test
  void resyncOrRelistOfAnUnchangedPodSendsNothing() {
    List<PodEvent> events = new ArrayList<>();
    var handler = new PodSource(null, List.of(), "atomist.com/k8vent", events::add, new WatchStatus()).handler();
    GenericKubernetesResource cached = pod("10");

    handler.onUpdate(cached, cached);
    handler.onUpdate(cached, pod("10"));
    handler.onUpdate(cached, pod("11"));

    assertThat(events).extracting(PodEvent::type).containsExactly(PodEvent.Type.MODIFIED);
    assertThat(events.get(0).pod().getMetadata().getResourceVersion()).isEqualTo("11");
  }

  @Test
  void aFailingConsumerDoesNotStopTheNextEvent() {
    List<PodEvent> events = new ArrayList<>();
    var handler = new PodSource(null, List.of(), "atomist.com/k8vent", e -> {
      if (e.pod().getMetadata().getResourceVersion().equals("1")) {
        throw new IllegalStateException("boom");
      }
      events.add(e);
    }, new WatchStatus()).handler();

    handler.onAdd(pod("1"));
    handler.onAdd(pod("2"));

    assertThat(events).hasSize(1);
  }
}
