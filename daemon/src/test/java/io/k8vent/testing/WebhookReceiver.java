package io.k8vent.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.k8vent.payload.WireFormat;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A real HTTP webhook on loopback that records every request's bytes and headers and answers as
 * the test says: by default 200, or a scripted status per request number.
 */
public final class WebhookReceiver implements AutoCloseable {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public record Request(String path, Map<String, String> headers, byte[] body, long arrivedNanos) {
    public String header(String name) {
      return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    public JsonNode json() {
      try {
        return MAPPER.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** k8vent's {@code {"pod","env"}} object: the body, or a structured CloudEvent's data. */
    public JsonNode payload() {
      return WireFormat.payloadOf(json());
    }

    public String podName() {
      JsonNode meta = payload().path("pod").path("metadata");
      return meta.path("namespace").asText() + "/" + meta.path("name").asText();
    }

    public String event() {
      return header("X-K8vent-Event");
    }
  }

  /** What to answer: status, extra headers, body. */
  public record Response(int status, Map<String, String> headers, String body) {
    public static Response status(int status) {
      return new Response(status, Map.of(), "");
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger counter = new AtomicInteger();
  private final CountDownLatch hang = new CountDownLatch(1);
  private volatile Function<Integer, Response> responder = n -> Response.status(200);
  private volatile Predicate<String> hangs = path -> false;
  private volatile CountDownLatch gate = new CountDownLatch(0);

  public WebhookReceiver() {
    this(InetAddress.getLoopbackAddress());
  }

  /** A receiver listening on {@code address} (one of loopback's, e.g. 127.0.0.2). */
  public WebhookReceiver(InetAddress address) {
    try {
      server = HttpServer.create(new InetSocketAddress(address, 0), 64);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Answers request number n (1-based, counting every request) with {@code responder.apply(n)}. */
  public WebhookReceiver respond(Function<Integer, Response> responder) {
    this.responder = responder;
    return this;
  }

  /** From now on, holds each request (already recorded) unanswered until {@link #release()}. */
  public synchronized WebhookReceiver hold() {
    if (gate.getCount() == 0) {
      gate = new CountDownLatch(1);
    }
    return this;
  }

  /** Answers the held requests and stops holding. */
  public synchronized void release() {
    gate.countDown();
  }

  /** Accepts connections but never answers until closed. */
  public WebhookReceiver hang() {
    this.hangs = path -> true;
    return this;
  }

  /** Never answers requests whose path starts with {@code prefix} until closed; answers the others. */
  public WebhookReceiver hangOn(String prefix) {
    this.hangs = path -> path.startsWith(prefix);
    return this;
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readAllBytes();
    }
    Map<String, String> headers = new TreeMap<>();
    exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
    int n = counter.incrementAndGet();
    String path = exchange.getRequestURI().getPath();
    requests.add(new Request(path, headers, body, System.nanoTime()));
    try {
      gate.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (hangs.test(path)) {
      try {
        hang.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.close();
      return;
    }
    Response r = responder.apply(n);
    r.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
    byte[] out = r.body().getBytes(StandardCharsets.UTF_8);
    if (!r.body().isEmpty()) {
      exchange.getResponseHeaders().add("Content-Type", "application/json");
    }
    exchange.sendResponseHeaders(r.status(), out.length == 0 ? -1 : out.length);
    try (OutputStream os = exchange.getResponseBody()) {
      os.write(out);
    }
  }

  public URI url(String path) {
    return URI.create("http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort()
        + path);
  }

  public URI url() {
    return url("/hook");
  }

  public List<Request> requests() {
    return new ArrayList<>(requests);
  }

  /** The requests whose path is {@code path}. */
  public List<Request> requestsTo(String path) {
    return requests().stream().filter(r -> r.path().equals(path)).toList();
  }

  @Override
  public void close() {
    hang.countDown();
    gate.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
