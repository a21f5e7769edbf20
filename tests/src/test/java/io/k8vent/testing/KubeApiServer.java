package io.k8vent.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.k8vent.demo.LocalKubeCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Real API servers for the integration tests: {@link LocalKubeCluster} on binaries that
 * scripts/kube-binaries builds (or finds cached). Tests fail, never skip, when they cannot be built.
 * Logs and etcd data stay under tests/target/kube-logs for reading after a failure.
 */
public final class KubeApiServer {
  private static LocalKubeCluster shared;
  private static Path binaries;

  private KubeApiServer() {}

  /** Starts etcd and one API server with the given extra kube-apiserver flags. */
  public static LocalKubeCluster start(String... extraFlags) {
    LocalKubeCluster cluster;
    try {
      Path logs = Path.of("tests", "target", "kube-logs").toAbsolutePath();
      Files.createDirectories(logs);
      cluster = new LocalKubeCluster(binaries(), Files.createTempDirectory(logs, "cluster-"), List.of(extraFlags));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      cluster.addApiServer();
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** One cluster for the whole test JVM, for tests that do not stop or restart it. */
  public static synchronized LocalKubeCluster shared() {
    if (shared == null) {
      shared = start();
      LocalKubeCluster s = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(s::close));
    }
    return shared;
  }

  /** Creates a namespace of its own for one test: {@code prefix} and a unique suffix. */
  public static String namespace(KubernetesClient admin, String prefix) {
    String name = prefix + "-" + Long.toString(System.nanoTime(), 36);
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    return name;
  }

  /** A token for a service account (created if missing), as a pod running as it would have. */
  public static String serviceAccountToken(LocalKubeCluster cluster, String namespace, String name) {
    try (KubernetesClient client = cluster.adminClient()) {
      client.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder()
          .withNewMetadata().withName(name).withNamespace(namespace).endMetadata().build()).createOr(r -> r.update());
      TokenRequest request = new TokenRequestBuilder().withNewSpec()
          .withAudiences("https://kubernetes.default.svc.cluster.local").withExpirationSeconds(3600L).endSpec().build();
      return client.serviceAccounts().inNamespace(namespace).withName(name).tokenRequest(request).getStatus().getToken();
    }
  }

  /** GET {@code path} as admin and return the body exactly as the server sent it. */
  public static String get(LocalKubeCluster.ApiServer server, String path) {
    HttpResponse<String> r = RawHttp.send(HttpClient.newBuilder().sslContext(TrustAnyServer.context()).build(),
        HttpRequest.newBuilder(URI.create(server.url() + path))
            .header("Authorization", "Bearer " + LocalKubeCluster.ADMIN_TOKEN)
            .header("Accept", "application/json").build());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET " + path + ": HTTP " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  /** The directory scripts/kube-binaries prints after building (or finding) the binaries. */
  public static synchronized Path binaries() {
    if (binaries != null) {
      return binaries;
    }
    Path root = Path.of("").toAbsolutePath();
    while (root != null && !Files.exists(root.resolve("scripts/kube-binaries"))) {
      root = root.getParent();
    }
    if (root == null) {
      throw new IllegalStateException("scripts/kube-binaries not found above " + Path.of("").toAbsolutePath());
    }
    try {
      Process p = new ProcessBuilder(root.resolve("scripts/kube-binaries").toString())
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor() != 0 || out.isEmpty()) {
        throw new IllegalStateException("scripts/kube-binaries failed (exit " + p.exitValue()
            + "); the integration tests need kube-apiserver and etcd built with Go: see its output above");
      }
      binaries = Path.of(out.substring(out.lastIndexOf('\n') + 1));
      return binaries;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run scripts/kube-binaries", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
