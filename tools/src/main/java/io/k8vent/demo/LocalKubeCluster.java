package io.k8vent.demo;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real etcd and kube-apiserver on loopback, from binaries that scripts/kube-binaries built with
 * Go. Serves {@code k8vent demo --kube-binaries} and the integration tests. It is an API server
 * only: no scheduler, controllers or kubelet, and the ServiceAccount admission plugin is off so
 * pods need no token controller. More API servers can share the etcd, and each can be stopped and
 * started, so a test can change the cluster while the one k8vent watches is down.
 */
public final class LocalKubeCluster implements AutoCloseable {
  /** The bearer token of the built-in admin user (group system:masters); random per JVM. */
  public static final String ADMIN_TOKEN = "k8vent-local-admin-" + UUID.randomUUID();

  private static final long READY_TIMEOUT_MILLIS = 90_000;
  /** The lowest port {@link #freePort} chooses: above the well-known and most registered ones. */
  private static final int LOWEST_CHOSEN_PORT = 20_000;

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

    /** Starts the process and returns once /readyz answers ok. */
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
      awaitReady();
    }

    /** Stops the process (SIGTERM, then kill) and waits for it to be gone. */
    public synchronized void stop() {
      if (process != null) {
        terminate(process);
        process = null;
      }
    }

    /** Kills the process at once (SIGKILL) and waits a moment for it to be gone. */
    synchronized void kill() {
      if (process != null) {
        killNow(process);
        process = null;
      }
    }

    public void restart() {
      stop();
      start();
    }

    /** A client authenticated as the admin user; the caller closes it. */
    public KubernetesClient adminClient() {
      return new KubernetesClientBuilder().withConfig(config(url(), ADMIN_TOKEN)).build();
    }

    /** Writes a kubeconfig for this API server with the given bearer token. */
    public Path kubeconfig(String token) {
      return writeKubeconfig(url(), token);
    }

    private void awaitReady() {
      Path log = dir.resolve("apiserver-" + name + ".log");
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MILLIS);
      try (KubernetesClient client = adminClient()) {
        while (true) {
          if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException();
          }
          if (!process.isAlive()) {
            throw new IllegalStateException("kube-apiserver exited with " + process.exitValue() + "; see " + log
                + ", which ends:\n" + lastLines(log, 10));
          }
          try {
            if ("ok".equals(client.raw("/readyz"))) {
              return;
            }
          } catch (RuntimeException notYet) {
            // still starting: the port is not open or etcd is not reachable yet
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("kube-apiserver " + name + " not ready after "
                + READY_TIMEOUT_MILLIS / 1000 + " s; see " + log);
          }
          TimeUnit.MILLISECONDS.sleep(250);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while kube-apiserver was starting", e);
      }
    }
  }

  /**
   * Starts etcd with its data, keys and logs in {@code dir}; add API servers with {@link #addApiServer()}.
   *
   * @param binaries a directory holding {@code kube-apiserver} and {@code etcd}
   */
  public LocalKubeCluster(Path binaries, Path dir, List<String> extraApiServerFlags) {
    missingBinary(binaries).ifPresent(name -> {
      throw new IllegalArgumentException(binaries.resolve(name) + " is missing or not executable; "
          + "scripts/kube-binaries builds it");
    });
    this.binaries = binaries;
    this.dir = dir;
    this.extraFlags = List.copyOf(extraApiServerFlags);
    try {
      Files.createDirectories(dir);
      writeServiceAccountKeys();
      Files.writeString(dir.resolve("tokens.csv"), ADMIN_TOKEN + ",k8vent-local-admin,k8vent-local-admin,"
          + "\"system:masters\"\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.etcdPort = freePort();
    int peerPort = freePort();
    this.etcd = launch(List.of(binaries.resolve("etcd").toString(), "--name=k8vent-local",
        "--data-dir=" + dir.resolve("etcd"),
        "--listen-client-urls=http://127.0.0.1:" + etcdPort, "--advertise-client-urls=http://127.0.0.1:" + etcdPort,
        "--listen-peer-urls=http://127.0.0.1:" + peerPort, "--initial-advertise-peer-urls=http://127.0.0.1:" + peerPort,
        "--initial-cluster=k8vent-local=http://127.0.0.1:" + peerPort, "--log-level=warn"), "etcd");
  }

  /** The first of kube-apiserver and etcd that {@code binaries} lacks as an executable, if any. */
  public static Optional<String> missingBinary(Path binaries) {
    return Stream.of("kube-apiserver", "etcd").filter(name -> !Files.isExecutable(binaries.resolve(name))).findFirst();
  }

  /**
   * The newest binaries scripts/kube-binaries left in its cache ({@code ~/.cache/k8vent/kube/VERSION/}),
   * if any.
   */
  public static Optional<Path> cachedBinaries() {
    Path cache = Path.of(System.getProperty("user.home"), ".cache", "k8vent", "kube");
    if (!Files.isDirectory(cache)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(cache)) {
      return versions.filter(v -> missingBinary(v).isEmpty())
          .max(Comparator.comparing(v -> v.getFileName().toString()));
    } catch (IOException e) {
      return Optional.empty();
    }
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

  /**
   * A client configuration for a loopback API server. Its serving certificate is the self-signed one
   * kube-apiserver makes at start, so it is not verified; this is for loopback only.
   */
  public static Config config(String url, String token) {
    Config config = Config.empty();
    config.setMasterUrl(url);
    config.setOauthToken(token);
    config.setTrustCerts(true);
    config.setDisableHostnameVerification(true);
    return config;
  }

  private Path writeKubeconfig(String url, String token) {
    try {
      return Kubeconfig.write(Files.createTempFile(dir, "kubeconfig-", ".yaml"), "local", url, token, true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
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

  /**
   * Stops a process and waits until it is gone, also when this thread was interrupted (Ctrl-C during
   * the demo's start-up): the caller deletes the directory the process writes to next. The interrupt
   * is kept for the caller.
   */
  private static void terminate(Process process) {
    boolean interrupted = Thread.interrupted();
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      interrupted = true;
      process.destroyForcibly();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** SIGKILL, then up to 5 s for the process to be gone, so its folder can be deleted after. */
  private static void killNow(Process process) {
    process.destroyForcibly();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A free port on loopback, below the kernel's range for outgoing connections when it can read that
   * range. A port from that range, free when chosen, can be taken by any connection opened before
   * the server binds it (the kernel hands them out to every process), and then kube-apiserver or etcd
   * exits at start with "address already in use".
   */
  public static int freePort() {
    int below = ephemeralPortsFrom();
    for (int attempt = 0; below > LOWEST_CHOSEN_PORT && attempt < 50; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(LOWEST_CHOSEN_PORT, below);
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException taken) {
        // in use: try another
      }
    }
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The last {@code count} lines of a log, or why it cannot be read. */
  private static String lastLines(Path log, int count) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
    } catch (IOException | RuntimeException e) {
      return "(cannot read it: " + e.getMessage() + ")";
    }
  }

  /** The first port the kernel uses for outgoing connections, or 0 when it cannot be read. */
  static int ephemeralPortsFrom() {
    // Read as lines: Files.readString trusts the size /proc reports and returned "3" here.
    try (BufferedReader in = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
      return Integer.parseInt(in.readLine().trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException unknown) {
      return 0;
    }
  }

  @Override
  public void close() {
    for (ApiServer server : apiServers) {
      server.stop();
    }
    terminate(etcd);
  }

  /** Kills every process at once (the JVM is about to exit without waiting for {@link #close()}). */
  public void kill() {
    for (ApiServer server : apiServers) {
      server.kill();
    }
    killNow(etcd);
  }
}
