package io.k8vent.config;

import io.k8vent.delivery.RetryPolicy;
import io.k8vent.payload.EnvFilter;
import io.k8vent.route.AnnotationOptIns;
import io.k8vent.route.AnnotationPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/** Everything the daemon needs to run, validated. */
public record Settings(
    List<URI> webhooks,
    String secret,
    List<String> namespaces,
    Path kubeconfig,
    String context,
    EnvFilter envFilter,
    AnnotationPolicy annotationPolicy,
    RetryPolicy retryPolicy,
    int maxInFlight,
    Duration connectTimeout,
    Duration requestTimeout,
    List<X509Certificate> webhookCas,
    Duration shutdownTimeout,
    int opsPort,
    LeaderElectionSettings leaderElection,
    AnnotationOptIns annotationOptIns,
    WebhookSafety safety) {

  /** Never prints the secret, should a record ever be logged. */
  @Override
  public String toString() {
    return "Settings[webhooks=" + webhooks.stream().map(WebhookUrl::redact).toList()
        + ", secret=" + (secret == null ? "none" : "set") + ", namespaces=" + namespaces + "]";
  }
}
