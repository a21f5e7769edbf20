package io.k8vent;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.k8vent.config.Settings;
import io.k8vent.config.WebhookUrl;
import io.k8vent.delivery.DeliveryLog;
import io.k8vent.delivery.DeliveryObserver;
import io.k8vent.delivery.Dispatcher;
import io.k8vent.delivery.HttpSender;
import io.k8vent.payload.PayloadWriter;
import io.k8vent.payload.Signer;
import io.k8vent.route.K8ventAnnotation;
import io.k8vent.route.Router;
import io.k8vent.watch.PodSource;
import io.k8vent.watch.WatchStatus;
import java.net.URI;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The watch → route → deliver pipeline, started and stopped as one. */
public final class Daemon implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

  private final Settings settings;
  private final KubernetesClient client;
  private final WatchStatus status;
  private final Dispatcher dispatcher;
  private final PodSource source;

  public Daemon(Settings settings, KubernetesClient client, Map<String, String> processEnv, WatchStatus status,
      DeliveryObserver observer) {
    this.settings = settings;
    this.client = client;
    this.status = status;
    HttpSender sender = new HttpSender(settings.connectTimeout(), settings.requestTimeout(),
        settings.webhookCaFile(), "k8vent/" + Version.VERSION);
    this.dispatcher = new Dispatcher(sender, settings.retryPolicy(), settings.maxInFlight(),
        DeliveryObserver.all(new DeliveryLog(), observer));
    PayloadWriter writer = new PayloadWriter(new ObjectMapper(), payloadEnv(settings, processEnv));
    Signer signer = settings.secret() == null ? null : new Signer(settings.secret());
    Router router = new Router(settings.webhooks(), settings.annotationPolicy(), writer, signer,
        settings.annotationOptIns(), dispatcher::submit);
    this.source = new PodSource(client, settings.namespaces(), K8ventAnnotation.KEY, router::route, status);
  }

  static Map<String, String> payloadEnv(Settings settings, Map<String, String> processEnv) {
    Map<String, String> env = new TreeMap<>(settings.envFilter().apply(processEnv));
    String tag = processEnv.get(PayloadWriter.ENVIRONMENT_VARIABLE);
    if (tag != null) {
      env.put(PayloadWriter.ENVIRONMENT_VARIABLE, tag);
    }
    return env;
  }

  /** Starts watching; the future completes when the initial list has been handed to the queues. */
  public CompletableFuture<Void> start() {
    LOG.info("k8vent {} sending pod changes to {}", Version.VERSION,
        settings.webhooks().stream().map(WebhookUrl::redact).toList());
    return source.start();
  }

  public WatchStatus status() {
    return status;
  }

  /** Null while the watch machinery runs, else why not. */
  public String healthProblem() {
    return source.running() ? null : "the pod watch has stopped";
  }

  /** Null once the initial list was handed to the queues and the watch is not failing. */
  public String readinessProblem() {
    if (status.problem() != null) {
      return status.problem();
    }
    return status.ready() ? null : "initial list of pods not yet handed to the webhook queues";
  }

  public Dispatcher dispatcher() {
    return dispatcher;
  }

  /** Stops watching, then delivers what is queued for up to the shutdown timeout. */
  public Map<URI, Integer> shutdown() throws InterruptedException {
    source.close();
    Map<URI, Integer> undelivered = dispatcher.drain(settings.shutdownTimeout());
    LOG.info("stopped; {} pod state(s) undelivered", undelivered.values().stream().mapToInt(Integer::intValue).sum());
    return undelivered;
  }

  /** Stops at once, dropping what is queued; the client belongs to the caller. */
  @Override
  public void close() {
    source.close();
    dispatcher.close();
  }
}
