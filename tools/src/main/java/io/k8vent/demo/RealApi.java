package io.k8vent.demo;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The demo on a real etcd and kube-apiserver started on loopback, removed with their data at the end. */
final class RealApi implements DemoApi {
  private final Path binaries;
  private final Path dir;
  private final LocalKubeCluster cluster;
  private final KubernetesClient admin;

  /** Starts etcd and kube-apiserver; when that fails or is interrupted, stops them and deletes their folder. */
  RealApi(Path binaries) {
    this.binaries = binaries;
    try {
      this.dir = Files.createTempDirectory("k8vent-demo-kube");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LocalKubeCluster started = null;
    try {
      started = new LocalKubeCluster(binaries, dir, List.of());
      started.addApiServer();
    } catch (RuntimeException e) {
      if (started != null) {
        started.close();
      }
      delete(dir);
      throw e;
    }
    this.cluster = started;
    this.admin = cluster.adminClient();
  }

  @Override
  public String describe() {
    return "real kube-apiserver " + admin.getKubernetesVersion().getGitVersion() + " and etcd at "
        + cluster.apiServer().url() + " (from " + binaries + "; an API server alone: no scheduler or kubelet, "
        + "so the demo writes pod status itself)";
  }

  @Override
  public KubernetesClient admin() {
    return admin;
  }

  @Override
  public Path writeKubeconfig(Path ignored) {
    return cluster.adminKubeconfig();
  }

  @Override
  public void close() {
    admin.close();
    cluster.close();
    delete(dir);
  }

  @Override
  public void abandon() {
    cluster.kill();
    delete(dir);
  }

  /**
   * Deletes the cluster's folder: etcd's data, the service-account key, the tokens file, logs. A
   * second Ctrl-C deletes it while the first one's stop may be deleting it too, so a file that
   * vanishes during the walk starts another walk; the last one's failure is thrown.
   */
  private static void delete(Path dir) {
    UncheckedIOException failure = null;
    for (int walk = 0; walk < 3 && Files.exists(dir); walk++) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        failure = null;
      } catch (IOException e) {
        failure = new UncheckedIOException(e);
      } catch (UncheckedIOException e) {
        failure = e;
      }
    }
    if (failure != null && Files.exists(dir)) {
      throw failure;
    }
  }
}
