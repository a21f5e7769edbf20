package io.k8vent.payload;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs payload bytes with the webhook secret: {@code sha1=<hex>} for X-Atomist-Signature (what
 * later k8vent releases and Atomist's endpoint check) and {@code sha256=<hex>} for
 * X-K8vent-Signature-256.
 */
public final class Signer {
  private final SecretKeySpec sha1Key;
  private final SecretKeySpec sha256Key;

  public Signer(String secret) {
    byte[] key = secret.getBytes(StandardCharsets.UTF_8);
    this.sha1Key = new SecretKeySpec(key, "HmacSHA1");
    this.sha256Key = new SecretKeySpec(key, "HmacSHA256");
  }

  public record Signatures(String sha1, String sha256) {}

  public Signatures sign(byte[] body) {
    return new Signatures("sha1=" + hmac(sha1Key, body), "sha256=" + hmac(sha256Key, body));
  }

  private static String hmac(SecretKeySpec key, byte[] body) {
    try {
      Mac mac = Mac.getInstance(key.getAlgorithm());
      mac.init(key);
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JVM lacks " + key.getAlgorithm(), e);
    }
  }
}
