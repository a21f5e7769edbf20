package io.k8vent.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.k8vent.demo.InMemoryApi;
import io.k8vent.watch.KubeClients;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Path;

/** fabric8's mock API server in CRUD mode: real HTTP list and watch, kept in memory. */
public final class MockCluster implements AutoCloseable {
  private final InMemoryApi api = new InMemoryApi();

  /** A client for the test to make changes with (k8vent gets its own). */
  public NamespacedKubernetesClient client() {
    return api.admin();
  }

  /** A client set up as k8vent's own (see {@link KubeClients#configure}). */
  public KubernetesClient newClient() {
    return KubeClients.configure(new KubernetesClientBuilder().withConfig(api.admin().getConfiguration()), null, false)
        .build();
  }

  public String url() {
    return api.url();
  }

  /** The raw JSON the server returns for GET of a pod, as a client would read it. */
  public String getPodJson(String namespace, String name) {
    return RawHttp.send(HttpClient.newHttpClient(), HttpRequest.newBuilder(
        URI.create(url() + "api/v1/namespaces/" + namespace + "/pods/" + name)).build()).body();
  }

  /** Writes a kubeconfig pointing at this server, for running k8vent as a user would. */
  public Path writeKubeconfig(Path dir) {
    return api.writeKubeconfig(dir);
  }

  @Override
  public void close() {
    api.close();
  }
}
