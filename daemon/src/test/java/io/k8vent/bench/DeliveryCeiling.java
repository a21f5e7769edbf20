package io.k8vent.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.k8vent.CommonPool;
import io.k8vent.delivery.Delivery;
import io.k8vent.delivery.DeliveryObserver;
import io.k8vent.delivery.Dispatcher;
import io.k8vent.delivery.HttpSender;
import io.k8vent.delivery.RetryPolicy;
import io.k8vent.delivery.SendResult;
import io.k8vent.payload.PayloadWriter;
import io.k8vent.watch.PodSource;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario 3 of bench/run: k8vent's delivery engine (Dispatcher, WebhookQueue, HttpSender) fed
 * in-process as fast as it takes deliveries, posting to the benchmark's loopback receiver. Every
 * delivery is a distinct pod, so nothing is coalesced; the body is a real k8vent payload. The rate
 * is measured over {@code --count} deliveries after {@code --warmup} deliveries (JIT warm-up).
 *
 * <pre>
 * DeliveryCeiling --write-body FILE
 * DeliveryCeiling --url URL [--max-in-flight 8] [--warmup 30000] [--count 150000] [--out FILE]
 * </pre>
 */
public final class DeliveryCeiling {
  /**
   * At most this many deliveries submitted but not yet finished: enough to keep every connection busy,
   * and few enough that their bodies fit in a queue's budget, so none is held deflated.
   */
  private static final int MAX_WINDOW = 4096;

  private DeliveryCeiling() {}

  public static void main(String[] args) throws Exception {
    CommonPool.useTwoThreads();
    Map<String, String> opts = options(args);
    byte[] body = body();
    if (opts.containsKey("write-body")) {
      Files.write(Path.of(opts.get("write-body")), body);
      return;
    }
    URI url = URI.create(opts.get("url"));
    int maxInFlight = Integer.parseInt(opts.getOrDefault("max-in-flight", "8"));
    long warmup = Long.parseLong(opts.getOrDefault("warmup", "30000"));
    long count = Long.parseLong(opts.getOrDefault("count", "150000"));

    int window = (int) Math.min(MAX_WINDOW, Dispatcher.QUEUE_BODY_BUDGET / body.length);
    Counting observer = new Counting(warmup, warmup + count, window);
    HttpSender sender = new HttpSender(Duration.ofSeconds(5), Duration.ofSeconds(10), null, "k8vent/bench");
    Dispatcher dispatcher = new Dispatcher(sender, RetryPolicy.defaults(), maxInFlight, observer, java.util.Set.of(url), 1, 1024);
    long start = System.nanoTime();
    Thread feeder = new Thread(() -> feed(dispatcher, url, body, observer), "bench-feeder");
    feeder.setDaemon(true);
    feeder.start();
    observer.done.await();
    double seconds = (observer.endNanos - observer.startNanos) / 1e9;
    double cpu = (observer.endCpuNanos - observer.startCpuNanos) / 1e9;
    String json = String.format(Locale.ROOT,
        "{\"delivered\":%d,\"seconds\":%.3f,\"per_second\":%.1f,\"failures\":%d,\"measured_cpu_seconds\":%.3f,"
            + "\"total_seconds\":%.3f,\"max_in_flight\":%d,\"body_bytes\":%d,\"window\":%d}",
        count, seconds, count / seconds, observer.failures.get(), cpu, (observer.endNanos - start) / 1e9,
        maxInFlight, body.length, window);
    if (opts.containsKey("out")) {
      Files.writeString(Path.of(opts.get("out")), json);
    }
    System.out.println(json);
    System.exit(0);
  }

  private static void feed(Dispatcher dispatcher, URI url, byte[] body, Counting observer) {
    for (long i = 0; ; i++) {
      observer.window.acquireUninterruptibly();
      String pod = "pod-" + i;
      dispatcher.submit(url, new Delivery(pod, "bench/" + pod, "MODIFIED", Long.toString(i), body, null,
          "delivery-" + i, System.nanoTime()));
    }
  }

  /** Counts finished deliveries and notes the time and CPU at the start and end of the measurement. */
  private static final class Counting implements DeliveryObserver {
    final Semaphore window;
    final AtomicLong finished = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    final CountDownLatch done = new CountDownLatch(1);
    final long startAt;
    final long endAt;
    volatile long startNanos;
    volatile long startCpuNanos;
    volatile long endNanos;
    volatile long endCpuNanos;

    Counting(long startAt, long endAt, int window) {
      this.window = new Semaphore(window);
      this.startAt = startAt;
      this.endAt = endAt;
    }

    private void finish() {
      window.release();
      long n = finished.incrementAndGet();
      if (n == startAt) {
        startNanos = System.nanoTime();
        startCpuNanos = processCpuNanos();
      } else if (n == endAt) {
        endNanos = System.nanoTime();
        endCpuNanos = processCpuNanos();
        done.countDown();
      }
    }

    @Override
    public void delivered(URI url, Delivery d, SendResult r, int attempts) {
      finish();
    }

    @Override
    public void rejected(URI url, Delivery d, SendResult r) {
      failures.incrementAndGet();
      finish();
    }

    @Override
    public void retrying(URI url, Delivery d, SendResult r, int attempts, Duration delay) {
      failures.incrementAndGet();
    }

    @Override
    public void gaveUp(URI url, Delivery d, SendResult r, int attempts) {
      failures.incrementAndGet();
      finish();
    }
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** A real k8vent body: the realistic test pod and a container-like environment. */
  private static byte[] body() throws IOException {
    GenericKubernetesResource pod;
    try (InputStream in = DeliveryCeiling.class.getResourceAsStream("/pods/web-realistic.json")) {
      pod = PodSource.serialization(false).unmarshal(in, GenericKubernetesResource.class);
    }
    Map<String, String> env = new TreeMap<>(Map.of(
        "HOSTNAME", "k8vent-6d5f7c9b8-qx2lp", "ATOMIST_ENVIRONMENT", "bench", "LANG", "C.UTF-8",
        "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "KUBERNETES_SERVICE_HOST", "10.96.0.1", "KUBERNETES_SERVICE_PORT", "443",
        "KUBERNETES_PORT", "tcp://10.96.0.1:443", "KUBERNETES_PORT_443_TCP", "tcp://10.96.0.1:443",
        "KUBERNETES_PORT_443_TCP_ADDR", "10.96.0.1", "JAVA_HOME", "/opt/java/openjdk"));
    return new PayloadWriter(new ObjectMapper(), env).write(pod, null, PayloadWriter.EnvScope.FULL, false);
  }

  /** {@code --name value} pairs, as DeliveryCeiling and {@link ListFloor} take them. */
  static Map<String, String> options(String[] args) {
    Map<String, String> opts = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --option value, got " + args[i]);
      }
      opts.put(args[i].substring(2), args[i + 1]);
    }
    return opts;
  }
}
