package io.k8vent.ops;

import io.k8vent.config.WebhookUrl;
import io.k8vent.delivery.Delivery;
import io.k8vent.delivery.DeliveryObserver;
import io.k8vent.delivery.Dispatcher;
import io.k8vent.delivery.SendResult;
import io.k8vent.watch.PodEvent;
import io.k8vent.watch.WatchObserver;
import io.k8vent.watch.WatchStatus;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryPoolAllocationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * k8vent's Prometheus metrics. The operator's webhooks are labelled by scheme, host, port and path
 * only, so credentials and query strings never reach a scrape; webhooks chosen by pod annotations
 * share the one label value {@code annotation}, so pod authors cannot add series.
 */
public final class Metrics implements DeliveryObserver, WatchObserver {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter events = Counter.builder().name("k8vent_pod_events_total")
      .help("Pod events received from the watch, by type").labelNames("type").register(registry);
  private final Counter skipped = Counter.builder().name("k8vent_pod_events_skipped_total")
      .help("Pod events not sent, by type and reason: unchanged (the change filter: nothing kubectl shows "
          + "changed) or event_type (not among --events)").labelNames("type", "reason").register(registry);
  private final Counter deliveries = Counter.builder().name("k8vent_deliveries_total")
      .help("Delivery attempts by webhook and outcome (success, retry, rejected, gave_up)")
      .labelNames("webhook", "outcome").register(registry);
  private final Counter retries = Counter.builder().name("k8vent_delivery_retries_total")
      .help("Retries scheduled after a transient failure").labelNames("webhook").register(registry);
  private final Counter coalesced = Counter.builder().name("k8vent_deliveries_coalesced_total")
      .help("Pod states replaced by a newer state of the same pod before they were sent")
      .labelNames("webhook").register(registry);
  private final Counter dropped = Counter.builder().name("k8vent_deliveries_dropped_total")
      .help("Pod states still undelivered when the shutdown grace period ended").labelNames("webhook").register(registry);
  private final Gauge queueDepth = Gauge.builder().name("k8vent_queue_depth")
      .help("Pods with a state waiting, in flight or backing off, per webhook").labelNames("webhook").register(registry);
  private final Histogram latency = Histogram.builder().name("k8vent_delivery_latency_seconds")
      .help("Time from receiving a pod event to the webhook's 2xx answer").labelNames("webhook")
      .classicOnly().classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
      .register(registry);
  private final Gauge circuitOpen = Gauge.builder().name("k8vent_webhook_circuit_open")
      .help("1 while a webhook is down and its queue waits for a probe to get through, else 0 (annotation "
          + "webhooks: how many are down)").labelNames("webhook").register(registry);
  private final Counter relists = Counter.builder().name("k8vent_watch_relists_total")
      .help("Times the pod watch listed again to resume (expired resourceVersion, reconnect or error)")
      .register(registry);
  private final Counter watchErrors = Counter.builder().name("k8vent_watch_errors_total")
      .help("Failed pod lists or watches; each is retried with backoff").register(registry);

  private final Counter refused = Counter.builder().name("k8vent_webhooks_refused_total")
      .help("Annotation webhook deliveries refused: destination (a forbidden address) or limit (too many "
          + "annotation webhooks at once, or their waiting pod states at " + (Dispatcher.ANNOTATION_BODY_LIMIT >> 20)
          + " MiB)").labelNames("reason").register(registry);

  private boolean stateRegistered;

  /** The label shared by every webhook a pod annotation chose. */
  public static final String ANNOTATION_WEBHOOKS = "annotation";

  private final Set<URI> operatorUrls;
  private final Map<URI, Integer> annotationDepths = new ConcurrentHashMap<>();
  private final Map<URI, String> operatorLabels = new ConcurrentHashMap<>();
  private boolean jvmMetricsRegistered;

  /** @param operatorUrls the webhooks the operator configured; their series exist from the start, at 0 */
  public Metrics(Collection<URI> operatorUrls) {
    this.operatorUrls = Set.copyOf(operatorUrls);
    List<String> webhooks = new ArrayList<>();
    operatorUrls.forEach(u -> webhooks.add(WebhookUrl.metricLabel(u)));
    webhooks.add(ANNOTATION_WEBHOOKS);
    for (String webhook : webhooks) {
      for (String outcome : List.of("success", "retry", "rejected", "refused", "gave_up")) {
        deliveries.labelValues(webhook, outcome);
      }
      retries.labelValues(webhook);
      coalesced.labelValues(webhook);
      dropped.labelValues(webhook);
      queueDepth.labelValues(webhook);
      circuitOpen.labelValues(webhook);
    }
    for (PodEvent.Type type : PodEvent.Type.values()) {
      events.labelValues(type.name());
      skipped.labelValues(type.name(), WatchStatus.Skip.EVENT_TYPE.label());
    }
    skipped.labelValues(PodEvent.Type.MODIFIED.name(), WatchStatus.Skip.UNCHANGED.label());
    refused.labelValues("destination");
    refused.labelValues("limit");
  }

  private String label(URI url) {
    return operatorUrls.contains(url) ? operatorLabels.computeIfAbsent(url, WebhookUrl::metricLabel) : ANNOTATION_WEBHOOKS;
  }

  /**
   * The registry to scrape. The JVM's own metrics join it at the first scrape: registering them
   * loads some 200 classes and the platform MXBeans, about 0.2 s that would otherwise come before
   * the first list of pods at start-up (their counters, such as allocations, count from then on).
   * Every set of the Prometheus client's {@code JvmMetrics} but native memory, which reads Native
   * Memory Tracking (off in k8vent) through the platform MBean server: creating that server loaded
   * 200 more classes at the first scrape, for no series (BENCHMARKS.md, round 9).
   */
  public synchronized PrometheusRegistry registry() {
    if (!jvmMetricsRegistered) {
      JvmThreadsMetrics.builder().register(registry);
      JvmBufferPoolMetrics.builder().register(registry);
      JvmClassLoadingMetrics.builder().register(registry);
      JvmCompilationMetrics.builder().register(registry);
      JvmGarbageCollectorMetrics.builder().register(registry);
      JvmMemoryPoolAllocationMetrics.builder().register(registry);
      JvmMemoryMetrics.builder().register(registry);
      JvmRuntimeInfoMetric.builder().register(registry);
      ProcessMetrics.builder().register(registry);
      jvmMetricsRegistered = true;
    }
    return registry;
  }

  /**
   * Registers the gauges read at each scrape from the running process: {@code k8vent_ready} (1 when
   * /readyz answers 200), {@code k8vent_leader} (1 on the replica that watches and sends, also when
   * leader election is off) and {@code k8vent_pods} (pods the watch holds; 0 on a standby). Alerts
   * need them: a process that is not ready, and a watch that holds pods but receives no events.
   */
  public synchronized void state(BooleanSupplier ready, BooleanSupplier leader, IntSupplier pods) {
    if (stateRegistered) {
      throw new IllegalStateException("state gauges already registered");
    }
    stateRegistered = true;
    GaugeWithCallback.builder().name("k8vent_ready").help("1 while /readyz answers 200, else 0")
        .callback(cb -> cb.call(ready.getAsBoolean() ? 1 : 0)).register(registry);
    GaugeWithCallback.builder().name("k8vent_leader")
        .help("1 on the replica that watches pods and sends (always, without --leader-elect), 0 on a standby")
        .callback(cb -> cb.call(leader.getAsBoolean() ? 1 : 0)).register(registry);
    GaugeWithCallback.builder().name("k8vent_pods").help("Pods the watch currently holds (0 on a standby)")
        .callback(cb -> cb.call(pods.getAsInt())).register(registry);
  }

  @Override
  public void eventReceived(PodEvent.Type type) {
    events.labelValues(type.name()).inc();
  }

  @Override
  public void eventSkipped(PodEvent.Type type, WatchStatus.Skip reason) {
    skipped.labelValues(type.name(), reason.label()).inc();
  }

  @Override
  public void relisted() {
    relists.inc();
  }

  @Override
  public void watchError() {
    watchErrors.inc();
  }

  @Override
  public void delivered(URI url, Delivery d, SendResult r, int attempts) {
    String webhook = label(url);
    deliveries.labelValues(webhook, "success").inc();
    latency.labelValues(webhook).observe((System.nanoTime() - d.receivedNanos()) / 1e9);
  }

  @Override
  public void retrying(URI url, Delivery d, SendResult r, int attempts, Duration delay) {
    String webhook = label(url);
    deliveries.labelValues(webhook, "retry").inc();
    retries.labelValues(webhook).inc();
  }

  @Override
  public void rejected(URI url, Delivery d, SendResult r) {
    deliveries.labelValues(label(url), r.refused() ? "refused" : "rejected").inc();
    if (r.refused()) {
      refused.labelValues("destination").inc();
    }
  }

  @Override
  public void gaveUp(URI url, Delivery d, SendResult r, int attempts) {
    deliveries.labelValues(label(url), "gave_up").inc();
  }

  @Override
  public void coalesced(URI url, Delivery replaced) {
    coalesced.labelValues(label(url)).inc();
  }

  @Override
  public void dropped(URI url, int count) {
    dropped.labelValues(label(url)).inc(count);
  }

  @Override
  public void queueDepth(URI url, int depth) {
    if (operatorUrls.contains(url)) {
      queueDepth.labelValues(label(url)).set(depth);
      return;
    }
    // Annotation webhooks share one series: add this queue's change to it.
    Integer before = depth == 0 ? annotationDepths.remove(url) : annotationDepths.put(url, depth);
    int change = depth - (before == null ? 0 : before);
    if (change != 0) {
      queueDepth.labelValues(ANNOTATION_WEBHOOKS).inc(change);
    }
  }

  @Override
  public void circuitOpened(URI url, SendResult cause, int pending, Duration nextProbe) {
    circuitOpen.labelValues(label(url)).inc();
  }

  @Override
  public void circuitClosed(URI url, int pending) {
    circuitOpen.labelValues(label(url)).dec();
  }

  @Override
  public void circuitDropped(URI url) {
    circuitOpen.labelValues(label(url)).dec();
  }

  @Override
  public void refused(URI url, Delivery d, String reason) {
    refused.labelValues("limit").inc();
  }
}
