package io.k8vent.delivery;

import io.k8vent.payload.Signer;

/**
 * One pod state bound for one webhook. {@code podKey} identifies the pod (its uid) for ordering
 * and coalescing; {@code podName} is namespace/name for logs. {@code receivedNanos} is when the
 * watch event arrived, for the end-to-end latency.
 */
public record Delivery(
    String podKey,
    String podName,
    String eventType,
    String resourceVersion,
    byte[] body,
    Signer.Signatures signatures,
    String deliveryId,
    long receivedNanos) {}
