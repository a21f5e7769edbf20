package io.k8vent.delivery;

import java.util.function.BiConsumer;

/** The request headers of one delivery attempt, whichever transport sends it. */
public final class DeliveryHeaders {
  private final String userAgent;

  public DeliveryHeaders(String userAgent) {
    this.userAgent = userAgent;
  }

  /** Hands each header of an attempt to send {@code delivery} to {@code header}. */
  public void each(Delivery delivery, BiConsumer<String, String> header) {
    header.accept("Content-Type", "application/json");
    header.accept("User-Agent", userAgent);
    header.accept("X-K8vent-Event", delivery.eventType());
    header.accept("X-K8vent-Delivery", delivery.deliveryId());
    if (delivery.signatures() != null) {
      header.accept("X-Atomist-Signature", delivery.signatures().sha1());
      header.accept("X-K8vent-Signature-256", delivery.signatures().sha256());
    }
  }
}
