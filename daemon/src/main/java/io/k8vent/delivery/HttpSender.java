package io.k8vent.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.k8vent.config.CaBundle;
import io.k8vent.net.Destinations;
import io.k8vent.net.TlsCiphers;
import io.netty.buffer.Unpooled;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TrustOptions;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * POSTs deliveries over Vert.x's HTTP client (http and https alike, HTTP/1.1 keep-alive connections
 * on the shared event loops) and classifies the answer.
 *
 * <p>Contract for every attempt: one overall deadline ({@code requestTimeout}) covers resolving,
 * connecting, sending and the whole answer, so a webhook that never reads, trickles its headers or
 * streams an endless body is cut off then; an answer's body is read up to {@link #MAX_ANSWER_BYTES}
 * and the connection closed after that; status line and headers are capped by the client's
 * decoder. Redirects are not followed. The address comes from {@link Destinations}, which refuses
 * forbidden destinations for URLs the operator did not configure.
 *
 * <p>The operator's URLs and pods' annotation URLs have a client each, so connections to one address
 * are pooled apart: annotation URLs on the operator's webhook host (another path, say one that
 * answers slowly) wait for their own connections, never for the operator's.
 */
public final class HttpSender implements AutoCloseable {
  /** Bytes of an answer's body read at most (for the log excerpt and Atomist's correlation_id). */
  public static final int MAX_ANSWER_BYTES = 64 * 1024;
  private static final int MAX_HEADER_BYTES = 16 * 1024;
  private static final int MAX_STATUS_LINE_BYTES = 4 * 1024;
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int EXCERPT_LIMIT = 200;
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");
  /** How long a URL's checked address is used before its name is resolved again. */
  private static final Duration RESOLVED_FOR = Duration.ofSeconds(30);
  /** URLs whose request set-up is kept; past that the cache starts again. */
  private static final int MAX_ENDPOINTS = 4096;
  /** How often deadlines are checked: an attempt ends at most this much after its deadline. */
  private static final Duration DEADLINE_SWEEP = Duration.ofMillis(100);

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final HttpClient operatorClient;
  private final HttpClient annotationClient;
  private final Destinations destinations;
  private final DeliveryHeaders headers;
  private final Duration requestTimeout;
  /** Attempts in flight: at most the dispatcher's in-flight budget, swept for their deadline. */
  private final Set<Attempt> inFlight = ConcurrentHashMap.newKeySet();
  private final long sweeper;
  private final Map<URI, Endpoint> endpoints = new ConcurrentHashMap<>();

  /**
   * A sender on {@code vertx}, which the caller keeps running and closes.
   *
   * @param maxConnectionsPerDestination connections kept open at most per webhook address
   */
  public HttpSender(Vertx vertx, Duration connectTimeout, Duration requestTimeout, List<X509Certificate> extraCas,
      DeliveryHeaders headers, Destinations destinations, int maxConnectionsPerDestination) {
    this(vertx, false, connectTimeout, requestTimeout, extraCas, headers, destinations, maxConnectionsPerDestination);
  }

  /** A sender with an event loop of its own (for one-off commands), to the operator's URLs only. */
  public HttpSender(Duration connectTimeout, Duration requestTimeout, Path extraCaFile, String userAgent) {
    this(io.k8vent.net.VertxRuntime.create(), true, connectTimeout, requestTimeout,
        extraCaFile == null ? null : CaBundle.load(extraCaFile), new DeliveryHeaders(userAgent), Destinations.unchecked(), 8);
  }

  private HttpSender(Vertx vertx, boolean ownsVertx, Duration connectTimeout, Duration requestTimeout,
      List<X509Certificate> extraCas, DeliveryHeaders headers, Destinations destinations,
      int maxConnectionsPerDestination) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.destinations = destinations;
    this.headers = headers;
    this.requestTimeout = requestTimeout;
    HttpClientOptions options = new HttpClientOptions()
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
        .setKeepAlive(true)
        .setKeepAliveTimeout(30)
        .setMaxHeaderSize(MAX_HEADER_BYTES)
        .setMaxInitialLineLength(MAX_STATUS_LINE_BYTES)
        .setVerifyHost(true)
        .setForceSni(true)
        .setName("k8vent-webhooks");
    TlsCiphers.offerPreferred(options);
    if (extraCas != null) {
      options.setTrustOptions(TrustOptions.wrap(trustManager(extraCas)));
    }
    // A failing connection fails its request, which classifies and logs it once; the connection's
    // own handler stays quiet, or every hostile answer would also be an ERROR line from Vert.x.
    this.operatorClient = client(vertx, options, maxConnectionsPerDestination);
    this.annotationClient = client(vertx, options, maxConnectionsPerDestination);
    // One timer for all attempts instead of one each: deadlines are kept to within DEADLINE_SWEEP.
    this.sweeper = vertx.setPeriodic(DEADLINE_SWEEP.toMillis(), id -> sweepDeadlines());
  }

  private static HttpClient client(Vertx vertx, HttpClientOptions options, int maxConnectionsPerDestination) {
    return vertx.httpClientBuilder()
        .with(options)
        .with(new PoolOptions().setHttp1MaxSize(maxConnectionsPerDestination))
        .withConnectHandler(connection -> connection.exceptionHandler(ignored -> { }))
        .build();
  }

  public CompletableFuture<SendResult> send(URI url, Delivery delivery) {
    Attempt attempt = new Attempt(System.nanoTime() + requestTimeout.toNanos());
    inFlight.add(attempt);
    attempt.result.whenComplete((r, e) -> inFlight.remove(attempt));
    Endpoint endpoint = endpoint(url);
    RequestOptions resolved = endpoint.resolved();
    if (resolved != null) {
      request(endpoint.client, resolved, delivery, attempt);
      return attempt.result;
    }
    destinations.resolve(url).whenComplete((address, error) -> {
      if (error != null) {
        // Never complete on the caller's thread: the queue starts its next send from the callback.
        vertx.runOnContext(v -> attempt.failed(error));
      } else {
        request(endpoint.client, endpoint.resolvedTo(address), delivery, attempt);
      }
    });
    return attempt.result;
  }

  private void sweepDeadlines() {
    long now = System.nanoTime();
    for (Attempt attempt : inFlight) {
      if (now - attempt.deadlineNanos >= 0) {
        attempt.timedOut();
      }
    }
  }

  private Endpoint endpoint(URI url) {
    Endpoint endpoint = endpoints.get(url);
    if (endpoint == null) {
      if (endpoints.size() >= MAX_ENDPOINTS) {
        endpoints.clear();
      }
      endpoint = endpoints.computeIfAbsent(url, u -> new Endpoint(u, destinations.trusted(u) ? operatorClient : annotationClient));
    }
    return endpoint;
  }

  /**
   * What a URL's requests share: the request line and Host header, and the checked address to
   * connect to, resolved again after {@link #RESOLVED_FOR}, as the JDK's own name cache would.
   */
  private static final class Endpoint {
    /** The operator's client or the annotation URLs' one. */
    private final HttpClient client;
    private final RequestOptions template;
    private volatile RequestOptions resolved;
    private volatile long resolvedAtNanos;

    Endpoint(URI url, HttpClient client) {
      this.client = client;
      int port = Destinations.port(url);
      String host = url.getHost().startsWith("[") ? url.getHost().substring(1, url.getHost().length() - 1) : url.getHost();
      String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
      template = new RequestOptions()
          .setMethod(HttpMethod.POST)
          .setHost(host)
          .setPort(port)
          .setSsl("https".equalsIgnoreCase(url.getScheme()))
          .setURI(url.getRawQuery() == null ? path : path + "?" + url.getRawQuery())
          .setFollowRedirects(false);
    }

    /** The options with the checked address, or null when it must be resolved (again). */
    RequestOptions resolved() {
      RequestOptions options = resolved;
      return options != null && System.nanoTime() - resolvedAtNanos < RESOLVED_FOR.toNanos() ? options : null;
    }

    RequestOptions resolvedTo(InetAddress address) {
      RequestOptions options = new RequestOptions(template)
          .setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(address, template.getPort())));
      resolvedAtNanos = System.nanoTime();
      resolved = options;
      return options;
    }
  }

  private void request(HttpClient client, RequestOptions options, Delivery delivery, Attempt attempt) {
    client.request(options).onComplete(opened -> {
      if (opened.failed()) {
        attempt.failed(opened.cause());
        return;
      }
      HttpClientRequest request = opened.result();
      if (!attempt.started(request)) {
        return;
      }
      headers.each(delivery, request::putHeader);
      // Wrapped, not copied: a body is never changed once written, and attempts and webhooks share it.
      request.send(Buffer.buffer(Unpooled.wrappedBuffer(delivery.body()))).onComplete(answered -> {
        if (answered.failed() && answered.cause() instanceof HttpClosedException && attempt.mayResend()) {
          // A kept-alive connection the webhook had closed while idle: once more on a new one.
          request(client, options, delivery, attempt);
        } else if (answered.failed()) {
          attempt.failed(answered.cause());
        } else {
          read(answered.result(), request, attempt);
        }
      });
    });
  }

  /** Reads the answer's body up to the cap; past it the connection is closed and the status kept. */
  private static void read(HttpClientResponse response, HttpClientRequest request, Attempt attempt) {
    int status = response.statusCode();
    String retryAfter = response.getHeader("Retry-After");
    Buffer head = Buffer.buffer();
    response.exceptionHandler(e -> attempt.answered(status, retryAfter, head));
    response.handler(chunk -> {
      int room = MAX_ANSWER_BYTES - head.length();
      if (chunk.length() <= room) {
        head.appendBuffer(chunk);
        return;
      }
      head.appendBuffer(chunk, 0, room);
      attempt.answered(status, retryAfter, head);
      request.reset();
    });
    // Completed in the event loop's next turn, once the connection went back to the pool, so the
    // send the queue starts from this result reuses it.
    response.endHandler(v -> Vertx.currentContext().runOnContext(done -> attempt.answered(status, retryAfter, head)));
  }

  /** One attempt's state; the first of answer, failure and deadline decides its result. */
  private final class Attempt {
    final CompletableFuture<SendResult> result = new CompletableFuture<>();
    final long deadlineNanos;
    private HttpClientRequest request;
    private boolean resent;

    Attempt(long deadlineNanos) {
      this.deadlineNanos = deadlineNanos;
    }

    /** True the first time: an attempt is re-sent at most once, within its deadline. */
    synchronized boolean mayResend() {
      boolean first = !resent && !result.isDone();
      resent = true;
      return first;
    }

    /** Records the request; false (and the request reset) when the deadline already passed. */
    synchronized boolean started(HttpClientRequest started) {
      if (result.isDone()) {
        started.reset();
        return false;
      }
      this.request = started;
      return true;
    }

    void answered(int status, String retryAfter, Buffer head) {
      result.complete(HttpSender.result(status, retryAfter, head.getBytes()));
    }

    void failed(Throwable error) {
      result.complete(failure(error));
    }

    void timedOut() {
      if (result.complete(SendResult.failed("request timed out after " + requestTimeout.toMillis()
          + " ms (--request-timeout covers connecting, sending and the whole answer)"))) {
        synchronized (this) {
          if (request != null) {
            request.reset();
          }
        }
      }
    }
  }

  static SendResult result(int status, String retryAfterHeader, byte[] bodyHead) {
    String text = new String(bodyHead, StandardCharsets.UTF_8);
    String excerpt = text.length() > EXCERPT_LIMIT ? text.substring(0, EXCERPT_LIMIT) + "…" : text;
    excerpt = WHITESPACE.matcher(excerpt).replaceAll(" ").trim();
    Duration retryAfter = retryAfterHeader == null ? null : parseRetryAfter(retryAfterHeader);
    if (status < 200) {
      return SendResult.failed("interim answer HTTP " + status + " without a final answer");
    }
    return new SendResult(status, null, retryAfter, correlationId(text), excerpt);
  }

  private static String correlationId(String body) {
    if (body.isEmpty() || body.charAt(0) != '{') {
      return null;
    }
    try {
      JsonNode id = MAPPER.readTree(body).get("correlation_id");
      return id == null || id.isNull() ? null : id.asText();
    } catch (IOException e) {
      return null;
    }
  }

  private static SendResult failure(Throwable t) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    if (cause instanceof Destinations.RefusedException refused) {
      return SendResult.refused(refused.getMessage());
    }
    String reason;
    String message = cause.getMessage() == null ? "" : cause.getMessage();
    if (cause instanceof io.netty.channel.ConnectTimeoutException || message.startsWith("connection timed out")) {
      reason = "connect timed out";
    } else if (cause instanceof ConnectException) {
      reason = "connection refused or unreachable";
    } else if (cause instanceof UnknownHostException) {
      reason = "unknown host " + message;
    } else if (cause instanceof SSLHandshakeException || cause.getCause() instanceof SSLHandshakeException) {
      reason = SendResult.TLS_HANDSHAKE_FAILED + " (" + message + "); for a private CA, pass its certificate with --webhook-ca-file";
    } else if (cause instanceof io.netty.handler.codec.TooLongFrameException) {
      reason = "answer's status line or headers too long (" + message + ")";
    } else {
      reason = cause.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
    }
    return SendResult.failed(reason);
  }

  /** Retry-After as delta-seconds or an HTTP date; null when it is neither. */
  static Duration parseRetryAfter(String value) {
    String v = value.trim();
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration until = Duration.between(ZonedDateTime.now(at.getZone()), at);
        return until.isNegative() ? Duration.ZERO : until;
      } catch (DateTimeParseException notDate) {
        return null;
      }
    }
  }

  /** Trusts the JVM's CAs and {@code extra}. */
  private static X509TrustManager trustManager(List<X509Certificate> extra) {
    try {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      defaults.init((KeyStore) null);
      int n = 0;
      for (var tm : defaults.getTrustManagers()) {
        if (tm instanceof X509TrustManager x509) {
          for (X509Certificate c : x509.getAcceptedIssuers()) {
            trust.setCertificateEntry("system-" + n++, c);
          }
        }
      }
      for (X509Certificate c : extra) {
        trust.setCertificateEntry("extra-" + n++, c);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      for (var tm : tmf.getTrustManagers()) {
        if (tm instanceof X509TrustManager x509) {
          return x509;
        }
      }
      throw new IllegalStateException("the JVM has no X.509 trust manager");
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up the trusted CAs: " + e.getMessage(), e);
    }
  }

  /** Closes every connection (requests in flight fail); the event loop stays unless this sender made it. */
  @Override
  public void close() {
    vertx.cancelTimer(sweeper);
    operatorClient.close();
    annotationClient.close();
    destinations.close();
    if (ownsVertx) {
      vertx.close();
    }
  }
}
