package io.k8vent.testing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
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

  private static String hex(String algorithm, String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance(algorithm);
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), algorithm));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
