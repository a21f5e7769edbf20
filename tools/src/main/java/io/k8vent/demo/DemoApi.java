package io.k8vent.demo;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;

/** The Kubernetes API the demo runs against: in memory, or a real kube-apiserver on loopback. */
interface DemoApi extends AutoCloseable {
  /** One line saying what this API is, for the demo's first lines. */
  String describe();

  /** A client for the demo's own changes. */
  KubernetesClient admin();

  /** A kubeconfig k8vent connects with, as a user's would; {@code dir} is the demo's scratch directory. */
  Path writeKubeconfig(Path dir);

  /**
   * The process is about to exit at once (a second Ctrl-C): kill what would outlive it and delete
   * the files it leaves, without waiting for a graceful stop.
   */
  void abandon();

  @Override
  void close();
}
