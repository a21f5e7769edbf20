package io.k8vent.delivery;

import io.k8vent.payload.PerThread;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The X-K8vent-Delivery id of a pod state: 32 hex digits of SHA-256 over
 * {@code uid/resourceVersion/EVENT}. The same state gets the same id on every attempt, after a
 * restart and from every replica, so a receiver can drop replays by id.
 */
public final class DeliveryId {
  private static final ThreadLocal<MessageDigest> SHA_256 =
      PerThread.of("SHA-256", () -> MessageDigest.getInstance("SHA-256"));

  private DeliveryId() {}

  /**
   * @param podKey the pod's uid (namespace/name when the API server sent none)
   * @param resourceVersion the pod's resourceVersion, or null
   * @param eventType ADDED, MODIFIED or DELETED
   */
  public static String of(String podKey, String resourceVersion, String eventType) {
    String state = podKey + "/" + (resourceVersion == null ? "" : resourceVersion) + "/" + eventType;
    byte[] digest = SHA_256.get().digest(state.getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(digest, 0, 16);
  }
}
