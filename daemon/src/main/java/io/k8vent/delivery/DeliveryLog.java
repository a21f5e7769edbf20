package io.k8vent.delivery;

import io.k8vent.config.WebhookUrl;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Logs deliveries: successes at debug (with Atomist's correlation_id when the endpoint returns
 * one), retries at info, rejections and give-ups at warn. A failed TLS handshake is also a warning,
 * once per webhook until it answers again: it is a setting to fix (a private CA, a wrong name), not a
 * passing outage. URLs are always redacted.
 */
public final class DeliveryLog implements DeliveryObserver {
  private static final Logger LOG = LoggerFactory.getLogger("io.k8vent.delivery");

  /** Webhooks warned about a failed TLS handshake since they last answered. */
  private final Set<URI> tlsFailing = ConcurrentHashMap.newKeySet();

  @Override
  public void delivered(URI url, Delivery d, SendResult r, int attempts) {
    tlsFailing.remove(url);
    if (LOG.isDebugEnabled()) {
      withContext(url, d, () -> LOG.debug("delivered {} {} to {}: HTTP {}{}", d.eventType(), d.podName(),
          WebhookUrl.redact(url), r.status(), r.correlationId() == null ? "" : ", correlation_id " + r.correlationId()));
    }
  }

  @Override
  public void retrying(URI url, Delivery d, SendResult r, int attempts, Duration delay) {
    warnTls(url, r);
    withContext(url, d, () -> LOG.info("delivery of {} {} to {} failed ({}), attempt {}; {}", d.eventType(), d.podName(),
        WebhookUrl.redact(url), r.describe(), attempts,
        delay == null ? "held until the webhook answers again" : "retrying in " + delay.toMillis() + " ms"));
  }

  @Override
  public void rejected(URI url, Delivery d, SendResult r) {
    if (!r.refused()) {
      tlsFailing.remove(url);
    }
    withContext(url, d, () -> LOG.warn("webhook {} rejected {} {} with {}; not retrying a permanent failure",
        WebhookUrl.redact(url), d.eventType(), d.podName(), r.describe()));
  }

  @Override
  public void gaveUp(URI url, Delivery d, SendResult r, int attempts) {
    // Given up, the episode ends (and the set never keeps URLs whose queues are gone).
    tlsFailing.remove(url);
    withContext(url, d, () -> LOG.warn("gave up delivering {} {} to {} after {} attempts; last error: {}",
        d.eventType(), d.podName(), WebhookUrl.redact(url), attempts, r.describe()));
  }

  @Override
  public void circuitOpened(URI url, SendResult cause, int pending, Duration nextProbe) {
    LOG.warn("webhook {} is down ({}); holding {} pod state(s) and probing it with one of them in {} ms, "
        + "then less and less often (at most every --retry-max-delay)", WebhookUrl.redact(url), cause.describe(), pending,
        nextProbe.toMillis());
  }

  @Override
  public void circuitClosed(URI url, int pending) {
    tlsFailing.remove(url);
    LOG.info("webhook {} answers again; sending the {} pod state(s) held for it", WebhookUrl.redact(url), pending);
  }

  @Override
  public void dropped(URI url, int count) {
    tlsFailing.remove(url);
    LOG.warn("shutting down: {} pod state(s) for {} were not delivered", count, WebhookUrl.redact(url));
  }

  private void warnTls(URI url, SendResult r) {
    if (r.tlsFailure() && tlsFailing.add(url)) {
      LOG.warn("cannot send to webhook {}: {}; retrying (logged again only after it has answered)",
          WebhookUrl.redact(url), r.describe());
    }
  }

  private static void withContext(URI url, Delivery d, Runnable log) {
    try (MDC.MDCCloseable a = MDC.putCloseable("pod", d.podName());
        MDC.MDCCloseable b = MDC.putCloseable("url", WebhookUrl.redact(url));
        MDC.MDCCloseable c = MDC.putCloseable("event", d.eventType());
        MDC.MDCCloseable e = MDC.putCloseable("delivery", d.deliveryId())) {
      log.run();
    }
  }
}
