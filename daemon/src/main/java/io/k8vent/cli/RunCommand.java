package io.k8vent.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.k8vent.Daemon;
import io.k8vent.DaemonRunner;
import io.k8vent.config.LeaderElectionSettings;
import io.k8vent.ops.Metrics;
import io.k8vent.ops.OpsServer;
import io.k8vent.config.CaBundle;
import io.k8vent.config.Cidr;
import io.k8vent.config.ConfigException;
import io.k8vent.config.Durations;
import io.k8vent.Settings;
import io.k8vent.config.WebhookAllowPattern;
import io.k8vent.config.WebhookSafety;
import io.k8vent.config.WebhookUrl;
import io.k8vent.delivery.RetryPolicy;
import io.k8vent.logging.LogSetup;
import io.k8vent.net.Destinations;
import io.k8vent.net.VertxRuntime;
import io.k8vent.payload.EnvFilter;
import io.k8vent.payload.Signer;
import io.k8vent.route.AnnotationOptIns;
import io.k8vent.route.AnnotationPolicy;
import io.k8vent.watch.FieldSelector;
import io.k8vent.watch.KubeClients;
import io.k8vent.watch.LabelSelector;
import io.k8vent.watch.PodEvent;
import io.k8vent.watch.Selection;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "k8vent", mixinStandardHelpOptions = true, sortOptions = false,
    versionProvider = VersionCommand.Lines.class,
    description = {
        "Watches every pod in a Kubernetes cluster and POSTs each change as JSON to webhooks.",
        "Every option can also be set by the environment variable shown; the option wins."},
    footer = {"", "ATOMIST_ENVIRONMENT tags every payload's env (a pod's annotation may override it).",
        "k8vent COMMAND --help shows a command's options; k8vent help COMMAND does too."})
final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);
  /** Host names that reach this machine, where k8vent's own ops endpoint listens. */
  private static final Set<String> LOCAL_HOSTS = Set.of("localhost", "127.0.0.1", "[::1]", "0.0.0.0");

  /** Each request in flight holds a connection; more than this per URL is a typo. */
  static final int MAX_IN_FLIGHT = 256;
  /** With less, the renew deadline (2/3) and retry period (1/7) leave no room for an API call. */
  static final Duration MIN_LEASE = Duration.ofSeconds(3);

  private final Env env;

  RunCommand(Env env) {
    this.env = env;
  }

  @Option(names = {"-u", "--url"}, paramLabel = "URL",
      description = "Webhook URL; repeat for several. Required, here or in the environment: the flags replace the "
          + "variable's list, never merge with it. Default: none. Env: K8VENT_WEBHOOKS (comma-separated).")
  List<String> urls;

  @Option(names = "--secret", paramLabel = "SECRET",
      description = "Sign each body with HMAC (X-Atomist-Signature sha1, X-K8vent-Signature-256) and Standard Webhooks "
          + "(webhook-signature; a whsec_ secret is base64 after the prefix). Annotation webhooks stay unsigned "
          + "unless --sign-annotation-webhooks. Must not be empty: to send unsigned, leave it unset. "
          + "Default: none (unsigned). Env: K8VENT_WEBHOOK_SECRET (preferred: flags show in process lists).")
  String secret;

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS",
      description = "Watch only this namespace; repeat for several. Default: all. Env: K8VENT_NAMESPACE (comma-separated).")
  List<String> namespaces;

  @Option(names = "--kubeconfig", paramLabel = "FILE",
      description = "Kubeconfig to use. Default: in-cluster service account, else $KUBECONFIG, else ~/.kube/config. "
          + "Env: KUBECONFIG.")
  Path kubeconfig;

  @Option(names = "--context", paramLabel = "NAME", description = "Kubeconfig context. Default: the current context. Env: K8VENT_CONTEXT.")
  String context;

  @Option(names = "--managed-fields", paramLabel = "drop|keep",
      description = "Whether pods are sent with metadata.managedFields, which kubectl get -o json hides. "
          + "Default: drop. Env: K8VENT_MANAGED_FIELDS.")
  String managedFields;

  @Option(names = "--label-selector", paramLabel = "SELECTOR",
      description = "Watch only pods whose labels match, as kubectl -l takes it (e.g. app=web,tier!=cache or "
          + "'env in (prod,staging)'); the API server filters. A pod that stops matching is sent as DELETED with "
          + "X-K8vent-Deletion: left-selection. Default: every pod. Env: K8VENT_LABEL_SELECTOR.")
  String labelSelector;

  @Option(names = "--field-selector", paramLabel = "SELECTOR",
      description = "Watch only pods whose fields match, as kubectl --field-selector takes it (e.g. "
          + "spec.nodeName=node-1,status.phase!=Succeeded); the API server filters. Default: every pod. "
          + "Env: K8VENT_FIELD_SELECTOR.")
  String fieldSelector;

  @Option(names = "--events", paramLabel = "TYPES", split = ",",
      description = "Which pod events to send, comma-separated: ADDED, MODIFIED, DELETED. Default: all three. "
          + "Env: K8VENT_EVENTS.")
  List<String> events;

  @Option(names = "--changes", paramLabel = "visible|all",
      description = "visible: skip a MODIFIED that changes nothing kubectl get -o json shows (only resourceVersion "
          + "or managedFields moved); all: send every MODIFIED. Default: visible. Env: K8VENT_CHANGES.")
  String changes;

  @Mixin
  FormatOptions format = new FormatOptions();

  @Option(names = "--env-include", paramLabel = "PATTERN",
      description = "Send only environment variables matching this glob (* = anything, case-insensitive); "
          + "repeatable. K8VENT_*, Kubernetes service variables, secret-looking names and URLs with credentials "
          + "are never sent. Default: all the others. Env: K8VENT_ENV_INCLUDE (comma-separated).")
  List<String> envIncludes;

  @Option(names = "--env-exclude", paramLabel = "PATTERN",
      description = "Do not send environment variables matching this glob; repeatable. Default: none beyond "
          + "those never sent. Env: K8VENT_ENV_EXCLUDE (comma-separated).")
  List<String> envExcludes;

  @Option(names = "--annotation-env", paramLabel = "minimal|full",
      description = "What env webhooks chosen by a pod's annotation receive: minimal = only ATOMIST_ENVIRONMENT, "
          + "full = the same filtered env as the global webhooks. Default: minimal. Env: K8VENT_ANNOTATION_ENV.")
  String annotationEnv;

  @Option(names = "--sign-annotation-webhooks", paramLabel = "true|false", arity = "0..1", fallbackValue = "true",
      description = "Also sign bodies sent to webhooks chosen by a pod's annotation with the secret (lets pod "
          + "authors obtain bodies signed with it). Default: false. Env: K8VENT_SIGN_ANNOTATION_WEBHOOKS.")
  String signAnnotationWebhooks;

  @Option(names = "--annotation-webhooks", paramLabel = "allow|deny",
      description = "Whether pods may choose their webhooks with the atomist.com/k8vent annotation. "
          + "Default: allow. Env: K8VENT_ANNOTATION_WEBHOOKS.")
  String annotationWebhooks;

  @Option(names = "--webhook-allow", paramLabel = "PATTERN",
      description = "Allow annotation webhooks only under these URLs (e.g. https://*.example.com/hooks/); "
          + "repeatable. Default: any URL. Env: K8VENT_WEBHOOK_ALLOW (comma-separated).")
  List<String> webhookAllow;

  @Option(names = "--webhook-allow-cidr", paramLabel = "CIDR",
      description = "Let annotation webhooks reach this address range although it is refused by default "
          + "(loopback, link-local, metadata, ...; e.g. 127.0.0.0/8 for tests); repeatable. The API server and k8vent's own addresses stay refused. "
          + "Default: none. Env: K8VENT_WEBHOOK_ALLOW_CIDR (comma-separated).")
  List<String> webhookAllowCidr;

  @Option(names = "--webhook-deny-private", paramLabel = "true|false", arity = "0..1", fallbackValue = "true",
      description = "Also refuse private addresses (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) for annotation "
          + "webhooks. Default: false. Env: K8VENT_WEBHOOK_DENY_PRIVATE.")
  String webhookDenyPrivate;

  @Option(names = "--max-webhooks-per-annotation", paramLabel = "N",
      description = "Webhook URLs used at most from one pod's annotation; the rest are ignored with a warning. "
          + "Default: 10. Env: K8VENT_MAX_WEBHOOKS_PER_ANNOTATION.")
  String maxWebhooksPerAnnotation;

  @Option(names = "--max-annotation-webhooks", paramLabel = "N",
      description = "Distinct annotation webhook URLs with deliveries under way at most; more are refused with a "
          + "warning. Default: 1000. Env: K8VENT_MAX_ANNOTATION_WEBHOOKS.")
  String maxAnnotationWebhooks;

  @Option(names = "--max-requests-in-flight", paramLabel = "N",
      description = "Webhook requests in flight at most over all URLs; --max-in-flight for each --url webhook (up to "
          + "half) is room annotation webhooks never take. Default: 256. Env: K8VENT_MAX_REQUESTS_IN_FLIGHT.")
  String maxRequestsInFlight;

  @Option(names = "--max-in-flight", paramLabel = "N",
      description = "Concurrent requests per webhook URL, 1 to " + MAX_IN_FLIGHT + ". Default: 8. Env: K8VENT_MAX_IN_FLIGHT.")
  String maxInFlight;

  @Option(names = "--retry-initial-delay", paramLabel = "DURATION",
      description = "First retry delay; doubles per failure, with jitter; at most --retry-max-delay. Default: 500ms. "
          + "Env: K8VENT_RETRY_INITIAL_DELAY.")
  String retryInitial;

  @Option(names = "--retry-max-delay", paramLabel = "DURATION",
      description = "Longest delay between retries (also caps Retry-After). Default: 60s. Env: K8VENT_RETRY_MAX_DELAY.")
  String retryMax;

  @Option(names = "--retry-give-up-after", paramLabel = "DURATION",
      description = "Abandon a pod state this long after its first attempt. Default: 15m. Env: K8VENT_RETRY_GIVE_UP_AFTER.")
  String retryGiveUp;

  @Option(names = "--connect-timeout", paramLabel = "DURATION",
      description = "Webhook connect timeout. Default: 5s. Env: K8VENT_CONNECT_TIMEOUT.")
  String connectTimeout;

  @Option(names = "--request-timeout", paramLabel = "DURATION",
      description = "Webhook request timeout. Default: 10s. Env: K8VENT_REQUEST_TIMEOUT.")
  String requestTimeout;

  @Option(names = "--webhook-ca-file", paramLabel = "PEM",
      description = "Also trust the CA certificates in this PEM file for HTTPS webhooks. Default: the JVM's trusted CAs only. "
          + "Env: K8VENT_WEBHOOK_CA_FILE.")
  Path webhookCaFile;

  @Option(names = "--shutdown-timeout", paramLabel = "DURATION",
      description = "On SIGTERM, keep delivering queued changes this long. Default: 20s. Env: K8VENT_SHUTDOWN_TIMEOUT.")
  String shutdownTimeout;

  @Option(names = "--log-format", paramLabel = "text|json",
      description = "Log format. Default: text (json in the container image). Env: K8VENT_LOG_FORMAT.")
  String logFormat;

  @Option(names = "--log-level", paramLabel = "LEVEL",
      description = "error, warn, info, debug or trace. Default: info. Env: K8VENT_LOG_LEVEL.")
  String logLevel;

  @Option(names = "--ops-port", paramLabel = "PORT",
      description = "Port of /healthz, /readyz and /metrics; 0 turns them off. Default: 8080. Env: K8VENT_OPS_PORT.")
  String opsPort;

  @Option(names = "--ops-bind", paramLabel = "ADDRESS",
      description = "Address /healthz, /readyz and /metrics listen on; 127.0.0.1 keeps them local to the pod "
          + "(kubelet probes come to the pod IP). Default: 0.0.0.0 (all addresses). Env: K8VENT_OPS_BIND.")
  String opsBind;

  @Option(names = "--leader-elect", paramLabel = "true|false", arity = "0..1", fallbackValue = "true",
      description = "Run several replicas with one active, chosen with a Kubernetes Lease. Default: false. "
          + "Env: K8VENT_LEADER_ELECT.")
  String leaderElect;

  @Option(names = "--leader-elect-namespace", paramLabel = "NS",
      description = "Namespace of the Lease. Default: k8vent's own namespace (in a pod), else default. "
          + "Env: K8VENT_LEADER_ELECT_NAMESPACE.")
  String leaderElectNamespace;

  @Option(names = "--leader-elect-lease-name", paramLabel = "NAME",
      description = "Name of the Lease. Default: k8vent. Env: K8VENT_LEADER_ELECT_LEASE_NAME.")
  String leaderElectLeaseName;

  @Option(names = "--leader-elect-lease-duration", paramLabel = "DURATION",
      description = "How long a Lease lasts without renewal, at least 3s; a standby takes over within it. Default: 15s. "
          + "Env: K8VENT_LEADER_ELECT_LEASE_DURATION.")
  String leaderElectLeaseDuration;

  @Override
  public Integer call() throws Exception {
    LogSetup.configure(env.flagOrVariable(logFormat, "K8VENT_LOG_FORMAT", "text"),
        env.source(logFormat, "--log-format", "K8VENT_LOG_FORMAT"),
        env.flagOrVariable(logLevel, "K8VENT_LOG_LEVEL", "info"),
        env.source(logLevel, "--log-level", "K8VENT_LOG_LEVEL"));
    Settings settings = settings();
    boolean keepManagedFields = keepManagedFields();
    InetAddress opsAddress = opsAddress();
    Metrics metrics = new Metrics(settings.webhooks());
    // The ops endpoint listens before the cluster is reached, so a port or address it cannot have
    // stops the start at once; until the daemon runs it answers alive but not ready.
    AtomicReference<DaemonRunner> started = new AtomicReference<>();
    metrics.state(() -> started.get() != null && started.get().readinessProblem() == null,
        () -> started.get() != null && started.get().leading(),
        () -> started.get() == null ? 0 : started.get().pods());
    OpsServer ops = settings.opsPort() == 0 ? null
        : new OpsServer(opsAddress, settings.opsPort(),
            () -> started.get() == null ? null : started.get().healthProblem(),
            () -> started.get() == null ? "connecting to the Kubernetes API server" : started.get().readinessProblem(),
            metrics);
    Vertx vertx = VertxRuntime.create();
    KubernetesClient client;
    try {
      client = KubeClients.connect(kubeconfig, env.flagOrVariable(context, "K8VENT_CONTEXT"), env.all(), vertx,
          keepManagedFields);
    } catch (RuntimeException e) {
      vertx.close();
      if (ops != null) {
        ops.close();
      }
      throw e;
    }
    DaemonRunner runner = new DaemonRunner(
        () -> new Daemon(settings, client, vertx, env.all(), metrics, metrics), client,
        settings.leaderElection());
    started.set(runner);
    CountDownLatch stopped = new CountDownLatch(1);
    Signals.onTermination(() -> {
      LOG.info("stopping: no new pod changes; delivering what is queued for up to {} (a second signal exits at once)",
          Durations.format(settings.shutdownTimeout()));
      try {
        runner.stop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        if (ops != null) {
          ops.close();
        }
        client.close();
        vertx.close();
        stopped.countDown();
      }
    });
    runner.start();
    stopped.await();
    return 0;
  }

  /** Whether --log-format (or K8VENT_LOG_FORMAT) asks for JSON, so that a fatal start-up error is a JSON line too. */
  boolean jsonLogs() {
    return "json".equalsIgnoreCase(env.flagOrVariable(logFormat, "K8VENT_LOG_FORMAT"));
  }

  Settings settings() {
    List<String> rawUrls = env.listOr(urls, "K8VENT_WEBHOOKS");
    String source = env.source(urls, "--url", "K8VENT_WEBHOOKS");
    if (rawUrls.isEmpty()) {
      throw new ConfigException("no webhook URLs: give one or more with --url URL, or set K8VENT_WEBHOOKS "
          + "to a comma-separated list, e.g. K8VENT_WEBHOOKS=https://webhook.atomist.com/atomist/kube/teams/TEAM_ID");
    }
    int ops = OptionValues.port(env.flagOrVariable(opsPort, "K8VENT_OPS_PORT", "8080"),
        env.source(opsPort, "--ops-port", "K8VENT_OPS_PORT"), "to turn it off");
    List<URI> webhooks = new ArrayList<>();
    for (String raw : rawUrls) {
      URI url = WebhookUrl.parse(raw, source);
      if (ops != 0 && Destinations.port(url) == ops && LOCAL_HOSTS.contains(url.getHost().toLowerCase(Locale.ROOT))) {
        throw new ConfigException("webhook URL " + WebhookUrl.redact(url) + " in " + source + " is k8vent's own ops "
            + "endpoint (--ops-port " + ops + "); give the webhook's own port, or move the ops endpoint with --ops-port");
      }
      if (!webhooks.contains(url)) {
        webhooks.add(url);
      }
    }
    List<String> nsList = env.listOr(namespaces, "K8VENT_NAMESPACE").stream().filter(s -> !s.isEmpty()).toList();
    AnnotationPolicy.Mode policyMode = choice(annotationWebhooks, "K8VENT_ANNOTATION_WEBHOOKS", "--annotation-webhooks",
        "allow", "allow", "deny").equals("allow") ? AnnotationPolicy.Mode.ALLOW : AnnotationPolicy.Mode.DENY;
    String allowSource = env.source(webhookAllow, "--webhook-allow", "K8VENT_WEBHOOK_ALLOW");
    List<WebhookAllowPattern> patterns = env.listOr(webhookAllow, "K8VENT_WEBHOOK_ALLOW").stream()
        .map(p -> WebhookAllowPattern.parse(p, allowSource)).toList();
    WebhookSafety safety = new WebhookSafety(
        nonEmpty(env.listOr(webhookAllowCidr, "K8VENT_WEBHOOK_ALLOW_CIDR")).stream()
            .map(c -> Cidr.parse(c, env.source(webhookAllowCidr, "--webhook-allow-cidr", "K8VENT_WEBHOOK_ALLOW_CIDR")))
            .toList(),
        bool(webhookDenyPrivate, "K8VENT_WEBHOOK_DENY_PRIVATE", "--webhook-deny-private"),
        count(maxWebhooksPerAnnotation, "K8VENT_MAX_WEBHOOKS_PER_ANNOTATION", WebhookSafety.DEFAULT_WEBHOOKS_PER_ANNOTATION,
            "--max-webhooks-per-annotation"),
        count(maxAnnotationWebhooks, "K8VENT_MAX_ANNOTATION_WEBHOOKS", WebhookSafety.DEFAULT_ANNOTATION_WEBHOOKS,
            "--max-annotation-webhooks"),
        count(maxRequestsInFlight, "K8VENT_MAX_REQUESTS_IN_FLIGHT", WebhookSafety.DEFAULT_REQUESTS_IN_FLIGHT,
            "--max-requests-in-flight"));
    Path caFile = env.pathOr(webhookCaFile, "K8VENT_WEBHOOK_CA_FILE");
    List<X509Certificate> webhookCas = caFile == null ? null
        : CaBundle.load(caFile, env.source(webhookCaFile, "--webhook-ca-file", "K8VENT_WEBHOOK_CA_FILE"));
    String secretValue = secret();
    if (secretValue != null) {
      Signer.checkSecret(secretValue);
    }
    Duration initialDelay = duration(retryInitial, "K8VENT_RETRY_INITIAL_DELAY", "500ms", "--retry-initial-delay");
    Duration maxDelay = duration(retryMax, "K8VENT_RETRY_MAX_DELAY", "60s", "--retry-max-delay");
    if (initialDelay.compareTo(maxDelay) > 0) {
      throw new ConfigException(env.source(retryInitial, "--retry-initial-delay", "K8VENT_RETRY_INITIAL_DELAY") + " ("
          + Durations.format(initialDelay) + ") is longer than " + env.source(retryMax, "--retry-max-delay",
          "K8VENT_RETRY_MAX_DELAY") + " (" + Durations.format(maxDelay) + "); the first delay must not exceed the longest");
    }
    RetryPolicy retry = new RetryPolicy(initialDelay, maxDelay,
        duration(retryGiveUp, "K8VENT_RETRY_GIVE_UP_AFTER", "15m", "--retry-give-up-after"));
    return new Settings(
        List.copyOf(webhooks),
        secretValue,
        nsList,
        kubeconfig,
        env.flagOrVariable(context, "K8VENT_CONTEXT"),
        new EnvFilter(nonEmpty(env.listOr(envIncludes, "K8VENT_ENV_INCLUDE")),
            nonEmpty(env.listOr(envExcludes, "K8VENT_ENV_EXCLUDE"))),
        new AnnotationPolicy(policyMode, patterns, safety.webhooksPerAnnotation()),
        retry,
        OptionValues.intInRange(env.flagOrVariable(maxInFlight, "K8VENT_MAX_IN_FLIGHT", "8"),
            env.source(maxInFlight, "--max-in-flight", "K8VENT_MAX_IN_FLIGHT"), MAX_IN_FLIGHT),
        duration(connectTimeout, "K8VENT_CONNECT_TIMEOUT", "5s", "--connect-timeout"),
        duration(requestTimeout, "K8VENT_REQUEST_TIMEOUT", "10s", "--request-timeout"),
        webhookCas,
        duration(shutdownTimeout, "K8VENT_SHUTDOWN_TIMEOUT", "20s", "--shutdown-timeout"),
        ops,
        leaderElection(),
        annotationOptIns(),
        safety,
        selection(),
        format.kind(env));
  }

  private Selection selection() {
    String labels = env.flagOrVariable(labelSelector, "K8VENT_LABEL_SELECTOR");
    String fields = env.flagOrVariable(fieldSelector, "K8VENT_FIELD_SELECTOR");
    return new Selection(
        labels == null ? null
            : LabelSelector.parse(labels, env.source(labelSelector, "--label-selector", "K8VENT_LABEL_SELECTOR")),
        fields == null ? null
            : FieldSelector.parse(fields, env.source(fieldSelector, "--field-selector", "K8VENT_FIELD_SELECTOR")),
        eventTypes(),
        choice(changes, "K8VENT_CHANGES", "--changes", "visible", "visible", "all").equals("visible"));
  }

  private Set<PodEvent.Type> eventTypes() {
    List<String> names = nonEmpty(env.listOr(events, "K8VENT_EVENTS"));
    if (names.isEmpty()) {
      if (env.flagOrVariable(null, "K8VENT_EVENTS") == null && events == null) {
        return EnumSet.allOf(PodEvent.Type.class);
      }
      throw new ConfigException(env.source(events, "--events", "K8VENT_EVENTS") + " names no event type; "
          + "use some of ADDED, MODIFIED, DELETED, or leave it unset to send all");
    }
    Set<PodEvent.Type> types = EnumSet.noneOf(PodEvent.Type.class);
    for (String name : names) {
      try {
        types.add(PodEvent.Type.valueOf(name.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("invalid " + env.source(events, "--events", "K8VENT_EVENTS") + " \"" + name
            + "\"; use ADDED, MODIFIED or DELETED, comma-separated");
      }
    }
    return types;
  }

  private boolean keepManagedFields() {
    return choice(managedFields, "K8VENT_MANAGED_FIELDS", "--managed-fields", "drop", "drop", "keep").equals("keep");
  }

  private AnnotationOptIns annotationOptIns() {
    String scope = choice(annotationEnv, "K8VENT_ANNOTATION_ENV", "--annotation-env", "minimal", "minimal", "full");
    return new AnnotationOptIns(scope.equals("full"),
        bool(signAnnotationWebhooks, "K8VENT_SIGN_ANNOTATION_WEBHOOKS", "--sign-annotation-webhooks"));
  }

  /** The secret, or null to send unsigned; an empty one is a mistake (say, a missing Kubernetes Secret key). */
  private String secret() {
    String variable = env.all().get("K8VENT_WEBHOOK_SECRET");
    String value = secret != null ? secret : variable;
    if (value != null && value.isBlank()) {
      throw new ConfigException((secret != null ? "--secret" : "K8VENT_WEBHOOK_SECRET") + " is empty; to send "
          + "unsigned bodies, leave "
          + "--secret and K8VENT_WEBHOOK_SECRET unset");
    }
    return value;
  }

  /** --ops-bind, checked with the other settings so a bad address stops k8vent before it connects. */
  InetAddress opsAddress() {
    return OptionValues.address(env.flagOrVariable(opsBind, "K8VENT_OPS_BIND", "0.0.0.0"),
        env.source(opsBind, "--ops-bind", "K8VENT_OPS_BIND"));
  }

  private LeaderElectionSettings leaderElection() {
    if (!bool(leaderElect, "K8VENT_LEADER_ELECT", "--leader-elect")) {
      return null;
    }
    String namespace = env.flagOrVariable(leaderElectNamespace, "K8VENT_LEADER_ELECT_NAMESPACE");
    if (namespace == null) {
      namespace = ownNamespace();
    }
    String identity = env.flagOrVariable(null, "HOSTNAME", "k8vent-" + java.util.UUID.randomUUID());
    return new LeaderElectionSettings(namespace,
        env.flagOrVariable(leaderElectLeaseName, "K8VENT_LEADER_ELECT_LEASE_NAME", "k8vent"), identity,
        OptionValues.duration(env.flagOrVariable(leaderElectLeaseDuration, "K8VENT_LEADER_ELECT_LEASE_DURATION", "15s"),
            env.source(leaderElectLeaseDuration, "--leader-elect-lease-duration", "K8VENT_LEADER_ELECT_LEASE_DURATION"),
            MIN_LEASE));
  }

  /** The namespace of the pod k8vent runs in, from its service account, else "default". */
  private static String ownNamespace() {
    Path file = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");
    try {
      return Files.isReadable(file) ? Files.readString(file).trim() : "default";
    } catch (java.io.IOException e) {
      return "default";
    }
  }

  /** One of {@code allowed} (any case): the flag's value, else the variable's, else {@code fallback}. */
  private String choice(String flag, String variable, String option, String fallback, String... allowed) {
    return OptionValues.choice(env.flagOrVariable(flag, variable, fallback), env.source(flag, option, variable), allowed);
  }

  /** A true|false option that defaults to false. */
  private boolean bool(String flag, String variable, String option) {
    return choice(flag, variable, option, "false", "true", "false").equals("true");
  }

  private int count(String flag, String variable, int fallback, String option) {
    return OptionValues.positiveInt(env.flagOrVariable(flag, variable, String.valueOf(fallback)),
        env.source(flag, option, variable));
  }

  private static List<String> nonEmpty(List<String> items) {
    return items.stream().filter(s -> !s.isEmpty()).toList();
  }

  private Duration duration(String flag, String variable, String fallback, String option) {
    return OptionValues.positiveDuration(env.flagOrVariable(flag, variable, fallback), env.source(flag, option, variable));
  }
}
