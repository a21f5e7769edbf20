package io.k8vent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * List pages are asked for gzip-compressed, as the API server sends large ones, and read exactly;
 * watches are not asked for compression. The API server here is the JDK's HTTP server on loopback,
 * answering the pod list (compressed when asked, or always plain) and 404 to the watch. Each run waits
 * for the watch request, which the informer sends after the list has been handed on.
 */
class CompressedListTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PODS = 30;

  /** Each request's query and Accept-Encoding header, and whether the answer went out compressed. */
  private record Seen(String query, String acceptEncoding, boolean compressed) {}

  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Void> watchTried = new CompletableFuture<>();
  private HttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void aListPageIsAskedForCompressedAndItsPodsArriveExactlyWithoutManagedFields() throws Exception {
    ObjectNode list = podList();

    List<PodEvent> events = listWith(list, true);

    assertThat(events).hasSize(PODS);
    for (int i = 0; i < PODS; i++) {
      JsonNode served = list.get("items").get(i);
      var pod = events.get(i).pod();
      assertThat(pod.getMetadata().getName()).isEqualTo(served.get("metadata").get("name").asText());
      assertThat(pod.getMetadata().getLabels()).isEqualTo(JSON.convertValue(served.get("metadata").get("labels"), Map.class));
      assertThat(pod.getMetadata().getManagedFields()).isNullOrEmpty();
      assertThat((JsonNode) JSON.valueToTree(pod.getAdditionalProperties().get("spec"))).isEqualTo(served.get("spec"));
      assertThat((JsonNode) JSON.valueToTree(pod.getAdditionalProperties().get("status"))).isEqualTo(served.get("status"));
    }
    List<Seen> lists = requests(false);
    assertThat(lists).isNotEmpty().allSatisfy(s -> {
      assertThat(s.acceptEncoding()).contains("gzip");
      assertThat(s.compressed()).isTrue();
    });
    assertThat(requests(true)).as("the watch was tried").isNotEmpty()
        .allSatisfy(s -> assertThat(s.acceptEncoding()).as("a watch is not asked for gzip").isNull());
  }

  @Test
  void aListAnsweredUncompressedIsReadAsWell() throws Exception {
    ObjectNode list = podList();

    List<PodEvent> events = listWith(list, false);

    assertThat(events).extracting(e -> e.pod().getMetadata().getName())
        .containsExactlyElementsOf(IntStream.range(0, PODS).mapToObj(i -> "web-" + i).toList());
    assertThat(requests(false)).isNotEmpty().noneMatch(Seen::compressed);
  }

  private List<Seen> requests(boolean watches) {
    return seen.stream().filter(s -> (s.query() != null && s.query().contains("watch=true")) == watches).toList();
  }

  /** Runs a PodSource against a server answering {@code list}, gzip-compressed when asked and {@code compress}. */
  private List<PodEvent> listWith(ObjectNode list, boolean compress) throws Exception {
    byte[] plain = JSON.writeValueAsBytes(list);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/api/v1/pods", exchange -> answer(exchange, plain, compress));
    server.start();
    List<PodEvent> events = Collections.synchronizedList(new ArrayList<>());
    String url = "http://127.0.0.1:" + server.getAddress().getPort();
    try (KubernetesClient client = KubeClients.configure(new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder().withMasterUrl(url).withRequestRetryBackoffLimit(0).build()), null, false).build();
        PodSource source = new PodSource(client, List.of(), "atomist.com/k8vent", Selection.DEFAULT, events::add,
            new WatchStatus(new WatchObserver() {}))) {
      source.start().get(30, TimeUnit.SECONDS);
      watchTried.get(30, TimeUnit.SECONDS);
    }
    return events;
  }

  private void answer(HttpExchange exchange, byte[] plain, boolean compress) throws IOException {
    String query = exchange.getRequestURI().getRawQuery();
    String acceptEncoding = exchange.getRequestHeaders().getFirst("Accept-Encoding");
    boolean watch = query != null && query.contains("watch=true");
    boolean gzip = !watch && compress && acceptEncoding != null && acceptEncoding.contains("gzip");
    seen.add(new Seen(query, acceptEncoding, gzip));
    if (watch) {
      watchTried.complete(null);
      exchange.sendResponseHeaders(404, -1);
      exchange.close();
      return;
    }
    byte[] body = plain;
    if (gzip) {
      ByteArrayOutputStream compressed = new ByteArrayOutputStream();
      try (GZIPOutputStream out = new GZIPOutputStream(compressed)) {
        out.write(plain);
      }
      body = compressed.toByteArray();
      exchange.getResponseHeaders().set("Content-Encoding", "gzip");
    }
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /** A pod list as the API server sends it: items without kind, each with managedFields. */
  private static ObjectNode podList() {
    ObjectNode list = JSON.createObjectNode().put("kind", "PodList").put("apiVersion", "v1");
    list.putObject("metadata").put("resourceVersion", "900");
    ArrayNode items = list.putArray("items");
    for (int i = 0; i < PODS; i++) {
      ObjectNode pod = items.addObject();
      ObjectNode meta = pod.putObject("metadata").put("name", "web-" + i).put("namespace", "shop")
          .put("uid", "uid-" + i).put("resourceVersion", String.valueOf(100 + i));
      meta.putObject("labels").put("app", "web").put("pod-template-hash", "7d9f8b6c5d");
      meta.putArray("managedFields").addObject().put("manager", "kubelet").put("operation", "Update")
          .putObject("fieldsV1").putObject("f:status").putObject("k:{\"type\":\"Ready\"}").putObject(".");
      ObjectNode container = pod.putObject("spec").putArray("containers").addObject().put("name", "web")
          .put("image", "nginx:1.27");
      container.putArray("ports").addObject().put("containerPort", 8080).put("protocol", "TCP");
      ObjectNode status = pod.putObject("status").put("phase", "Running").put("podIP", "10.244.0." + i);
      status.putArray("conditions").addObject().put("type", "Ready").put("status", "True").putNull("lastProbeTime");
    }
    return list;
  }
}
