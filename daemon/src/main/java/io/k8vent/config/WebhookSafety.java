package io.k8vent.config;

import java.util.List;

/**
 * The limits that keep pod authors' webhooks (chosen by annotation) from exhausting or misusing
 * k8vent (README, Security model).
 *
 * @param allowCidrs address ranges annotation webhooks may reach although the guard refuses them
 * @param denyPrivate also refuse private (RFC 1918, shared, unique-local) addresses
 * @param webhooksPerAnnotation URLs used at most from one pod's annotation; the rest are ignored
 * @param annotationWebhooks distinct annotation URLs with a live queue at most; more are refused
 * @param requestsInFlight webhook requests in flight at most, over all URLs
 */
public record WebhookSafety(List<Cidr> allowCidrs, boolean denyPrivate, int webhooksPerAnnotation,
    int annotationWebhooks, int requestsInFlight) {
  public static final int DEFAULT_WEBHOOKS_PER_ANNOTATION = 10;
  public static final int DEFAULT_ANNOTATION_WEBHOOKS = 1000;
  public static final int DEFAULT_REQUESTS_IN_FLIGHT = 256;

  public WebhookSafety {
    allowCidrs = List.copyOf(allowCidrs);
  }

  public static WebhookSafety defaults() {
    return new WebhookSafety(List.of(), false, DEFAULT_WEBHOOKS_PER_ANNOTATION, DEFAULT_ANNOTATION_WEBHOOKS,
        DEFAULT_REQUESTS_IN_FLIGHT);
  }
}
