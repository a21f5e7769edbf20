package io.k8vent.delivery;

import io.k8vent.payload.Signer;

/**
 * One pod state bound for one webhook. {@code podKey} identifies the pod (its uid) for ordering
 * and coalescing; {@code podName} is namespace/name for logs. {@code receivedNanos} is when the
 * watch event arrived, for the end-to-end latency. {@code signatures} are the body's HMACs, null
 * when this delivery goes unsigned (no secret, or a webhook a pod chose without the operator's
 * opt-in); {@link DeliveryHeaders} adds the per-attempt Standard Webhooks signature from them.
 * {@code deliveryId} is the {@link DeliveryId} of the pod state.
 */
public record Delivery(
    String podKey,
    String podName,
    String eventType,
    String resourceVersion,
    byte[] body,
    Signer.Signatures signatures,
    String deliveryId,
    long receivedNanos) {

  /** The same delivery with another body (the same bytes, held another way). */
  public Delivery withBody(byte[] other) {
    return new Delivery(podKey, podName, eventType, resourceVersion, other, signatures, deliveryId, receivedNanos);
  }
}
