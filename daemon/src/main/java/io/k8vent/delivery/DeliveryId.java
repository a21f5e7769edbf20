package io.k8vent.delivery;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The X-K8vent-Delivery id of a pod state: 32 hex digits of SHA-256 over
 * {@code uid/resourceVersion/EVENT}. The same state gets the same id on every attempt, after a
 * restart and from every replica, so a receiver can drop replays by id.
 */
public final class DeliveryId {
  /** One digest per thread: looking one up and setting it up cost more than hashing a short id. */
  private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM lacks SHA-256", e);
    }
  });

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
