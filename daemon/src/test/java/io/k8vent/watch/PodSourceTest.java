package io.k8vent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodListBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
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
    PodSource source = new PodSource(null, List.of(), "atomist.com/k8vent", Selection.DEFAULT, events::add,
        new WatchStatus(new WatchObserver() {}));
    var handler = source.new Handler(new ListThrottle(100));
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
    PodSource source = new PodSource(null, List.of(), "atomist.com/k8vent", Selection.DEFAULT, e -> {
      if (e.pod().getMetadata().getResourceVersion().equals("1")) {
        throw new IllegalStateException("boom");
      }
      events.add(e);
    }, new WatchStatus(new WatchObserver() {}));
    var handler = source.new Handler(new ListThrottle(100));

    handler.onAdd(pod("1"));
    handler.onAdd(pod("2"));

    assertThat(events).hasSize(1);
  }

  @Test
  void startCompletesOnceTheListIsHandedOverWithoutWaitingForTheWatch() throws Exception {
    KubernetesMockServer server = new KubernetesMockServer(false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    // The list answers; the watch is never served (the mock answers 404), so it never opens.
    server.expect().get().withPath("/api/v1/pods?limit=100").andReturn(200, new PodListBuilder()
        .withNewMetadata().withResourceVersion("7").endMetadata()
        .addNewItem().withNewMetadata().withNamespace("ns").withName("a").withUid("ua").withResourceVersion("5")
        .endMetadata().endItem()
        .addNewItem().withNewMetadata().withNamespace("ns").withName("b").withUid("ub").withResourceVersion("6")
        .endMetadata().endItem()
        .build()).always();
    List<PodEvent> events = Collections.synchronizedList(new ArrayList<>());
    WatchStatus status = new WatchStatus(new WatchObserver() {});
    try (KubernetesClient client = KubeClients.configure(new KubernetesClientBuilder()
        .withConfig(server.createClient().getConfiguration()), null, false).build();
        PodSource source = new PodSource(client, List.of(), "atomist.com/k8vent", Selection.DEFAULT, events::add, status)) {
      source.start().get(30, TimeUnit.SECONDS);

      assertThat(events).extracting(e -> e.pod().getMetadata().getName()).containsExactly("a", "b");
      assertThat(events).extracting(PodEvent::type).containsOnly(PodEvent.Type.ADDED);
    } finally {
      server.destroy();
    }
  }

  @Test
  void fieldNamesOfAPodAreReadWithoutInterningThem() {
    // A name only this pod has, as a pod's IP is a key of its managedFields.
    String ownName = "k:{\"ip\":\"" + UUID.randomUUID() + "\"}";
    String json = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\"ns\","
        + "\"labels\":{\"" + ownName.replace("\"", "\\\"") + "\":\"x\"}}}";

    GenericKubernetesResource pod = PodSource.serialization(false).unmarshal(json, GenericKubernetesResource.class);

    String read = pod.getMetadata().getLabels().keySet().iterator().next();
    assertThat(read).isEqualTo(ownName);
    // Interning a copy returns the instance the string table already holds: the one read, had it been interned.
    assertThat(new String(ownName).intern()).as("the name was not put into the JVM's string table").isNotSameAs(read);
  }
}
