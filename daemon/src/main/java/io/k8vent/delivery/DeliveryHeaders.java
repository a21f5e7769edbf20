package io.k8vent.delivery;

import java.time.Clock;
import java.util.function.BiConsumer;

/**
 * The request headers of one delivery attempt, whichever transport sends it. The transport calls
 * {@link #each} once per attempt: a signed delivery gets a Standard Webhooks signature over that
 * attempt's own timestamp, so a retry is signed afresh while its ids stay the same.
 */
public final class DeliveryHeaders {
  private final String userAgent;
  private final Clock clock;

  public DeliveryHeaders(String userAgent) {
    this(userAgent, Clock.systemUTC());
  }

  /** With the clock that dates each attempt's {@code webhook-timestamp}. */
  public DeliveryHeaders(String userAgent, Clock clock) {
    this.userAgent = userAgent;
    this.clock = clock;
  }

  /** Hands each header of an attempt to send {@code delivery} to {@code header}. */
  public void each(Delivery delivery, BiConsumer<String, String> header) {
    header.accept("Content-Type", delivery.contentType());
    header.accept("User-Agent", userAgent);
    header.accept("X-K8vent-Event", delivery.eventType());
    header.accept("X-K8vent-Delivery", delivery.deliveryId());
    if (delivery.signatures() != null) {
      header.accept("X-Atomist-Signature", delivery.signatures().sha1());
      header.accept("X-K8vent-Signature-256", delivery.signatures().sha256());
      long timestamp = clock.instant().getEpochSecond();
      header.accept("webhook-id", delivery.deliveryId());
      header.accept("webhook-timestamp", Long.toString(timestamp));
      header.accept("webhook-signature",
          delivery.signatures().standardWebhooks(delivery.deliveryId(), timestamp, delivery.body()));
    }
    String[] more = delivery.headers();
    for (int i = 0; i < more.length; i += 2) {
      header.accept(more[i], more[i + 1]);
    }
  }
}
