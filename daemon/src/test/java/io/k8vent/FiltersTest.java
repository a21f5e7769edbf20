package io.k8vent;

import static io.k8vent.testing.Pods.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.k8vent.testing.MockCluster;
import io.k8vent.testing.MockPipeline;
import io.k8vent.testing.TestSettings;
import io.k8vent.testing.WebhookReceiver;
import io.k8vent.testing.WebhookReceiver.Request;
import io.k8vent.watch.PodEvent;
import io.k8vent.watch.Selection;
import io.k8vent.watch.WatchObserver;
import io.k8vent.watch.WatchStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** --events and the change filter, end to end from the mock API server to a loopback webhook. */
class FiltersTest {
  private final MockPipeline pipeline = new MockPipeline();
  private final MockCluster cluster = pipeline.cluster();
  private final WebhookReceiver hook = pipeline.hook();
  private final Map<String, AtomicInteger> skipped = new ConcurrentHashMap<>();

  @AfterEach
  void tearDown() {
    pipeline.close();
  }

  private void start(Selection selection) throws Exception {
    pipeline.start(TestSettings.forUrls(hook.url()).toBuilder().selection(selection).build(), Map.of(),
        new WatchObserver() {
          @Override
          public void eventSkipped(PodEvent.Type type, WatchStatus.Skip reason) {
            skipped.computeIfAbsent(type + " " + reason.label(), k -> new AtomicInteger()).incrementAndGet();
          }
        });
  }

  private List<String> events(String podName) {
    return hook.requests().stream().filter(r -> r.podName().equals(podName)).map(Request::event).toList();
  }

  @ParameterizedTest(name = "only visible changes: {0}")
  @ValueSource(booleans = {true, false})
  void aModificationThatChangesNothingKubectlShowsIsSkippedUnlessAllChangesAreAsked(boolean visibleOnly)
      throws Exception {
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "web")).create();
    start(new Selection(null, null, Set.of(PodEvent.Type.values()), visibleOnly));
    await().atMost(Duration.ofSeconds(20)).until(() -> events("ns/web").contains("ADDED"));

    Pod same = cluster.client().pods().inNamespace("ns").withName("web").get();
    String before = same.getMetadata().getResourceVersion();
    same.getMetadata().setManagedFields(List.of(new ManagedFieldsEntryBuilder().withManager("other-controller")
        .withOperation("Apply").withApiVersion("v1").withTime("2026-12-02T10:00:00Z").build()));
    Pod rewritten = cluster.client().pods().inNamespace("ns").resource(same).update();
    assertThat(rewritten.getMetadata().getResourceVersion()).as("a write of managedFields alone makes a new state")
        .isNotEqualTo(before);
    cluster.client().pods().inNamespace("ns").withName("web")
        .edit(p -> new io.fabric8.kubernetes.api.model.PodBuilder(p).editMetadata().addToLabels("release", "2")
            .endMetadata().build());
    await().atMost(Duration.ofSeconds(20)).until(() -> hook.requests().stream()
        .anyMatch(r -> "2".equals(r.payload().at("/pod/metadata/labels/release").asText())));

    List<Request> modified = hook.requests().stream().filter(r -> "MODIFIED".equals(r.event())).toList();
    if (visibleOnly) {
      assertThat(modified).hasSize(1);
      assertThat(skipped.get("MODIFIED unchanged")).hasValue(1);
    } else {
      assertThat(modified).hasSize(2);
      assertThat(modified.get(0).payload().at("/pod/metadata/resourceVersion").asText())
          .isEqualTo(rewritten.getMetadata().getResourceVersion());
      assertThat(skipped).isEmpty();
    }
  }

  @Test
  void onlyTheChosenEventTypesAreSent() throws Exception {
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "old")).create();
    start(new Selection(null, null, Set.of(PodEvent.Type.MODIFIED, PodEvent.Type.DELETED), true));
    cluster.client().pods().inNamespace("ns").withName("old")
        .edit(p -> new io.fabric8.kubernetes.api.model.PodBuilder(p).editStatus().withPhase("Running").endStatus()
            .build());
    cluster.client().pods().inNamespace("ns").resource(pod("ns", "new")).create();
    cluster.client().pods().inNamespace("ns").withName("new").delete();
    await().atMost(Duration.ofSeconds(20)).until(() -> events("ns/new").contains("DELETED"));

    assertThat(events("ns/old")).containsExactly("MODIFIED");
    assertThat(events("ns/new")).containsExactly("DELETED");
    assertThat(skipped.get("ADDED event_type")).hasValue(2);
  }
}
