package io.k8vent.testing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The signatures tests expect, computed with the JDK directly rather than with k8vent's Signer. */
public final class Hmac {
  private Hmac() {}

  /** {@code sha1=<hex>}, as X-Atomist-Signature carries it. */
  public static String sha1(String secret, byte[] body) {
    return "sha1=" + hex("HmacSHA1", secret, body);
  }

  /** {@code sha256=<hex>}, as X-K8vent-Signature-256 carries it. */
  public static String sha256(String secret, byte[] body) {
    return "sha256=" + hex("HmacSHA256", secret, body);
  }

  /**
   * {@code v1,<base64>}, as webhook-signature carries it: HMAC-SHA256 of {@code id.timestamp.body}
   * keyed with the base64 after {@code whsec_}, else with the secret's bytes.
   */
  public static String standardWebhooks(String secret, String id, String timestamp, byte[] body) {
    byte[] key = secret.startsWith("whsec_")
        ? Base64.getDecoder().decode(secret.substring("whsec_".length()))
        : secret.getBytes(StandardCharsets.UTF_8);
    byte[] prefix = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
    byte[] signed = new byte[prefix.length + body.length];
    System.arraycopy(prefix, 0, signed, 0, prefix.length);
    System.arraycopy(body, 0, signed, prefix.length, body.length);
    return "v1," + Base64.getEncoder().encodeToString(mac("HmacSHA256", key, signed));
  }

  /** The X-K8vent-Delivery id the contract derives from a pod state. */
  public static String deliveryId(String uid, String resourceVersion, String eventType) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest((uid + "/" + resourceVersion + "/" + eventType).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, 32);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(String algorithm, String secret, byte[] body) {
    return HexFormat.of().formatHex(mac(algorithm, secret.getBytes(StandardCharsets.UTF_8), body));
  }

  private static byte[] mac(String algorithm, byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance(algorithm);
      mac.init(new SecretKeySpec(key, algorithm));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
