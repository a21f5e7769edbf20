package io.k8vent.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.k8vent.Daemon;
import io.k8vent.Settings;
import io.k8vent.delivery.DeliveryObserver;
import io.k8vent.watch.WatchObserver;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** k8vent's daemon between the mock API server and a loopback webhook; closing it closes all three. */
public final class MockPipeline implements AutoCloseable {
  private final MockCluster cluster = new MockCluster();
  private final WebhookReceiver hook = new WebhookReceiver();
  private KubernetesClient client;
  private Daemon daemon;

  public MockCluster cluster() {
    return cluster;
  }

  public WebhookReceiver hook() {
    return hook;
  }

  /** Starts the daemon with its own client and waits until it handed the initial list over. */
  public void start(Settings settings, Map<String, String> env, WatchObserver watchObserver) throws Exception {
    client = cluster.newClient();
    daemon = new Daemon(settings, client, TestLoop.vertx(), env, watchObserver, new DeliveryObserver() {});
    daemon.start().get(20, TimeUnit.SECONDS);
  }

  /** Stops the daemon (a later {@link #start} starts another). */
  public void stop() {
    if (daemon != null) {
      daemon.close();
      client.close();
      daemon = null;
    }
  }

  @Override
  public void close() {
    stop();
    hook.close();
    cluster.close();
  }
}
