package io.k8vent.delivery;

import io.k8vent.payload.Signer;

/**
 * One pod state bound for one webhook. {@code podKey} identifies the pod (its uid) for ordering
 * and coalescing; {@code podName} is namespace/name for logs. {@code receivedNanos} is when the
 * watch event arrived, for the end-to-end latency. {@code signatures} are the body's HMACs, null
 * when this delivery goes unsigned (no secret, or a webhook a pod chose without the operator's
 * opt-in); {@link DeliveryHeaders} adds the per-attempt Standard Webhooks signature from them.
 * {@code deliveryId} is the {@link DeliveryId} of the pod state. {@code contentType} is the body's
 * and {@code headers} are sent after k8vent's own (name, value, ...), e.g. CloudEvents attributes.
 */
public record Delivery(
    String podKey,
    String podName,
    String eventType,
    String resourceVersion,
    byte[] body,
    Signer.Signatures signatures,
    String deliveryId,
    long receivedNanos,
    String contentType,
    String[] headers) {

  private static final String[] NO_HEADERS = new String[0];

  /** A plain JSON delivery with no further headers. */
  public Delivery(String podKey, String podName, String eventType, String resourceVersion, byte[] body,
      Signer.Signatures signatures, String deliveryId, long receivedNanos) {
    this(podKey, podName, eventType, resourceVersion, body, signatures, deliveryId, receivedNanos,
        "application/json", NO_HEADERS);
  }

  /** The same delivery with another body (the same bytes, held another way). */
  public Delivery withBody(byte[] other) {
    return new Delivery(podKey, podName, eventType, resourceVersion, other, signatures, deliveryId, receivedNanos,
        contentType, headers);
  }
}
