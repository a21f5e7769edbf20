package io.k8vent.payload;

import io.k8vent.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs payload bytes with the webhook secret: {@code sha1=<hex>} for X-Atomist-Signature (what
 * later k8vent releases and Atomist's endpoint check), {@code sha256=<hex>} for
 * X-K8vent-Signature-256, both keyed with the secret's UTF-8 bytes, and the Standard Webhooks
 * {@code v1,<base64>} signature of {@code id.timestamp.body}. The Standard Webhooks key is the
 * base64-decoded rest of a secret that starts with {@code whsec_} (as Standard Webhooks libraries
 * read it), else the secret's UTF-8 bytes.
 */
public final class Signer {
  public static final String STANDARD_WEBHOOKS_PREFIX = "whsec_";

  /** One Mac per key and thread, reused: doFinal leaves it ready for the next body. */
  private final ThreadLocal<Mac> sha1;
  private final ThreadLocal<Mac> sha256;
  private final ThreadLocal<Mac> standard;

  /** A {@code whsec_} secret whose rest is not base64 is a {@link ConfigException}. */
  public Signer(String secret) {
    byte[] key = secret.getBytes(StandardCharsets.UTF_8);
    this.sha1 = perThread(new SecretKeySpec(key, "HmacSHA1"));
    this.sha256 = perThread(new SecretKeySpec(key, "HmacSHA256"));
    this.standard = perThread(new SecretKeySpec(standardWebhooksKey(secret), "HmacSHA256"));
  }

  /** Throws the {@link ConfigException} the constructor would, so a bad secret stops start-up. */
  public static void checkSecret(String secret) {
    standardWebhooksKey(secret);
  }

  private static byte[] standardWebhooksKey(String secret) {
    if (!secret.startsWith(STANDARD_WEBHOOKS_PREFIX)) {
      return secret.getBytes(StandardCharsets.UTF_8);
    }
    try {
      byte[] key = Base64.getDecoder().decode(secret.substring(STANDARD_WEBHOOKS_PREFIX.length()));
      if (key.length > 0) {
        return key;
      }
    } catch (IllegalArgumentException notBase64) {
      // reported below, without the secret
    }
    throw new ConfigException("the webhook secret starts with " + STANDARD_WEBHOOKS_PREFIX
        + " but the rest is not a non-empty base64 key");
  }

  /**
   * The body's HMACs, computed once per pod state and shared by its webhooks and attempts; they
   * keep the signer for the Standard Webhooks signature, which covers each attempt's timestamp.
   */
  public final class Signatures {
    private final String sha1;
    private final String sha256;

    private Signatures(String sha1, String sha256) {
      this.sha1 = sha1;
      this.sha256 = sha256;
    }

    /** {@code sha1=<hex>} of the body. */
    public String sha1() {
      return sha1;
    }

    /** {@code sha256=<hex>} of the body. */
    public String sha256() {
      return sha256;
    }

    /** {@code v1,<base64 HMAC-SHA256 of "id.timestamp.body">}, the webhook-signature header. */
    public String standardWebhooks(String id, long timestamp, byte[] body) {
      return Signer.this.standardWebhooks(id, timestamp, body);
    }
  }

  public Signatures sign(byte[] body) {
    HexFormat hex = HexFormat.of();
    return new Signatures("sha1=" + hex.formatHex(sha1.get().doFinal(body)),
        "sha256=" + hex.formatHex(sha256.get().doFinal(body)));
  }

  /** {@code v1,<base64 HMAC-SHA256 of "id.timestamp.body">}, the webhook-signature header. */
  public String standardWebhooks(String id, long timestamp, byte[] body) {
    Mac mac = standard.get();
    mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
    return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
  }

  private static ThreadLocal<Mac> perThread(SecretKeySpec key) {
    return PerThread.of(key.getAlgorithm(), () -> {
      Mac mac = Mac.getInstance(key.getAlgorithm());
      mac.init(key);
      return mac;
    });
  }
}
