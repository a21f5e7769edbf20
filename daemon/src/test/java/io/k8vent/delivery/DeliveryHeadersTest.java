package io.k8vent.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.k8vent.payload.Signer;
import io.k8vent.testing.Hmac;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeliveryHeadersTest {
  private static final byte[] BODY = "{\"pod\":{},\"env\":{}}".getBytes(StandardCharsets.UTF_8);

  /** A clock the test moves by hand. */
  private static final class Hands extends Clock {
    private Instant now = Instant.ofEpochSecond(1_700_000_000L);

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private static Map<String, String> attempt(DeliveryHeaders headers, Delivery delivery) {
    Map<String, String> sent = new LinkedHashMap<>();
    headers.each(delivery, sent::put);
    return sent;
  }

  private static Delivery delivery(Signer.Signatures signatures) {
    return new Delivery("uid-1", "ns/web", "MODIFIED", "42", BODY, signatures, DeliveryId.of("uid-1", "42", "MODIFIED"),
        System.nanoTime());
  }

  @Test
  void eachAttemptIsSignedWithItsOwnTimestamp() {
    Hands clock = new Hands();
    DeliveryHeaders headers = new DeliveryHeaders("k8vent/test", clock);
    Delivery delivery = delivery(new Signer("s3cret").sign(BODY));

    Map<String, String> first = attempt(headers, delivery);
    clock.now = clock.now.plusSeconds(30);
    Map<String, String> retry = attempt(headers, delivery);

    assertThat(first.get("webhook-timestamp")).isEqualTo("1700000000");
    assertThat(retry.get("webhook-timestamp")).isEqualTo("1700000030");
    for (Map<String, String> sent : java.util.List.of(first, retry)) {
      assertThat(sent.get("webhook-id")).isEqualTo(sent.get("X-K8vent-Delivery")).isEqualTo(delivery.deliveryId());
      assertThat(sent.get("webhook-signature"))
          .isEqualTo(Hmac.standardWebhooks("s3cret", sent.get("webhook-id"), sent.get("webhook-timestamp"), BODY));
      assertThat(sent.get("X-Atomist-Signature")).isEqualTo(Hmac.sha1("s3cret", BODY));
      assertThat(sent.get("X-K8vent-Signature-256")).isEqualTo(Hmac.sha256("s3cret", BODY));
    }
  }

  @Test
  void aWhsecSecretKeysTheStandardSignatureWithItsDecodedBytesAndTheBodyHmacsWithTheWholeSecret() {
    String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    Map<String, String> sent = attempt(new DeliveryHeaders("k8vent/test", new Hands()),
        delivery(new Signer(secret).sign(BODY)));

    assertThat(sent.get("webhook-signature"))
        .isEqualTo(Hmac.standardWebhooks(secret, sent.get("webhook-id"), sent.get("webhook-timestamp"), BODY));
    assertThat(sent.get("X-K8vent-Signature-256")).isEqualTo(Hmac.sha256(secret, BODY));
  }

  @Test
  void theStandardWebhooksExampleSignatureIsReproduced() {
    String signature = new Signer("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").standardWebhooks(
        "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330L, "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8));

    assertThat(signature).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  }

  @Test
  void anUnsignedDeliveryCarriesNoSignatureHeaders() {
    Map<String, String> sent = attempt(new DeliveryHeaders("k8vent/test"), delivery(null));

    assertThat(sent).containsOnlyKeys("Content-Type", "User-Agent", "X-K8vent-Event", "X-K8vent-Delivery");
  }
}
