package io.k8vent.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;

/**
 * POSTs a delivery over HTTP/1.1 keep-alive connections and classifies the answer: {@code http://}
 * webhooks through {@link PlainHttpClient}, {@code https://} ones through the JDK client.
 */
public final class HttpSender {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int EXCERPT_LIMIT = 200;
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  private final PlainHttpClient plain;
  private final Duration connectTimeout;
  private final SSLContext sslContext;
  private final Duration requestTimeout;
  private final DeliveryHeaders headers;
  private HttpClient tlsClient;

  /** A bad {@code extraCaFile} is a {@link io.k8vent.config.ConfigException} here, at start-up. */
  public HttpSender(Duration connectTimeout, Duration requestTimeout, Path extraCaFile, String userAgent) {
    this.plain = new PlainHttpClient(connectTimeout, requestTimeout);
    this.connectTimeout = connectTimeout;
    this.sslContext = extraCaFile == null ? null : sslContextTrusting(extraCaFile);
    this.requestTimeout = requestTimeout;
    this.headers = new DeliveryHeaders(userAgent);
  }

  /** The JDK client, built at the first https:// delivery (its selector thread is not needed before). */
  private synchronized HttpClient tlsClient() {
    if (tlsClient == null) {
      HttpClient.Builder builder = HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(connectTimeout);
      if (sslContext != null) {
        builder.sslContext(sslContext);
      }
      tlsClient = builder.build();
    }
    return tlsClient;
  }

  public CompletableFuture<SendResult> send(URI url, Delivery delivery) {
    if ("http".equalsIgnoreCase(url.getScheme())) {
      StringBuilder headers = new StringBuilder(256);
      this.headers.each(delivery, (name, value) -> headers.append(name).append(": ").append(value).append("\r\n"));
      return plain.post(url, headers.toString(), delivery.body())
          .thenApply(a -> result(a.status(), a.retryAfter(), a.bodyHead()))
          .exceptionally(HttpSender::failure);
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(url)
        .timeout(requestTimeout)
        .POST(HttpRequest.BodyPublishers.ofByteArray(delivery.body()));
    headers.each(delivery, request::header);
    return tlsClient().sendAsync(request.build(), HttpResponse.BodyHandlers.ofInputStream())
        .thenApply(HttpSender::read)
        .exceptionally(HttpSender::failure);
  }

  private static SendResult read(HttpResponse<InputStream> response) {
    byte[] head;
    try (InputStream body = response.body()) {
      head = body.readNBytes(64 * 1024);
    } catch (IOException e) {
      head = new byte[0];
    }
    return result(response.statusCode(), response.headers().firstValue("Retry-After").orElse(null), head);
  }

  private static SendResult result(int status, String retryAfterHeader, byte[] bodyHead) {
    String text = new String(bodyHead, StandardCharsets.UTF_8);
    String excerpt = text.length() > EXCERPT_LIMIT ? text.substring(0, EXCERPT_LIMIT) + "…" : text;
    excerpt = WHITESPACE.matcher(excerpt).replaceAll(" ").trim();
    Duration retryAfter = retryAfterHeader == null ? null : parseRetryAfter(retryAfterHeader);
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
    String reason;
    if (cause instanceof HttpConnectTimeoutException || cause instanceof PlainHttpClient.ConnectTimeoutException) {
      reason = "connect timed out";
    } else if (cause instanceof HttpTimeoutException || cause instanceof PlainHttpClient.RequestTimeoutException) {
      reason = "request timed out";
    } else if (cause instanceof ConnectException) {
      reason = "connection refused or unreachable";
    } else if (cause instanceof SSLHandshakeException) {
      reason = "TLS handshake failed (" + cause.getMessage()
          + "); for a private CA, pass its certificate with --webhook-ca-file";
    } else {
      reason = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
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

  private static SSLContext sslContextTrusting(Path caFile) {
    try {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      defaults.init((KeyStore) null);
      int n = 0;
      for (var tm : defaults.getTrustManagers()) {
        if (tm instanceof javax.net.ssl.X509TrustManager x509) {
          for (X509Certificate c : x509.getAcceptedIssuers()) {
            trust.setCertificateEntry("system-" + n++, c);
          }
        }
      }
      try (InputStream in = Files.newInputStream(caFile)) {
        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          trust.setCertificateEntry("extra-" + n++, c);
        }
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new io.k8vent.config.ConfigException("cannot read --webhook-ca-file " + caFile + ": " + e.getMessage());
    }
  }
}
