package io.k8vent.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.k8vent.payload.Signer;
import io.k8vent.payload.WireFormat;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A webhook receiver for trying k8vent by hand: it accepts POSTs on any path, checks signatures
 * when it knows the secret, can answer with an error for the first requests, and hands each
 * request to a listener (which prints it, or keeps it for the demo). A request with a Standard
 * Webhooks signature that does not verify, or whose webhook-timestamp is more than 5 minutes
 * from now, is answered 401, as a receiver that drops forgeries and replays would.
 */
public final class Sink implements AutoCloseable {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  static final Duration TOLERANCE = Duration.ofMinutes(5);
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
      .withZone(ZoneId.systemDefault());

  /** What the sink concluded about a request's signature headers. */
  public enum Signature {
    VALID("signature valid"),
    INVALID("signature INVALID"),
    MISSING("signature MISSING"),
    NOT_CHECKED("signature not checked (no --secret)"),
    STALE("signature REJECTED: webhook-timestamp more than 5 minutes old (a replay?)"),
    FUTURE("signature REJECTED: webhook-timestamp more than 5 minutes in the future"),
    BAD_TIMESTAMP("signature REJECTED: webhook-id or webhook-timestamp missing or not unix seconds");

    private final String text;

    Signature(String text) {
      this.text = text;
    }

    public String text() {
      return text;
    }

    /** Whether the sink answers 401 rather than 200: a Standard Webhooks check failed. */
    boolean rejected() {
      return this == STALE || this == FUTURE || this == BAD_TIMESTAMP;
    }
  }

  /**
   * One request as received, with the status the sink answered. {@code deletion} is the
   * X-K8vent-Deletion header (why a pod is reported deleted), {@code cloudEvent} describes a
   * CloudEvent (its mode and type); each null when absent.
   */
  public record Received(long number, Instant at, String method, String path, String event, String deletion,
      byte[] body, Signature signature, int status, String cloudEvent) {

    /** The body as JSON, or null when it is not JSON. */
    public JsonNode json() {
      try {
        return MAPPER.readTree(body);
      } catch (IOException e) {
        return null;
      }
    }

    /** k8vent's {@code {"pod","env"}} object: the body, or a structured CloudEvent's data; null when not JSON. */
    public JsonNode payload() {
      return WireFormat.payloadOf(json());
    }

    /** One line about the request: what it carried, its signature, the answer. */
    public String summary() {
      JsonNode json = payload();
      String kind = event == null ? "-" : deletion == null || deletion.equals(WireFormat.Deletion.DELETED.text()) ? event
          : event + " (" + deletion + ")";
      String what;
      if (json == null) {
        what = "(not JSON)";
      } else if ("link-image".equals(json.path("type").asText())) {
        // link-image sends X-K8vent-Event: link-image; the type is named once either way.
        kind = "link-image";
        JsonNode git = json.path("git");
        what = json.path("docker").path("image").asText() + " <- " + git.path("owner").asText()
            + "/" + git.path("repo").asText() + "@" + git.path("sha").asText();
      } else {
        JsonNode metadata = json.path("pod").path("metadata");
        what = metadata.path("namespace").asText("?") + "/" + metadata.path("name").asText("?") + " "
            + json.path("pod").path("status").path("phase").asText("-");
      }
      return String.format("%s #%d %s %s %s %s %d bytes%s, %s -> %d", TIME.format(at), number, method, path,
          kind, what, body.length, cloudEvent == null ? "" : " as " + cloudEvent, signature.text(), status);
    }
  }

  /** Answer {@code status} to the first {@code count} requests (count < 0: to every request). */
  public record Failure(int status, int count) {
    public static final Failure NONE = new Failure(0, 0);
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final Signer signer;
  private final Failure failure;
  private final Consumer<Received> listener;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicInteger failed = new AtomicInteger();

  /**
   * Starts listening at once.
   *
   * @param secret the webhook secret to check signatures with, or null not to check
   */
  public Sink(InetSocketAddress address, String secret, Failure failure, Consumer<Received> listener) {
    this.signer = secret == null ? null : new Signer(secret);
    this.failure = failure;
    this.listener = listener;
    try {
      this.server = HttpServer.create(address, 64);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + address + ": " + e.getMessage(), e);
    }
    this.executor = Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "k8vent-sink");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The URL to give k8vent, on the given path. */
  public URI url(String path) {
    InetSocketAddress address = server.getAddress();
    String host = address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : address.getHostString();
    return URI.create("http://" + host + ":" + address.getPort() + path);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange; InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readAllBytes();
      long number = requests.incrementAndGet();
      Signature signature = check(exchange, body);
      int status;
      byte[] answer;
      if (signature.rejected() || signature == Signature.INVALID && standardWebhooks(exchange)) {
        status = 401;
        answer = ("{\"error\":\"" + signature.text() + "\"}").getBytes(StandardCharsets.UTF_8);
      } else {
        status = failure.status() != 0 && (failure.count() < 0 || failed.getAndIncrement() < failure.count())
            ? failure.status() : 200;
        answer = status == 200
            ? ("{\"correlation_id\":\"sink-" + number + "\"}").getBytes(StandardCharsets.UTF_8)
            : ("{\"error\":\"k8vent sink was told to answer " + status + "\"}").getBytes(StandardCharsets.UTF_8);
      }
      listener.accept(new Received(number, Instant.now(), exchange.getRequestMethod(),
          exchange.getRequestURI().getRawPath(), exchange.getRequestHeaders().getFirst("X-K8vent-Event"),
          exchange.getRequestHeaders().getFirst(WireFormat.DELETION_HEADER), body, signature, status,
          cloudEvent(exchange, body)));
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, answer.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(answer);
      }
    }
  }

  /** "CloudEvent binary TYPE" or "CloudEvent structured TYPE", or null for a plain body. */
  private static String cloudEvent(HttpExchange exchange, byte[] body) {
    String type = exchange.getRequestHeaders().getFirst("ce-type");
    if (exchange.getRequestHeaders().getFirst("ce-specversion") != null) {
      return "CloudEvent binary " + type;
    }
    String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
    if (contentType != null && contentType.startsWith("application/cloudevents+json")) {
      try {
        return "CloudEvent structured " + MAPPER.readTree(body).path("type").asText("?");
      } catch (IOException e) {
        return "CloudEvent structured (not JSON)";
      }
    }
    return null;
  }

  private Signature check(HttpExchange exchange, byte[] body) {
    if (signer == null) {
      return Signature.NOT_CHECKED;
    }
    String sha1 = exchange.getRequestHeaders().getFirst("X-Atomist-Signature");
    String sha256 = exchange.getRequestHeaders().getFirst("X-K8vent-Signature-256");
    if (sha1 == null && sha256 == null && !standardWebhooks(exchange)) {
      return Signature.MISSING;
    }
    Signer.Signatures expected = signer.sign(body);
    boolean ok = (sha1 == null || same(sha1, expected.sha1())) && (sha256 == null || same(sha256, expected.sha256()));
    if (!standardWebhooks(exchange)) {
      return ok ? Signature.VALID : Signature.INVALID;
    }
    String id = exchange.getRequestHeaders().getFirst("webhook-id");
    long timestamp;
    try {
      timestamp = Long.parseLong(String.valueOf(exchange.getRequestHeaders().getFirst("webhook-timestamp")).trim());
    } catch (NumberFormatException e) {
      return Signature.BAD_TIMESTAMP;
    }
    if (id == null) {
      return Signature.BAD_TIMESTAMP;
    }
    long now = Instant.now().getEpochSecond();
    if (timestamp < now - TOLERANCE.toSeconds()) {
      return Signature.STALE;
    }
    if (timestamp > now + TOLERANCE.toSeconds()) {
      return Signature.FUTURE;
    }
    String wanted = signer.standardWebhooks(id, timestamp, body);
    // The header may list several space-separated signatures (key rotation); one must match.
    boolean standardOk = Arrays.stream(exchange.getRequestHeaders().getFirst("webhook-signature").trim().split(" +"))
        .anyMatch(given -> same(given, wanted));
    return ok && standardOk ? Signature.VALID : Signature.INVALID;
  }

  private static boolean standardWebhooks(HttpExchange exchange) {
    return exchange.getRequestHeaders().getFirst("webhook-signature") != null;
  }

  private static boolean same(String given, String expected) {
    return MessageDigest.isEqual(given.trim().getBytes(StandardCharsets.UTF_8),
        expected.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
