package io.k8vent.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The operations endpoint: {@code /healthz} (liveness), {@code /readyz} (initial list done and the
 * watch not refused) and {@code /metrics} (Prometheus text format).
 */
public final class OpsServer implements AutoCloseable {
  /** Null when all is well, else a one-line reason. */
  public interface Check extends Supplier<String> {}

  private final HttpServer server;

  public OpsServer(int port, Check health, Check readiness, Metrics metrics) {
    try {
      server = HttpServer.create(new InetSocketAddress(port), 16);
    } catch (IOException e) {
      throw new io.k8vent.config.ConfigException("cannot listen on --ops-port " + port + ": " + e.getMessage()
          + "; choose another port, or 0 to turn the endpoint off");
    }
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "k8vent-ops");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/healthz", ex -> check(ex, health, "ok"));
    server.createContext("/readyz", ex -> check(ex, readiness, "ready"));
    PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    server.createContext("/metrics", ex -> {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      writer.write(body, metrics.registry().scrape());
      respond(ex, 200, writer.getContentType(), body.toByteArray());
    });
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void check(HttpExchange ex, Check check, String okBody) throws IOException {
    String problem = check.get();
    byte[] body = ((problem == null ? okBody : problem) + "\n").getBytes(StandardCharsets.UTF_8);
    respond(ex, problem == null ? 200 : 503, "text/plain; charset=utf-8", body);
  }

  private static void respond(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
