package io.k8vent.testing;

import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.k8vent.watch.PodSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;

/** fabric8's mock API server in CRUD mode: real HTTP list and watch, kept in memory. */
public final class MockCluster implements AutoCloseable {
  private final KubernetesMockServer server;
  private final NamespacedKubernetesClient client;

  public MockCluster() {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
  }

  /** A client for the test to make changes with (k8vent gets its own). */
  public NamespacedKubernetesClient client() {
    return client;
  }

  /** A client set up as k8vent's own (see {@link PodSource#serialization()}). */
  public NamespacedKubernetesClient newClient() {
    return server.createClient(b -> b.withKubernetesSerialization(PodSource.serialization()));
  }

  public String url() {
    return client.getConfiguration().getMasterUrl();
  }

  /** The raw JSON the server returns for GET of a pod, as a client would read it. */
  public String getPodJson(String namespace, String name) {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(url() + "api/v1/namespaces/" + namespace + "/pods/" + name)).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Writes a kubeconfig pointing at this server, for running k8vent as a user would. */
  public Path writeKubeconfig(Path dir) {
    String yaml = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: mock
          cluster:
            server: %s
        contexts:
        - name: mock
          context:
            cluster: mock
            user: mock
            namespace: default
        current-context: mock
        users:
        - name: mock
          user:
            token: mock-token
        """.formatted(url());
    try {
      Path file = dir.resolve("kubeconfig");
      Files.writeString(file, yaml);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
