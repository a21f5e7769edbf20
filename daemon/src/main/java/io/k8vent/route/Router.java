package io.k8vent.route;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.k8vent.delivery.Delivery;
import io.k8vent.delivery.DeliveryId;
import io.k8vent.delivery.Dispatcher;
import io.k8vent.payload.PayloadWriter;
import io.k8vent.payload.Signer;
import io.k8vent.payload.WireFormat;
import io.k8vent.watch.PodEvent;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Turns a pod event into deliveries: picks the webhooks (the pod's annotation, else the global
 * list; never both), the environment tag (the annotation's, else the process's), writes the body
 * once in the configured {@link WireFormat} and signs it once, and hands one delivery per URL to
 * {@code deliveries}. Webhooks a pod
 * chose get only ATOMIST_ENVIRONMENT and no signature unless the operator opted in
 * ({@link AnnotationOptIns}); as a pod's targets are all global or all its own, one body serves them all.
 */
public final class Router {
  private static final Logger LOG = LoggerFactory.getLogger(Router.class);

  private final List<URI> globalWebhooks;
  private final AnnotationPolicy policy;
  private final PayloadWriter writer;
  private final Signer signer;
  private final AnnotationOptIns optIns;
  private final WireFormat format;
  private final Deliveries deliveries;

  /** Where deliveries go: true when {@code url} took {@code delivery}, false when a limit refused it. */
  @FunctionalInterface
  public interface Deliveries {
    boolean submit(URI url, Delivery delivery);
  }

  /** {@code signer} is null without a secret. */
  public Router(List<URI> globalWebhooks, AnnotationPolicy policy, PayloadWriter writer, Signer signer,
      AnnotationOptIns optIns, WireFormat format, Deliveries deliveries) {
    this.globalWebhooks = List.copyOf(globalWebhooks);
    this.policy = policy;
    this.writer = writer;
    this.signer = signer;
    this.optIns = optIns;
    this.format = format;
    this.deliveries = deliveries;
  }

  public void route(PodEvent event) {
    GenericKubernetesResource pod = event.pod();
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    K8ventAnnotation annotation =
        K8ventAnnotation.parse(annotations == null ? null : annotations.get(K8ventAnnotation.KEY), policy);
    if (!annotation.problems().isEmpty()) {
      try (MDC.MDCCloseable c = MDC.putCloseable("pod", event.namespacedName())) {
        LOG.warn("pod {}: annotation {}: {}",
            event.namespacedName(), K8ventAnnotation.KEY, String.join("; ", annotation.problems()));
      }
    }
    boolean podsOwn = annotation.webhooks().isPresent();
    List<URI> targets = podsOwn ? annotation.webhooks().get() : globalWebhooks;
    String environment = annotation.environment().orElse(null);
    byte[] json = writer.write(pod, environment,
        podsOwn && !optIns.fullEnv() ? PayloadWriter.EnvScope.TAG_ONLY : PayloadWriter.EnvScope.FULL,
        event.type() == PodEvent.Type.DELETED);
    String resourceVersion = pod.getMetadata().getResourceVersion();
    String id = DeliveryId.of(event.key(), resourceVersion, event.type().name());
    WireFormat.Deletion deletion = event.type() != PodEvent.Type.DELETED ? null
        : event.leftSelection() ? WireFormat.Deletion.LEFT_SELECTION : WireFormat.Deletion.DELETED;
    WireFormat.Message message = format.wrap(json, new WireFormat.Event(event.type().name(), id,
        pod.getMetadata().getNamespace(), pod.getMetadata().getName(), environment, deletion));
    Signer.Signatures signatures = signer == null || podsOwn && !optIns.signed() ? null : signer.sign(message.body());
    List<URI> refused = new ArrayList<>();
    for (URI url : targets) {
      if (!deliveries.submit(url, new Delivery(event.key(), event.namespacedName(), event.type().name(),
          resourceVersion, message.body(), signatures, id, event.receivedNanos(), message.contentType(),
          message.headers()))) {
        refused.add(url);
      }
    }
    if (!refused.isEmpty()) {
      try (MDC.MDCCloseable c = MDC.putCloseable("pod", event.namespacedName())) {
        LOG.warn("pod {}: not sending {} to {}: annotation webhooks are at a limit (--max-annotation-webhooks "
            + "active at once, or " + (Dispatcher.ANNOTATION_BODY_LIMIT >> 20) + " MiB of pod states waiting for them); "
            + "the pod's other webhooks still get it",
            event.namespacedName(),
            event.type(), refused.stream().map(io.k8vent.config.WebhookUrl::redact).toList());
      }
    }
  }
}
