package io.k8vent.watch;

import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory;
import io.k8vent.config.ConfigException;
import io.k8vent.net.TlsCiphers;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects to the cluster with the usual rules: --kubeconfig, else in-cluster service account when
 * running in a pod, else KUBECONFIG, else ~/.kube/config. Fails with one readable paragraph saying
 * what it tried when none works or the API server does not answer.
 */
public final class KubeClients {
  private static final Logger LOG = LoggerFactory.getLogger(KubeClients.class);
  static final String SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

  private KubeClients() {}

  /** Thrown when there is no usable cluster; the message is for the operator. Exit code 1. */
  public static final class NoClusterException extends RuntimeException {
    public NoClusterException(String message) {
      super(message);
    }
  }

  public static KubernetesClient connect(Path kubeconfig, String context, Map<String, String> env, Vertx vertx,
      boolean keepManagedFields) {
    List<String> tried = new ArrayList<>();
    Config config;
    String source;
    if (kubeconfig != null) {
      source = "--kubeconfig " + kubeconfig;
      config = fromKubeconfig(kubeconfig, context, tried);
    } else if (env.containsKey("KUBERNETES_SERVICE_HOST") && Files.exists(Path.of(SERVICE_ACCOUNT_TOKEN))) {
      source = "the in-cluster service account";
      config = new ConfigBuilder(Config.autoConfigure(context)).build();
    } else {
      tried.add("in-cluster service account (KUBERNETES_SERVICE_HOST is "
          + (env.containsKey("KUBERNETES_SERVICE_HOST") ? "set but " + SERVICE_ACCOUNT_TOKEN + " is missing" : "not set")
          + ")");
      Path file = kubeconfigFromEnvironment(env, tried);
      if (file == null) {
        throw new NoClusterException("found no Kubernetes cluster to watch. It tried: "
            + String.join("; ", tried) + ". Run it inside a cluster with a service account, or point it at a "
            + "cluster with --kubeconfig FILE (and --context NAME), KUBECONFIG, or ~/.kube/config. "
            + "To try k8vent without a cluster, run: k8vent demo");
      }
      source = file.toString();
      config = fromKubeconfig(file, context, tried);
    }
    KubernetesClient client = configure(new KubernetesClientBuilder().withConfig(config), vertx, keepManagedFields).build();
    try {
      probe(client, config, source);
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
    NamedContext used = config.getCurrentContext();
    LOG.info("watching the cluster at {} (from {}{})", config.getMasterUrl(), source,
        used == null ? "" : ", context " + used.getName());
    return client;
  }

  /**
   * Sets up a client as k8vent's own: pods read as sent ({@link PodSource#serialization}), HTTP over
   * Vert.x on {@code vertx} (null: fabric8's shared instance), answers such as list pages asked for
   * gzip-compressed and inflated while parsed ({@link InflatingSerialization}).
   */
  public static KubernetesClientBuilder configure(KubernetesClientBuilder builder, Vertx vertx, boolean keepManagedFields) {
    return builder.withKubernetesSerialization(PodSource.serialization(keepManagedFields))
        .withHttpClientFactory(vertx == null ? new ChaChaFirstVertxFactory() : new ChaChaFirstVertxFactory(vertx))
        .withHttpClientBuilderConsumer(http -> http.addOrReplaceInterceptor(AskForGzip.NAME, new AskForGzip()));
  }

  /** fabric8's Vert.x transport, offering ChaCha20-Poly1305 first ({@link TlsCiphers}). */
  static final class ChaChaFirstVertxFactory extends VertxHttpClientFactory {
    ChaChaFirstVertxFactory() {
      super();
    }

    ChaChaFirstVertxFactory(Vertx vertx) {
      super(vertx);
    }

    @Override
    protected void additionalConfig(WebClientOptions options) {
      TlsCiphers.offerPreferredOnBuiltContext(options);
    }
  }

  /**
   * Asks for every answer but a watch gzip-compressed; the API server compresses those above 128 KiB,
   * such as list pages (a watch streams its events as they come). The transport does not inflate
   * them: {@link InflatingSerialization} does, while parsing.
   */
  static final class AskForGzip implements Interceptor {
    static final String NAME = "k8vent-ask-for-gzip";

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
      String query = request.uri().getRawQuery();
      if ("GET".equals(request.method()) && (query == null || !query.contains("watch=true"))) {
        builder.setHeader("Accept-Encoding", "gzip");
      }
    }
  }

  /**
   * Asks the API server for its version with one retry, so that a wrong address is reported in a
   * second rather than after the client's long default retry schedule. It shares the client's
   * connection, which the watch then reuses. Any answer other than 401 means the server is there;
   * authorization problems (403) are reported by the watch itself, which retries them: RBAC is often
   * applied after k8vent starts.
   */
  private static void probe(KubernetesClient client, Config config, String source) {
    HttpClient quick = client.getHttpClient().newBuilder()
        .tag(new RequestConfigBuilder(config.getRequestConfig()).withRequestRetryBackoffLimit(1).build()).build();
    int code;
    try {
      code = quick.sendAsync(quick.newHttpRequestBuilder().uri(versionUri(config.getMasterUrl())).build(),
          String.class).get(config.getRequestTimeout() + 1000L, TimeUnit.MILLISECONDS).code();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NoClusterException("interrupted while connecting to the Kubernetes API server");
    } catch (ExecutionException | TimeoutException e) {
      throw new NoClusterException("could not reach the Kubernetes API server at " + config.getMasterUrl()
          + " (from " + source + "): " + unreachable(e, config) + ". Check that the cluster is running and that "
          + "this machine can reach it, or choose another context with --context.");
    }
    if (code == 401) {
      throw new NoClusterException("the API server at " + config.getMasterUrl() + " (from " + source
          + ") refused the credentials (401 Unauthorized): the token or client certificate is wrong or expired. "
          + "Check the user of that kubeconfig context (kubectl says \"You must be logged in to the server\"), "
          + "or the service account token in a pod.");
    }
  }

  /** Why the API server did not answer, in words rather than an exception's name. */
  static String unreachable(Throwable e, Config config) {
    URI server = URI.create(config.getMasterUrl());
    for (Throwable c : causes(e)) {
      String message = c.getMessage() == null ? "" : c.getMessage();
      if (c instanceof ConnectException || message.contains("Connection refused")) {
        return "connection refused: nothing listens at " + server.getHost() + ":" + port(server);
      }
      if (c instanceof UnknownHostException) {
        return "unknown host " + server.getHost() + ": the name does not resolve";
      }
      if (c instanceof TimeoutException || c instanceof SocketTimeoutException
          || c instanceof io.netty.channel.ConnectTimeoutException) {
        return "timed out: no answer within " + (config.getRequestTimeout() + 1000L) / 1000 + " s";
      }
      if (c instanceof ClosedChannelException) {
        return "the connection was closed before any answer (something accepts connections at " + server.getHost()
            + ":" + port(server) + " but no API server answers there, e.g. a proxy or port-forward to a stopped cluster)";
      }
      if (c instanceof SSLException) {
        return "TLS failed (" + message + "); check the cluster's certificate-authority in the kubeconfig";
      }
    }
    return rootMessage(e);
  }

  private static int port(URI server) {
    return server.getPort() != -1 ? server.getPort() : "https".equalsIgnoreCase(server.getScheme()) ? 443 : 80;
  }

  private static URI versionUri(String masterUrl) {
    return URI.create(masterUrl.endsWith("/") ? masterUrl + "version" : masterUrl + "/version");
  }

  private static Path kubeconfigFromEnvironment(Map<String, String> env, List<String> tried) {
    String fromEnv = env.get("KUBECONFIG");
    if (fromEnv != null && !fromEnv.isBlank()) {
      for (String part : fromEnv.split(java.io.File.pathSeparator)) {
        if (!part.isBlank() && Files.isRegularFile(Path.of(part))) {
          return Path.of(part);
        }
      }
      tried.add("KUBECONFIG=" + fromEnv + " (no such file)");
    } else {
      tried.add("KUBECONFIG (not set)");
    }
    String home = env.getOrDefault("HOME", System.getProperty("user.home"));
    Path standard = Path.of(home, ".kube", "config");
    if (Files.isRegularFile(standard)) {
      return standard;
    }
    tried.add(standard + " (no such file)");
    return null;
  }

  private static Config fromKubeconfig(Path file, String context, List<String> tried) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new NoClusterException("cannot read kubeconfig " + file + ": "
          + (e instanceof NoSuchFileException ? "no such file"
              : e instanceof AccessDeniedException ? "permission denied"
              : e.getMessage()));
    }
    Config config;
    try {
      config = Config.fromKubeconfig(context, text, file.toString());
    } catch (KubernetesClientException | IllegalArgumentException e) {
      throw new NoClusterException("kubeconfig " + file + " is not usable"
          + (context == null ? "" : " with context " + context) + ": " + rootMessage(e));
    }
    // fabric8 falls back to the current context when the named one is missing: a typo would then
    // make k8vent watch, and post the pods of, another cluster.
    NamedContext current = config.getCurrentContext();
    if (context != null && (current == null || !context.equals(current.getName()))) {
      List<String> names = config.getContexts() == null ? List.of()
          : config.getContexts().stream().map(NamedContext::getName).toList();
      throw new ConfigException("context \"" + context + "\" (--context or K8VENT_CONTEXT) is not in kubeconfig "
          + file + "; it has " + (names.isEmpty() ? "no contexts" : String.join(", ", names)));
    }
    return config;
  }

  /** The innermost cause's message (or its type when it has none): what went wrong, without the wrappers. */
  static String rootMessage(Throwable t) {
    List<Throwable> causes = causes(t);
    Throwable root = causes.get(causes.size() - 1);
    return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
  }

  /**
   * The API server's own words for a 403 (e.g. {@code pods is forbidden: User "…" cannot list resource
   * "pods" …}), without fabric8's request line and Status dump; null when {@code t} is no 403.
   */
  static String forbiddenStatus(Throwable t) {
    for (Throwable c : causes(t)) {
      if (c instanceof KubernetesClientException kce && kce.getCode() == 403) {
        return kce.getStatus() != null && kce.getStatus().getMessage() != null ? kce.getStatus().getMessage()
            : String.valueOf(kce.getMessage());
      }
    }
    return null;
  }

  /** {@code t} and the causes it wraps, outermost first, ending at the first that is its own cause or has none. */
  private static List<Throwable> causes(Throwable t) {
    return Stream.iterate(t, Objects::nonNull, c -> c.getCause() == c ? null : c.getCause()).toList();
  }
}
