package io.k8vent.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.PodResource;
import io.k8vent.Daemon;
import io.k8vent.Settings;
import io.k8vent.net.VertxRuntime;
import io.vertx.core.Vertx;
import io.k8vent.config.WebhookUrl;
import io.k8vent.delivery.Delivery;
import io.k8vent.delivery.DeliveryObserver;
import io.k8vent.delivery.SendResult;
import io.k8vent.payload.WireFormat;
import io.k8vent.route.K8ventAnnotation;
import io.k8vent.sink.Sink;
import io.k8vent.watch.KubeClients;
import io.k8vent.watch.WatchObserver;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code k8vent demo}: an in-memory Kubernetes API, a local webhook sink and k8vent's own daemon
 * between them, connected over HTTP exactly as in a cluster. A scripted set of pods is created,
 * run, relabelled, finished and deleted while every delivery is printed as it lands.
 */
public final class Demo {
  public static final String NAMESPACE = "k8vent-demo";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** How long the demo waits past its duration for the script's last change to be delivered. */
  private static final Duration LAST_CHANGE_WAIT = Duration.ofSeconds(15);
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
      .withZone(ZoneId.systemDefault());

  /**
   * What to run: how many pods, for how long, where the example payload goes (null: a temp file),
   * the directory of kube-apiserver and etcd binaries to run a real API server from (null: the
   * in-memory API), and the body format k8vent sends.
   */
  public record Options(int pods, Duration duration, Path payloadFile, Path kubeBinaries, WireFormat.Kind format) {}

  private final Options options;
  private final Map<String, String> processEnv;
  private final PrintWriter out;
  /** Counted down by {@link #stop()}. */
  private final CountDownLatch interrupted = new CountDownLatch(1);
  /** The thread starting the API, the sink and k8vent, interrupted by {@link #stop()}; null once started. */
  private Thread starting;
  private boolean startedUp;
  private final Stats stats = new Stats();
  private final AtomicReference<byte[]> example = new AtomicReference<>();
  private final AtomicInteger validSignatures = new AtomicInteger();
  private final AtomicInteger received = new AtomicInteger();
  /** The pod the script deletes last, and whether its deletion was delivered (or failed for good). */
  private volatile String lastDeleted;
  private final CountDownLatch lastDeletionDone = new CountDownLatch(1);
  /** The API and the scratch directory once made, for {@link #abandon()}. */
  private volatile DemoApi api;
  private volatile Path scratch;

  public Demo(Options options, Map<String, String> processEnv, PrintWriter out) {
    this.options = options;
    this.processEnv = processEnv;
    this.out = out;
  }

  /**
   * Ends the demo early (Ctrl-C): during start-up at once (the thread starting it is interrupted,
   * and {@link #run} stops what it started and returns 130); once running, with the summary.
   */
  public void stop() {
    synchronized (interrupted) {
      interrupted.countDown();
      if (starting != null) {
        starting.interrupt();
      }
    }
  }

  /**
   * A second Ctrl-C, just before the process exits without waiting for {@link #stop()} to finish:
   * kills etcd and kube-apiserver, which would outlive it, and deletes the files the demo made (the
   * API server's folder with its service-account key and tokens, the kubeconfig).
   */
  public void abandon() {
    DemoApi current = api;
    try {
      if (current != null) {
        current.abandon();
      }
    } catch (RuntimeException e) {
      print("could not remove the API server's folder: " + e.getMessage());
    }
    Path dir = scratch;
    if (dir != null) {
      try {
        deleteScratch(dir);
      } catch (IOException e) {
        print("could not delete " + dir + ": " + e.getMessage());
      }
    }
  }

  /** Deletes the demo's scratch folder and the kubeconfig k8vent read from it. */
  private static void deleteScratch(Path dir) throws IOException {
    Files.deleteIfExists(dir.resolve("kubeconfig"));
    Files.deleteIfExists(dir);
  }

  /** Start-up is over; false when {@link #stop()} came first. */
  private boolean startUpDone() {
    synchronized (interrupted) {
      noLongerStarting();
      startedUp = interrupted.getCount() > 0;
      return startedUp;
    }
  }

  /** From now on {@link #stop()} does not interrupt this thread; an interrupt it sent is cleared. */
  private void noLongerStarting() {
    synchronized (interrupted) {
      starting = null;
      Thread.interrupted();
    }
  }

  /**
   * Runs the demo; returns 0 when every change was delivered, 1 otherwise, 130 when stopped during
   * start-up. Whatever it started and the temporary files are gone when it returns.
   */
  public int run() throws Exception {
    synchronized (interrupted) {
      starting = Thread.currentThread();
    }
    try {
      return runDemo();
    } catch (Exception e) {
      synchronized (interrupted) {
        if (startedUp || interrupted.getCount() > 0) {
          throw e;
        }
      }
      return stoppedDuringStartUp();
    } finally {
      noLongerStarting();
    }
  }

  private int stoppedDuringStartUp() {
    print("stopped during start-up (Ctrl-C); nothing was run and nothing is left behind");
    return 130;
  }

  private int runDemo() throws Exception {
    byte[] key = new byte[16];
    new SecureRandom().nextBytes(key);
    String secret = HexFormat.of().formatHex(key);
    Path dir = Files.createTempDirectory("k8vent-demo");
    scratch = dir;
    if (options.kubeBinaries() != null) {
      print("starting etcd and kube-apiserver from " + options.kubeBinaries() + " (a few seconds)");
    }
    try (DemoApi api = options.kubeBinaries() == null ? new InMemoryApi() : new RealApi(options.kubeBinaries());
        Sink sink = new Sink(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), secret,
            Sink.Failure.NONE, this::received)) {
      this.api = api;
      long start = System.nanoTime();
      URI hook = sink.url("/k8vent");
      print(api.describe());
      api.admin().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata()
          .build()).create();
      print("webhook sink at " + hook + " (checks each request's signature)");
      print("k8vent watches pods in all namespaces and POSTs each change to the sink"
          + (options.format() == WireFormat.Kind.K8VENT ? "" : " as a CloudEvent ("
              + (options.format() == WireFormat.Kind.CLOUDEVENTS_BINARY ? "binary" : "structured") + " mode)")
          + "; running for "
          + format(options.duration()) + ", Ctrl-C ends it early");
      Path kubeconfig = api.writeKubeconfig(dir);
      Settings settings = Settings.builder(List.of(hook)).secret(secret).kubeconfig(kubeconfig)
          .shutdownTimeout(Duration.ofSeconds(5)).opsPort(0).format(options.format()).build();
      Vertx vertx = VertxRuntime.create();
      try (KubernetesClient client = KubeClients.connect(kubeconfig, null, processEnv, vertx, false)) {
        Daemon daemon = new Daemon(settings, client, vertx, processEnv, new WatchObserver() {}, new Printer());
        try {
          daemon.start().get(30, TimeUnit.SECONDS);
          if (!startUpDone()) {
            return stoppedDuringStartUp();
          }
          print("k8vent is watching (initial list done)");
          script(api, start);
          if (!interrupted.await(remaining(start), TimeUnit.NANOSECONDS)) {
            // The watch must see the script's last change before k8vent stops watching, however slow the host.
            lastDeletionDone.await(LAST_CHANGE_WAIT.toNanos(), TimeUnit.NANOSECONDS);
          }
          print("stopping: k8vent delivers what is still queued, then exits");
          daemon.shutdown();
        } finally {
          daemon.close();
        }
      } finally {
        vertx.close();
      }
      return summary(start);
    } finally {
      deleteScratch(dir);
    }
  }

  private long remaining(long start) {
    return Math.max(0, options.duration().toNanos() - (System.nanoTime() - start));
  }

  /** Pods go Pending, Running, one is relabelled, half finish and are deleted; steps spread over 70% of the run. */
  private void script(DemoApi api, long start) throws InterruptedException {
    List<Step> steps = new ArrayList<>();
    int n = options.pods();
    for (int i = 1; i <= n; i++) {
      int id = i;
      steps.add(new Step("create pod " + name(id) + " (Pending)"
          + (id == 1 ? ", annotated with environment \"demo-staging\"" : ""),
          () -> api.admin().pods().inNamespace(NAMESPACE).resource(pending(id)).create()));
    }
    for (int i = 1; i <= n; i++) {
      int id = i;
      steps.add(new Step("pod " + name(id) + " starts (Running)", () -> pod(api, id).editStatus(Demo::running)));
    }
    steps.add(new Step("relabel pod " + name(1) + " version=v2", () -> pod(api, 1).edit(p -> new PodBuilder(p)
        .editMetadata().addToLabels("version", "v2").endMetadata().build())));
    for (int i = 1; i <= n; i += 2) {
      int id = i;
      steps.add(new Step("pod " + name(id) + " finishes (Succeeded)", () -> pod(api, id).editStatus(Demo::succeeded)));
    }
    for (int i = 1; i <= n; i += 2) {
      int id = i;
      steps.add(new Step("delete pod " + name(id), () -> pod(api, id).delete()));
      lastDeleted = NAMESPACE + "/" + name(id);
    }
    long pause = Math.min(TimeUnit.SECONDS.toNanos(2), remaining(start) * 7 / 10 / steps.size());
    for (Step step : steps) {
      if (interrupted.await(pause, TimeUnit.NANOSECONDS)) {
        return;
      }
      print("api: " + step.description());
      step.action().run();
    }
  }

  private record Step(String description, Runnable action) {}

  private static PodResource pod(DemoApi api, int id) {
    return api.admin().pods().inNamespace(NAMESPACE).withName(name(id));
  }

  public static String name(int id) {
    return "demo-" + id;
  }

  public static Pod pending(int id) {
    PodBuilder pod = new PodBuilder()
        .withNewMetadata().withName(name(id)).withNamespace(NAMESPACE)
        .addToLabels("app", "demo").addToLabels("version", "v1").endMetadata()
        .withNewSpec().withRestartPolicy("Never").withServiceAccountName("default")
        .addNewContainer().withName("work").withImage("busybox:1.36").withCommand("sh", "-c", "echo done")
        .addNewPort().withContainerPort(8080).withProtocol("TCP").endPort().endContainer().endSpec()
        .withNewStatus().withPhase("Pending").withQosClass("BestEffort").endStatus();
    if (id == 1) {
      pod.editMetadata().addToAnnotations(K8ventAnnotation.KEY, "{\"environment\":\"demo-staging\"}").endMetadata();
    }
    return pod.build();
  }

  public static Pod running(Pod pod) {
    String now = Instant.now().toString();
    int id = Integer.parseInt(pod.getMetadata().getName().substring("demo-".length()));
    return new PodBuilder(pod).editStatus().withPhase("Running").withHostIP("10.0.0.1").withPodIP("10.244.0." + (10 + id))
        .withStartTime(now)
        .addNewCondition().withType("Ready").withStatus("True").withLastTransitionTime(now).endCondition()
        .addNewContainerStatus().withName("work").withImage("busybox:1.36").withReady(true).withRestartCount(0)
        .withNewState().withNewRunning().withStartedAt(now).endRunning().endState().endContainerStatus()
        .endStatus().build();
  }

  private static Pod succeeded(Pod pod) {
    String now = Instant.now().toString();
    return new PodBuilder(pod).editStatus().withPhase("Succeeded")
        .withConditions().addNewCondition().withType("Ready").withStatus("False").withReason("PodCompleted")
        .withLastTransitionTime(now).endCondition()
        .withContainerStatuses().addNewContainerStatus().withName("work").withImage("busybox:1.36").withReady(false)
        .withRestartCount(0).withNewState().withNewTerminated().withExitCode(0).withReason("Completed")
        .withFinishedAt(now).endTerminated().endState().endContainerStatus()
        .endStatus().build();
  }

  private void received(Sink.Received request) {
    received.incrementAndGet();
    if (request.signature() == Sink.Signature.VALID) {
      validSignatures.incrementAndGet();
    }
    JsonNode json = request.payload();
    if (json != null && "MODIFIED".equals(request.event())
        && "Running".equals(json.path("pod").path("status").path("phase").asText())) {
      example.compareAndSet(null, request.body());
    }
  }

  private int summary(long start) throws IOException {
    Stats s = stats.snapshot();
    out.println();
    StringBuilder events = new StringBuilder();
    s.byEvent.forEach((event, count) -> events.append(events.length() == 0 ? "" : ", ").append(event).append(' ')
        .append(count));
    print(String.format("summary: %d deliveries in %s (%s); %d answered 2xx, %d failed, %d retries",
        s.delivered + s.failed, format(Duration.ofNanos(System.nanoTime() - start)), events, s.delivered,
        s.failed, s.retries));
    print(String.format("sink: %d requests received, %d with a valid signature", received.get(),
        validSignatures.get()));
    if (!s.latenciesMillis.isEmpty()) {
      List<Double> sorted = s.latenciesMillis.stream().sorted().toList();
      print(String.format("latency from watch event to webhook 2xx: p50 %.1f ms, max %.1f ms",
          sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1)));
    }
    byte[] body = example.get();
    if (body != null) {
      Path file = options.payloadFile() != null ? options.payloadFile()
          : Files.createTempFile("k8vent-demo-payload-", ".json");
      Files.writeString(file, MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(MAPPER.readTree(body)));
      print("example payload (a Running pod, as the sink received it, indented): " + file.toAbsolutePath());
    }
    out.flush();
    return s.failed == 0 ? 0 : 1;
  }

  private void print(String line) {
    synchronized (out) {
      out.println(TIME.format(Instant.now()) + "  " + line);
      out.flush();
    }
  }

  private static String format(Duration d) {
    return String.format("%.1f s", d.toMillis() / 1000.0);
  }

  private static String phase(Delivery delivery) {
    try {
      return WireFormat.payloadOf(MAPPER.readTree(delivery.body())).path("pod").path("status").path("phase").asText("-");
    } catch (IOException e) {
      return "-";
    }
  }

  /** Prints each delivery as k8vent saw it, and counts them for the summary. */
  private final class Printer implements DeliveryObserver {
    @Override
    public void delivered(URI url, Delivery d, SendResult r, int attempts) {
      double millis = (System.nanoTime() - d.receivedNanos()) / 1e6;
      stats.delivered(d.eventType(), millis);
      line(url, d, r, String.format("%6.1f ms", millis) + (attempts > 1 ? " (attempt " + attempts + ")" : ""));
      ended(d);
    }

    @Override
    public void retrying(URI url, Delivery d, SendResult r, int attempts, Duration delay) {
      stats.retried();
      line(url, d, r, delay == null ? "held until the webhook answers" : "retry in " + delay.toMillis() + " ms");
    }

    @Override
    public void rejected(URI url, Delivery d, SendResult r) {
      stats.failed(d.eventType());
      line(url, d, r, "rejected, not retried");
      ended(d);
    }

    @Override
    public void gaveUp(URI url, Delivery d, SendResult r, int attempts) {
      stats.failed(d.eventType());
      line(url, d, r, "gave up after " + attempts + " attempts");
      ended(d);
    }

    /** A delivery ended (answered, rejected or given up). */
    private void ended(Delivery d) {
      if ("DELETED".equals(d.eventType()) && d.podName().equals(lastDeleted)) {
        lastDeletionDone.countDown();
      }
    }

    private void line(URI url, Delivery d, SendResult r, String outcome) {
      print(String.format("-> %-8s %-22s %-10s %s %s %s", d.eventType(), d.podName(), phase(d),
          WebhookUrl.redact(url), r.status() > 0 ? "HTTP " + r.status() : r.describe(), outcome));
    }
  }

  /** Delivery counts and latencies, updated from delivery threads. */
  private static final class Stats {
    private final Map<String, Integer> byEvent = new TreeMap<>();
    private final List<Double> latenciesMillis = new ArrayList<>();
    private int delivered;
    private int failed;
    private int retries;

    synchronized void delivered(String event, double millis) {
      byEvent.merge(event, 1, Integer::sum);
      latenciesMillis.add(millis);
      delivered++;
    }

    synchronized void failed(String event) {
      byEvent.merge(event, 1, Integer::sum);
      failed++;
    }

    synchronized void retried() {
      retries++;
    }

    synchronized Stats snapshot() {
      Stats copy = new Stats();
      copy.byEvent.putAll(byEvent);
      copy.latenciesMillis.addAll(latenciesMillis);
      copy.delivered = delivered;
      copy.failed = failed;
      copy.retries = retries;
      return copy;
    }
  }
}
