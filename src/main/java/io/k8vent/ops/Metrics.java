package io.k8vent.ops;

import io.k8vent.config.WebhookUrl;
import io.k8vent.delivery.Delivery;
import io.k8vent.delivery.DeliveryObserver;
import io.k8vent.delivery.SendResult;
import io.k8vent.watch.PodEvent;
import io.k8vent.watch.WatchStatus;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.time.Duration;

/**
 * k8vent's Prometheus metrics. Webhooks are labelled by scheme, host, port and path only, so
 * credentials and query strings never reach a scrape.
 */
public final class Metrics implements DeliveryObserver {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter events = Counter.builder().name("k8vent_pod_events_total")
      .help("Pod events received from the watch, by type").labelNames("type").register(registry);
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
  private final Counter relists = Counter.builder().name("k8vent_watch_relists_total")
      .help("Times the pod watch listed again to resume (expired resourceVersion, reconnect or error)")
      .register(registry);
  private final Counter watchErrors = Counter.builder().name("k8vent_watch_errors_total")
      .help("Failed pod lists or watches; each is retried with backoff").register(registry);

  private boolean jvmMetricsRegistered;

  /**
   * The registry to scrape. The JVM's own metrics join it at the first scrape: registering them
   * loads some 200 classes and the platform MXBeans, about 0.2 s that would otherwise come before
   * the first list of pods at start-up (their counters, such as allocations, count from then on).
   */
  public synchronized PrometheusRegistry registry() {
    if (!jvmMetricsRegistered) {
      JvmMetrics.builder().register(registry);
      jvmMetricsRegistered = true;
    }
    return registry;
  }

  /** A watch status that also counts events and watch restarts. */
  public WatchStatus watchStatus() {
    return new WatchStatus() {
      @Override
      protected void eventReceived(PodEvent.Type type) {
        events.labelValues(type.name()).inc();
      }

      @Override
      protected void relisted() {
        relists.inc();
      }

      @Override
      protected void watchError() {
        watchErrors.inc();
      }
    };
  }

  @Override
  public void delivered(URI url, Delivery d, SendResult r, int attempts) {
    String webhook = WebhookUrl.redact(url);
    deliveries.labelValues(webhook, "success").inc();
    latency.labelValues(webhook).observe((System.nanoTime() - d.receivedNanos()) / 1e9);
  }

  @Override
  public void retrying(URI url, Delivery d, SendResult r, int attempts, Duration delay) {
    String webhook = WebhookUrl.redact(url);
    deliveries.labelValues(webhook, "retry").inc();
    retries.labelValues(webhook).inc();
  }

  @Override
  public void rejected(URI url, Delivery d, SendResult r) {
    deliveries.labelValues(WebhookUrl.redact(url), "rejected").inc();
  }

  @Override
  public void gaveUp(URI url, Delivery d, SendResult r, int attempts) {
    deliveries.labelValues(WebhookUrl.redact(url), "gave_up").inc();
  }

  @Override
  public void coalesced(URI url, Delivery replaced) {
    coalesced.labelValues(WebhookUrl.redact(url)).inc();
  }

  @Override
  public void dropped(URI url, int count) {
    dropped.labelValues(WebhookUrl.redact(url)).inc(count);
  }

  @Override
  public void queueDepth(URI url, int depth) {
    queueDepth.labelValues(WebhookUrl.redact(url)).set(depth);
  }
}
