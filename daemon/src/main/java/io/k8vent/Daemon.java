package io.k8vent;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.k8vent.config.WebhookSafety;
import io.k8vent.config.WebhookUrl;
import io.k8vent.delivery.DeliveryHeaders;
import io.k8vent.delivery.DeliveryLog;
import io.k8vent.delivery.DeliveryObserver;
import io.k8vent.delivery.Dispatcher;
import io.k8vent.delivery.HttpSender;
import io.k8vent.net.DestinationGuard;
import io.k8vent.net.Destinations;
import io.k8vent.payload.PayloadWriter;
import io.k8vent.payload.Signer;
import io.k8vent.payload.WireFormat;
import io.k8vent.route.K8ventAnnotation;
import io.k8vent.route.Router;
import io.k8vent.watch.PodEvent;
import io.k8vent.watch.PodSource;
import io.k8vent.watch.Selection;
import io.k8vent.watch.WatchObserver;
import io.k8vent.watch.WatchStatus;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.HashSet;
import java.util.Set;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The watch → route → deliver pipeline, started and stopped as one. */
public final class Daemon implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

  private final Settings settings;
  private final WatchStatus status;
  private final Dispatcher dispatcher;
  private final PodSource source;

  public Daemon(Settings settings, KubernetesClient client, Vertx vertx, Map<String, String> processEnv,
      WatchObserver watchObserver, DeliveryObserver deliveryObserver) {
    this.settings = settings;
    this.status = new WatchStatus(watchObserver);
    WebhookSafety safety = settings.safety();
    Set<URI> operatorUrls = Set.copyOf(settings.webhooks());
    Destinations destinations = new Destinations(operatorUrls,
        new DestinationGuard(safety.denyPrivate(), safety.allowCidrs(), apiServerAddresses(client),
            ownAddresses()));
    HttpSender sender = new HttpSender(vertx, settings.connectTimeout(), settings.requestTimeout(),
        settings.webhookCas(), new DeliveryHeaders("k8vent/" + Version.VERSION), destinations, settings.maxInFlight());
    this.dispatcher = new Dispatcher(sender, settings.retryPolicy(), settings.maxInFlight(),
        DeliveryObserver.all(new DeliveryLog(), deliveryObserver), operatorUrls, safety.annotationWebhooks(),
        safety.requestsInFlight());
    PayloadWriter writer = new PayloadWriter(new ObjectMapper(), payloadEnv(settings, processEnv));
    Signer signer = settings.secret() == null ? null : new Signer(settings.secret());
    WireFormat format = new WireFormat(settings.format(), processEnv.get(PayloadWriter.ENVIRONMENT_VARIABLE),
        Clock.systemUTC());
    Router router = new Router(settings.webhooks(), settings.annotationPolicy(), writer, signer,
        settings.annotationOptIns(), format, dispatcher::submit);
    this.source = new PodSource(client, settings.namespaces(), K8ventAnnotation.KEY, settings.selection(),
        router::route, status);
  }

  /** Where the API server listens, which annotation webhooks may never target. */
  private static Set<InetSocketAddress> apiServerAddresses(KubernetesClient client) {
    URI master = URI.create(client.getMasterUrl().toString());
    int port = master.getPort() != -1 ? master.getPort() : "https".equalsIgnoreCase(master.getScheme()) ? 443 : 80;
    try {
      Set<InetSocketAddress> addresses = new HashSet<>();
      for (InetAddress a : InetAddress.getAllByName(master.getHost())) {
        addresses.add(new InetSocketAddress(a, port));
      }
      return addresses;
    } catch (UnknownHostException e) {
      LOG.warn("cannot resolve the API server's host {}: {}; annotation webhooks are checked without it",
          master.getHost(), e.getMessage());
      return Set.of();
    }
  }

  /**
   * This host's addresses but loopback, which annotation webhooks may never target: a pod author
   * could otherwise point k8vent at its own ops endpoint and hold its connections.
   */
  static Set<InetAddress> ownAddresses() {
    try {
      return NetworkInterface.networkInterfaces().flatMap(NetworkInterface::inetAddresses)
          .filter(a -> !a.isLoopbackAddress()).collect(Collectors.toUnmodifiableSet());
    } catch (SocketException e) {
      LOG.warn("cannot list this host's network addresses: {}; annotation webhooks are checked without them",
          e.getMessage());
      return Set.of();
    }
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
    Selection selection = settings.selection();
    LOG.info("k8vent {} sending pod changes ({}{}) as {} to {}", Version.VERSION,
        selection.events().size() == PodEvent.Type.values().length ? "all events"
            : selection.events().stream().sorted().map(Enum::name).collect(Collectors.joining(",")),
        selection.visibleChangesOnly() ? ", changes kubectl shows" : ", every change",
        switch (settings.format()) {
          case K8VENT -> "k8vent JSON";
          case CLOUDEVENTS_BINARY -> "CloudEvents (binary mode)";
          case CLOUDEVENTS_STRUCTURED -> "CloudEvents (structured mode)";
        },
        settings.webhooks().stream().map(WebhookUrl::redact).toList());
    return source.start();
  }

  /** Pods the watch currently holds. */
  public int pods() {
    return source.pods();
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

  /** Stops watching, then delivers what is queued for up to the shutdown timeout. */
  public Map<URI, Integer> shutdown() throws InterruptedException {
    source.close();
    Map<URI, Integer> undelivered = dispatcher.drain(settings.shutdownTimeout());
    dispatcher.close();
    LOG.info("stopped; {} pod state(s) undelivered", undelivered.values().stream().mapToInt(Integer::intValue).sum());
    return undelivered;
  }

  /**
   * Stops at once (leadership lost or a failed start): no request or retry starts from now on,
   * requests in flight are cut off, and what was queued is dropped and counted. The Kubernetes
   * client and the event loops belong to the caller.
   */
  @Override
  public void close() {
    source.close();
    Map<URI, Integer> dropped = dispatcher.abort();
    if (!dropped.isEmpty()) {
      LOG.warn("stopped sending at once; {} pod state(s) dropped: {}", dropped.values().stream().mapToInt(Integer::intValue).sum(),
          dropped.entrySet().stream().map(e -> WebhookUrl.redact(e.getKey()) + "=" + e.getValue()).toList());
    }
  }
}
