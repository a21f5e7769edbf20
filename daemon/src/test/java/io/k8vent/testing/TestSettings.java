package io.k8vent.testing;

import io.k8vent.config.Cidr;
import io.k8vent.Settings;
import io.k8vent.config.WebhookSafety;
import io.k8vent.delivery.RetryPolicy;
import io.k8vent.payload.EnvFilter;
import io.k8vent.route.AnnotationOptIns;
import io.k8vent.route.AnnotationPolicy;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/** Settings as the CLI would build them with defaults, with fast retries for tests. */
public final class TestSettings {
  private TestSettings() {}

  public static Settings forUrls(URI... urls) {
    return Settings.builder(List.of(urls)).retryPolicy(fastRetries()).connectTimeout(Duration.ofSeconds(2))
        .requestTimeout(Duration.ofSeconds(5)).shutdownTimeout(Duration.ofSeconds(5)).opsPort(0)
        .safety(allowing(WebhookSafety.defaults(), LOOPBACK)).build();
  }

  /** Webhook receivers in tests listen on loopback, which annotation webhooks may not reach by default. */
  public static final Cidr LOOPBACK = Cidr.parse("127.0.0.0/8", "--webhook-allow-cidr");

  /** The same limits with {@code range} re-admitted, as --webhook-allow-cidr does. */
  public static WebhookSafety allowing(WebhookSafety s, Cidr range) {
    List<Cidr> ranges = new java.util.ArrayList<>(s.allowCidrs());
    ranges.add(range);
    return new WebhookSafety(ranges, s.denyPrivate(), s.webhooksPerAnnotation(), s.annotationWebhooks(),
        s.requestsInFlight());
  }

  public static RetryPolicy fastRetries() {
    return new RetryPolicy(Duration.ofMillis(50), Duration.ofMillis(400), Duration.ofMinutes(1));
  }

  public static Settings withSecret(Settings s, String secret) {
    return s.toBuilder().secret(secret).build();
  }

  public static Settings withEnvFilter(Settings s, EnvFilter filter) {
    return s.toBuilder().envFilter(filter).build();
  }

  public static Settings withPolicy(Settings s, AnnotationPolicy policy) {
    return s.toBuilder().annotationPolicy(policy).build();
  }

  public static Settings withAnnotationOptIns(Settings s, AnnotationOptIns optIns) {
    return s.toBuilder().annotationOptIns(optIns).build();
  }

  public static Settings withSafety(Settings s, WebhookSafety safety) {
    return s.toBuilder().safety(safety)
        .annotationPolicy(new AnnotationPolicy(AnnotationPolicy.Mode.ALLOW, List.of(), safety.webhooksPerAnnotation()))
        .build();
  }

  /** The same settings watching only {@code namespace}, as tests sharing one API server need. */
  public static Settings inNamespace(Settings s, String namespace) {
    return s.toBuilder().namespaces(List.of(namespace)).build();
  }
}
