package io.k8vent.testing;

import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.k8vent.watch.KubeClients;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.util.HashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/** fabric8's mock API server in CRUD mode: real HTTP list and watch, kept in memory. */
public final class MockCluster implements AutoCloseable {
  /** The mock server logs each request at INFO through java.util.logging; held so the level set here stays. */
  private static final Logger SERVER_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  private final KubernetesMockServer server;
  private final NamespacedKubernetesClient admin;

  public MockCluster() {
    SERVER_LOG.setLevel(Level.WARNING);
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    admin = server.createClient();
  }

  /** A client for the test to make changes with (k8vent gets its own). */
  public NamespacedKubernetesClient client() {
    return admin;
  }

  /** A client set up as k8vent's own (see {@link KubeClients#configure}). */
  public NamespacedKubernetesClient newClient() {
    return server.createClient(builder -> KubeClients.configure(builder, null, false));
  }

  public String url() {
    return admin.getConfiguration().getMasterUrl();
  }

  /** The raw JSON the server returns for GET of a pod, as a client would read it. */
  public String getPodJson(String namespace, String name) {
    return RawHttp.send(HttpClient.newHttpClient(), HttpRequest.newBuilder(
        URI.create(url() + "api/v1/namespaces/" + namespace + "/pods/" + name)).build()).body();
  }

  @Override
  public void close() {
    admin.close();
    server.destroy();
  }
}
