package io.k8vent.demo;

import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * fabric8's mock Kubernetes API server in CRUD mode on loopback: real list and watch over HTTP,
 * objects kept in memory. Not a cluster: no scheduler, no kubelet, no admission, no RBAC.
 */
public final class InMemoryApi implements DemoApi {
  /** The mock server logs each request at INFO through java.util.logging; held so the level set here stays. */
  private static final Logger SERVER_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  private final KubernetesMockServer server;
  private final NamespacedKubernetesClient admin;
  private final boolean tls;

  public InMemoryApi() {
    this(false);
  }

  /** @param tls serve HTTPS with the mock server's own self-signed certificate */
  public InMemoryApi(boolean tls) {
    this.tls = tls;
    SERVER_LOG.setLevel(Level.WARNING);
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), tls);
    server.init(InetAddress.getLoopbackAddress(), 0);
    admin = server.createClient();
  }

  @Override
  public String describe() {
    return "in-memory Kubernetes API at " + url() + " (fabric8's mock server: real list and watch over HTTP, "
        + "but an in-memory API, not a cluster)";
  }

  /** A client for making changes (k8vent connects with its own, through a kubeconfig). */
  @Override
  public NamespacedKubernetesClient admin() {
    return admin;
  }

  public String url() {
    return admin.getConfiguration().getMasterUrl();
  }

  /** Writes a kubeconfig for this server into {@code dir}, readable by its owner only. */
  @Override
  public Path writeKubeconfig(Path dir) {
    return Kubeconfig.write(dir.resolve("kubeconfig"), "in-memory", url(), "in-memory-token", tls);
  }

  /** Nothing outlives the process: the server runs in it and keeps nothing on disk. */
  @Override
  public void abandon() {}

  @Override
  public void close() {
    admin.close();
    server.destroy();
  }
}
