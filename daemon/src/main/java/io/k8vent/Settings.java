package io.k8vent;

import io.k8vent.config.LeaderElectionSettings;
import io.k8vent.config.WebhookSafety;
import io.k8vent.config.WebhookUrl;
import io.k8vent.delivery.RetryPolicy;
import io.k8vent.payload.EnvFilter;
import io.k8vent.payload.WireFormat;
import io.k8vent.route.AnnotationOptIns;
import io.k8vent.route.AnnotationPolicy;
import io.k8vent.watch.Selection;
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
    WebhookSafety safety,
    Selection selection,
    WireFormat.Kind format) {

  /** Never prints the secret, should a record ever be logged. */
  @Override
  public String toString() {
    return "Settings[webhooks=" + webhooks.stream().map(WebhookUrl::redact).toList()
        + ", secret=" + (secret == null ? "none" : "set") + ", namespaces=" + namespaces + "]";
  }

  /** A builder holding these settings, to change some of them. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * A builder for settings that send to {@code webhooks} with the defaults of k8vent's flags (README's
   * flag table): unsigned, all namespaces, the usual way to the cluster, no leader election.
   */
  public static Builder builder(List<URI> webhooks) {
    return new Settings(webhooks, null, List.of(), null, null, EnvFilter.defaults(), AnnotationPolicy.allowAll(),
        RetryPolicy.defaults(), 8, Duration.ofSeconds(5), Duration.ofSeconds(10), null, Duration.ofSeconds(20), 8080,
        null, AnnotationOptIns.NONE, WebhookSafety.defaults(), Selection.DEFAULT, WireFormat.Kind.K8VENT).toBuilder();
  }

  /** Settings like others but for what is set on it. */
  public static final class Builder {
    private List<URI> webhooks;
    private String secret;
    private List<String> namespaces;
    private Path kubeconfig;
    private String context;
    private EnvFilter envFilter;
    private AnnotationPolicy annotationPolicy;
    private RetryPolicy retryPolicy;
    private int maxInFlight;
    private Duration connectTimeout;
    private Duration requestTimeout;
    private List<X509Certificate> webhookCas;
    private Duration shutdownTimeout;
    private int opsPort;
    private LeaderElectionSettings leaderElection;
    private AnnotationOptIns annotationOptIns;
    private WebhookSafety safety;
    private Selection selection;
    private WireFormat.Kind format;

    private Builder(Settings s) {
      webhooks = s.webhooks();
      secret = s.secret();
      namespaces = s.namespaces();
      kubeconfig = s.kubeconfig();
      context = s.context();
      envFilter = s.envFilter();
      annotationPolicy = s.annotationPolicy();
      retryPolicy = s.retryPolicy();
      maxInFlight = s.maxInFlight();
      connectTimeout = s.connectTimeout();
      requestTimeout = s.requestTimeout();
      webhookCas = s.webhookCas();
      shutdownTimeout = s.shutdownTimeout();
      opsPort = s.opsPort();
      leaderElection = s.leaderElection();
      annotationOptIns = s.annotationOptIns();
      safety = s.safety();
      selection = s.selection();
      format = s.format();
    }

    public Builder webhooks(List<URI> value) {
      webhooks = value;
      return this;
    }

    public Builder secret(String value) {
      secret = value;
      return this;
    }

    public Builder namespaces(List<String> value) {
      namespaces = value;
      return this;
    }

    public Builder kubeconfig(Path value) {
      kubeconfig = value;
      return this;
    }

    public Builder context(String value) {
      context = value;
      return this;
    }

    public Builder envFilter(EnvFilter value) {
      envFilter = value;
      return this;
    }

    public Builder annotationPolicy(AnnotationPolicy value) {
      annotationPolicy = value;
      return this;
    }

    public Builder retryPolicy(RetryPolicy value) {
      retryPolicy = value;
      return this;
    }

    public Builder maxInFlight(int value) {
      maxInFlight = value;
      return this;
    }

    public Builder connectTimeout(Duration value) {
      connectTimeout = value;
      return this;
    }

    public Builder requestTimeout(Duration value) {
      requestTimeout = value;
      return this;
    }

    public Builder webhookCas(List<X509Certificate> value) {
      webhookCas = value;
      return this;
    }

    public Builder shutdownTimeout(Duration value) {
      shutdownTimeout = value;
      return this;
    }

    public Builder opsPort(int value) {
      opsPort = value;
      return this;
    }

    public Builder leaderElection(LeaderElectionSettings value) {
      leaderElection = value;
      return this;
    }

    public Builder annotationOptIns(AnnotationOptIns value) {
      annotationOptIns = value;
      return this;
    }

    public Builder safety(WebhookSafety value) {
      safety = value;
      return this;
    }

    public Builder selection(Selection value) {
      selection = value;
      return this;
    }

    public Builder format(WireFormat.Kind value) {
      format = value;
      return this;
    }

    public Settings build() {
      return new Settings(webhooks, secret, namespaces, kubeconfig, context, envFilter, annotationPolicy,
          retryPolicy, maxInFlight, connectTimeout, requestTimeout, webhookCas, shutdownTimeout, opsPort,
          leaderElection, annotationOptIns, safety, selection, format);
    }
  }
}
