package io.k8vent.build;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.k8vent.demo.Demo;
import io.k8vent.demo.InMemoryApi;
import io.k8vent.demo.LocalKubeCluster;
import io.k8vent.sink.Sink;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Records the class-data-sharing archive that {@code bin/k8vent} and the container image start
 * k8vent with. A training daemon runs in a JVM of its own, started with
 * {@code -XX:ArchiveClassesAtExit}: it lists a few pods from the in-memory API over TLS, delivers
 * them to a sink, answers a readiness probe, follows the pods through watch events (a change and a
 * deletion) and is then stopped with SIGTERM, when the JVM writes the classes it loaded, parsed and
 * verified, into the archive. Later runs map them instead of reading them from the jar: start-up
 * and the class metadata in memory both shrink (BENCHMARKS.md). The API server and the sink run in
 * this JVM, so their classes stay out of the archive.
 *
 * <p>Usage: {@code java -cp k8vent.jar:k8vent-build-tools.jar io.k8vent.build.ClassArchive [--java JAVA]
 * ARCHIVE JAR [JVM_FLAG...]}, where JAR is the path later runs give to {@code -jar} (the archive is valid
 * for that path only), the JVM flags are theirs, and JAVA is the {@code java} they run (default: this
 * JVM's; the image's trimmed runtime lacks modules the API server and the sink here need). Exit code 0
 * when the archive was written.
 */
public final class ClassArchive {
  private static final int PODS = 20;
  private static final String SECRET = "class-archive-training";
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);

  private ClassArchive() {}

  public static void main(String[] args) throws InterruptedException {
    List<String> rest = Arrays.asList(args);
    String java = ProcessHandle.current().info().command().orElse("java");
    if (rest.size() >= 2 && rest.get(0).equals("--java")) {
      java = rest.get(1);
      rest = rest.subList(2, rest.size());
    }
    if (rest.size() < 2) {
      System.err.println("usage: java -cp k8vent.jar:k8vent-build-tools.jar io.k8vent.build.ClassArchive [--java JAVA] "
          + "ARCHIVE JAR [JVM_FLAG...]");
      System.exit(2);
    }
    int code = 0;
    try {
      record(java, Path.of(rest.get(0)), Path.of(rest.get(1)), rest.subList(2, rest.size()));
    } catch (IOException | RuntimeException e) {
      // Exits either way: threads the mock server left behind must not keep bin/k8vent waiting.
      System.err.println("k8vent: could not record the class archive: " + e);
      code = 1;
    }
    System.exit(code);
  }

  /** Runs the training daemon with {@code java} and leaves the archive at {@code archive}; throws when it could not. */
  private static void record(String java, Path archive, Path jar, List<String> jvmFlags)
      throws IOException, InterruptedException {
    Files.deleteIfExists(archive);
    Path dir = Files.createTempDirectory("k8vent-cds");
    Path log = dir.resolve("daemon.log");
    Semaphore deliveries = new Semaphore(0);
    try (InMemoryApi api = new InMemoryApi(true);
        Sink sink = new Sink(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), SECRET, Sink.Failure.NONE,
            received -> deliveries.release())) {
      api.admin().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(Demo.NAMESPACE)
          .endMetadata().build()).create();
      for (int id = 1; id <= PODS; id++) {
        api.admin().pods().inNamespace(Demo.NAMESPACE).resource(Demo.pending(id)).create();
      }
      int opsPort = LocalKubeCluster.freePort();
      List<String> command = new ArrayList<>();
      command.add(java);
      command.addAll(jvmFlags);
      command.addAll(List.of("-XX:ArchiveClassesAtExit=" + archive, "-jar", jar.toString(),
          "--kubeconfig", api.writeKubeconfig(dir).toString(), "--url", sink.url("/hook").toString(),
          "--secret", SECRET, "--ops-port", Integer.toString(opsPort)));
      Process daemon = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      try {
        await(deliveries, PODS, "the initial list", daemon, log);
        probe(URI.create("http://127.0.0.1:" + opsPort + "/readyz"), daemon, log);
        for (int id = 1; id <= PODS; id++) {
          api.admin().pods().inNamespace(Demo.NAMESPACE).withName(Demo.name(id)).editStatus(Demo::running);
        }
        api.admin().pods().inNamespace(Demo.NAMESPACE).withName(Demo.name(1)).delete();
        await(deliveries, PODS + 1, "the watch events", daemon, log);
        daemon.destroy();
        if (!daemon.waitFor(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
          throw new IOException("the training daemon did not stop on SIGTERM" + tail(log));
        }
      } finally {
        daemon.destroyForcibly();
      }
      if (!Files.isRegularFile(archive)) {
        throw new IOException("the training daemon exited (" + daemon.exitValue() + ") without writing " + archive
            + tail(log));
      }
    } finally {
      Files.deleteIfExists(dir.resolve("kubeconfig"));
      Files.deleteIfExists(log);
      Files.deleteIfExists(dir);
    }
  }

  private static void await(Semaphore deliveries, int count, String what, Process daemon, Path log)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
    while (!deliveries.tryAcquire(count, 100, TimeUnit.MILLISECONDS)) {
      if (!daemon.isAlive()) {
        throw new IOException("the training daemon exited during " + what + tail(log));
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("the training daemon did not deliver " + what + " within " + STEP_TIMEOUT.toSeconds()
            + " s" + tail(log));
      }
    }
  }

  /** Asks /readyz as a kubelet would, so the ops endpoint's classes are recorded too. */
  private static void probe(URI readyz, Process daemon, Path log) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newHttpClient();
    int status = client.send(HttpRequest.newBuilder(readyz).timeout(STEP_TIMEOUT).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
    if (status != 200) {
      throw new IOException("the training daemon answered /readyz with " + status + " after its initial list"
          + (daemon.isAlive() ? "" : " and exited") + tail(log));
    }
  }

  private static String tail(Path log) throws IOException {
    if (!Files.isRegularFile(log)) {
      return "";
    }
    List<String> lines = Files.readAllLines(log);
    return "; its last lines:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
  }
}
