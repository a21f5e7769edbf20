package io.k8vent.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.k8vent.config.ConfigException;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The operations endpoint: {@code /healthz} (liveness), {@code /readyz} (initial list done and the
 * watch not refused) and {@code /metrics} (Prometheus text format).
 *
 * <p>The JDK server reads a request on an executor thread, blocking until its headers are complete,
 * so a client that sends half a request holds a thread. Slow or stalled clients must never keep the
 * kubelet's probes waiting: there is a thread for every connection allowed ({@link #MAX_CONNECTIONS}),
 * idle ones end after a while, and a connection whose request is not complete within
 * {@link #REQUEST_SECONDS} (or whose response is not taken within {@link #RESPONSE_SECONDS}) is
 * closed. Every answer closes its connection: the JDK server counts idle connections against
 * {@link #MAX_CONNECTIONS}, so clients keeping theirs open after an answer would otherwise shut the
 * probes out (probes open a connection each anyway). The JDK server reads those limits from system
 * properties once, when the first server of the process is created, so they are set here before
 * that, unless the operator set them.
 */
public final class OpsServer implements AutoCloseable {
  /** Null when all is well, else a one-line reason. */
  public interface Check extends Supplier<String> {}

  static final int MAX_CONNECTIONS = 32;
  static final int REQUEST_SECONDS = 5;
  static final int RESPONSE_SECONDS = 10;

  static {
    defaultProperty("jdk.httpserver.maxConnections", MAX_CONNECTIONS);
    defaultProperty("sun.net.httpserver.maxReqTime", REQUEST_SECONDS);
    defaultProperty("sun.net.httpserver.maxRspTime", RESPONSE_SECONDS);
  }

  private final HttpServer server;
  private final ThreadPoolExecutor executor;

  public OpsServer(InetAddress bind, int port, Check health, Check readiness, Metrics metrics) {
    try {
      server = HttpServer.create(new InetSocketAddress(bind, port), MAX_CONNECTIONS);
    } catch (IOException e) {
      throw new ConfigException("cannot listen on --ops-bind " + bind.getHostAddress() + " --ops-port " + port
          + ": " + e.getMessage() + "; choose an address of this host and a free port, or --ops-port 0 to turn "
          + "the endpoint off");
    }
    executor = connectionThreads();
    server.setExecutor(executor);
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

  /**
   * Runs each exchange on an idle thread when there is one, else on a new thread while fewer than
   * {@link #MAX_CONNECTIONS} exist (then it waits for one). A plain pool of that many core threads
   * would start a new thread for each of the first 32 requests, idle ones or not: probes and
   * scrapes, one connection each, would keep 32 threads and their stacks. The JDK server hands
   * exchanges over from its one dispatcher thread, so a thread the queue asks for can always start.
   */
  static ThreadPoolExecutor connectionThreads() {
    IdleFirstQueue queue = new IdleFirstQueue();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(0, MAX_CONNECTIONS, 30, TimeUnit.SECONDS, queue, r -> {
      Thread t = new Thread(r, "k8vent-ops");
      t.setDaemon(true);
      return t;
    });
    queue.pool = pool;
    return pool;
  }

  /** Refuses a task, so that the pool starts a thread for it, only when no thread is idle and one may start. */
  private static final class IdleFirstQueue extends LinkedBlockingQueue<Runnable> {
    private ThreadPoolExecutor pool;

    @Override
    public boolean offer(Runnable task) {
      int threads = pool.getPoolSize();
      if (pool.getActiveCount() >= threads && threads < pool.getMaximumPoolSize()) {
        return false;
      }
      return super.offer(task);
    }
  }

  private static void defaultProperty(String name, int value) {
    if (System.getProperty(name) == null) {
      System.setProperty(name, String.valueOf(value));
    }
  }

  private static void check(HttpExchange ex, Check check, String okBody) throws IOException {
    String problem = check.get();
    byte[] body = ((problem == null ? okBody : problem) + "\n").getBytes(StandardCharsets.UTF_8);
    respond(ex, problem == null ? 200 : 503, "text/plain; charset=utf-8", body);
  }

  private static void respond(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.getResponseHeaders().set("Connection", "close");
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
