package io.k8vent.testing;

import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A real etcd and kube-apiserver on loopback, built by scripts/kube-binaries. Tests fail, never
 * skip, when the binaries cannot be built. A second API server on the same etcd can be started, so
 * a test can change the cluster while the one k8vent watches is down.
 */
public final class KubeApiServer implements AutoCloseable {
  public static final String ADMIN_TOKEN = "k8vent-it-admin-" + UUID.randomUUID();
  private static KubeApiServer shared;

  private final Path binaries;
  private final Path dir;
  private final List<String> extraFlags;
  private final int etcdPort;
  private final Process etcd;
  private final List<ApiServer> apiServers = new ArrayList<>();

  /** One kube-apiserver process on a fixed port, restartable. */
  public final class ApiServer {
    private final String name;
    private final int port;
    private Process process;

    private ApiServer(String name, int port) {
      this.name = name;
      this.port = port;
    }

    public String url() {
      return "https://127.0.0.1:" + port;
    }

    public synchronized void start() {
      List<String> cmd = new ArrayList<>(List.of(binaries.resolve("kube-apiserver").toString(),
          "--etcd-servers=http://127.0.0.1:" + etcdPort,
          "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port=" + port,
          "--cert-dir=" + dir.resolve("certs-" + name),
          "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
          "--api-audiences=https://kubernetes.default.svc.cluster.local",
          "--service-account-key-file=" + dir.resolve("sa.pub"),
          "--service-account-signing-key-file=" + dir.resolve("sa.key"),
          "--token-auth-file=" + dir.resolve("tokens.csv"),
          "--authorization-mode=RBAC",
          "--disable-admission-plugins=ServiceAccount",
          "--service-cluster-ip-range=10.96.0.0/16",
          "--enable-priority-and-fairness=false"));
      cmd.addAll(extraFlags);
      process = launch(cmd, "apiserver-" + name);
      awaitReady(this);
    }

    /** Stops the process (SIGTERM, then kill) and waits for it to be gone. */
    public synchronized void stop() {
      if (process != null) {
        terminate(process);
        process = null;
      }
    }

    public void restart() {
      stop();
      start();
    }

    public KubernetesClient adminClient() {
      return new KubernetesClientBuilder().withConfig(config(url(), ADMIN_TOKEN)).build();
    }

    public Path kubeconfig(String token) {
      return writeKubeconfig(url(), token);
    }

    /** GET {@code path} as admin and return the body exactly as the server sent it. */
    public String get(String path) {
      try {
        SSLContext trustAll = SSLContext.getInstance("TLS");
        trustAll.init(null, new TrustManager[] {new X509TrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        }}, null);
        HttpResponse<String> r = HttpClient.newBuilder().sslContext(trustAll).build().send(
            HttpRequest.newBuilder(URI.create(url() + path)).header("Authorization", "Bearer " + ADMIN_TOKEN)
                .header("Accept", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
          throw new IllegalStateException("GET " + path + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return r.body();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } catch (java.security.GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private KubeApiServer(List<String> extraFlags) {
    this.binaries = buildBinaries();
    this.extraFlags = List.copyOf(extraFlags);
    try {
      Path logs = Path.of("target", "kube-logs");
      Files.createDirectories(logs);
      this.dir = Files.createTempDirectory(logs.toAbsolutePath(), "cluster-");
      writeServiceAccountKeys();
      Files.writeString(dir.resolve("tokens.csv"), ADMIN_TOKEN + ",k8vent-it-admin,k8vent-it-admin,\"system:masters\"\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.etcdPort = freePort();
    int peerPort = freePort();
    this.etcd = launch(List.of(binaries.resolve("etcd").toString(), "--name=k8vent-it",
        "--data-dir=" + dir.resolve("etcd"),
        "--listen-client-urls=http://127.0.0.1:" + etcdPort, "--advertise-client-urls=http://127.0.0.1:" + etcdPort,
        "--listen-peer-urls=http://127.0.0.1:" + peerPort, "--initial-advertise-peer-urls=http://127.0.0.1:" + peerPort,
        "--initial-cluster=k8vent-it=http://127.0.0.1:" + peerPort, "--log-level=warn"), "etcd");
  }

  /** Starts etcd and one API server with the given extra kube-apiserver flags. */
  public static KubeApiServer start(String... extraFlags) {
    KubeApiServer cluster = new KubeApiServer(List.of(extraFlags));
    try {
      cluster.addApiServer();
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** One cluster for the whole test JVM, for tests that do not stop or restart it. */
  public static synchronized KubeApiServer shared() {
    if (shared == null) {
      shared = start();
      KubeApiServer s = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(s::close));
    }
    return shared;
  }

  /** Starts another API server on the same etcd. */
  public ApiServer addApiServer() {
    ApiServer server = new ApiServer(String.valueOf(apiServers.size()), freePort());
    apiServers.add(server);
    server.start();
    return server;
  }

  public ApiServer apiServer() {
    return apiServers.get(0);
  }

  public KubernetesClient adminClient() {
    return apiServer().adminClient();
  }

  public Path adminKubeconfig() {
    return apiServer().kubeconfig(ADMIN_TOKEN);
  }

  /** A token for a service account (created if missing), as a pod running as it would have. */
  public String serviceAccountToken(String namespace, String name) {
    try (KubernetesClient client = adminClient()) {
      client.serviceAccounts().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
          .withNewMetadata().withName(name).withNamespace(namespace).endMetadata().build()).createOr(r -> r.update());
      TokenRequest request = new TokenRequestBuilder().withNewSpec()
          .withAudiences("https://kubernetes.default.svc.cluster.local").withExpirationSeconds(3600L).endSpec().build();
      return client.serviceAccounts().inNamespace(namespace).withName(name).tokenRequest(request).getStatus().getToken();
    }
  }

  public static Config config(String url, String token) {
    Config config = Config.empty();
    config.setMasterUrl(url);
    config.setOauthToken(token);
    config.setTrustCerts(true);
    config.setDisableHostnameVerification(true);
    return config;
  }

  private Path writeKubeconfig(String url, String token) {
    String yaml = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: it
          cluster:
            server: %s
            insecure-skip-tls-verify: true
        contexts:
        - name: it
          context:
            cluster: it
            user: it
        current-context: it
        users:
        - name: it
          user:
            token: %s
        """.formatted(url, token);
    try {
      Path file = Files.createTempFile(dir, "kubeconfig-", ".yaml");
      Files.writeString(file, yaml);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path buildBinaries() {
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
      Path bin = Path.of(out.substring(out.lastIndexOf('\n') + 1));
      for (String name : List.of("kube-apiserver", "etcd")) {
        if (!Files.isExecutable(bin.resolve(name))) {
          throw new IllegalStateException(bin.resolve(name) + " is missing after scripts/kube-binaries");
        }
      }
      return bin;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run scripts/kube-binaries", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void writeServiceAccountKeys() throws IOException {
    KeyPair pair;
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      pair = generator.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    Files.writeString(dir.resolve("sa.key"), pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
    Files.writeString(dir.resolve("sa.pub"), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(der) + "\n-----END " + type + "-----\n";
  }

  private Process launch(List<String> command, String name) {
    try {
      return new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command.get(0), e);
    }
  }

  private void awaitReady(ApiServer server) {
    Process process = server.process;
    try (KubernetesClient client = server.adminClient()) {
      Awaitility.await("kube-apiserver " + server.name + " ready (log: " + dir.resolve("apiserver-" + server.name + ".log") + ")")
          .atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
          .until(() -> {
            if (!process.isAlive()) {
              throw new IllegalStateException("kube-apiserver exited with " + process.exitValue() + "; see "
                  + dir.resolve("apiserver-" + server.name + ".log"));
            }
            return "ok".equals(client.raw("/readyz"));
          });
    }
  }

  private static void terminate(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    for (ApiServer server : apiServers) {
      server.stop();
    }
    terminate(etcd);
  }
}
