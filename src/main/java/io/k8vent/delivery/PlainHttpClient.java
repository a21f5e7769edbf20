package io.k8vent.delivery;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * POSTs to {@code http://} webhooks over persistent HTTP/1.1 connections with blocking sockets:
 * the request goes out in one write and the answer is read on the same thread, one thread per
 * request in flight (so at most {@code --max-in-flight} per webhook, and a slow webhook holds only
 * its own threads). The JDK client needs several hand-offs between its selector thread and
 * executor per request, which on two cores made it the limit of delivery throughput (see
 * BENCHMARKS.md); {@code https://} webhooks still use it.
 */
final class PlainHttpClient {
  /** The part of an answer k8vent looks at. */
  record Answer(int status, String retryAfter, byte[] bodyHead) {}

  /** The request's deadline passed while waiting for the answer. */
  static final class RequestTimeoutException extends IOException {
    RequestTimeoutException() {
      super("request timed out");
    }
  }

  /** The TCP connection could not be made within the connect timeout. */
  static final class ConnectTimeoutException extends IOException {
    ConnectTimeoutException() {
      super("connect timed out");
    }
  }

  private static final int BODY_HEAD_LIMIT = 64 * 1024;
  private static final int LINE_LIMIT = 16 * 1024;
  private static final long IDLE_LIMIT_NANOS = 30_000_000_000L;
  /** A write of more than this may block on a webhook that does not read; a timer then closes the socket. */
  private static final int WATCHED_WRITE = 64 * 1024;

  private final int connectTimeoutMillis;
  private final long requestTimeoutNanos;
  private final ExecutorService workers;
  private final ScheduledExecutorService watchdog;
  private final Map<String, ConcurrentLinkedDeque<Connection>> idle = new ConcurrentHashMap<>();

  PlainHttpClient(Duration connectTimeout, Duration requestTimeout) {
    this.connectTimeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
    this.requestTimeoutNanos = requestTimeout.toNanos();
    AtomicInteger n = new AtomicInteger();
    this.workers = Executors.newCachedThreadPool(r -> {
      Thread t = new Worker(r, "k8vent-http-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "k8vent-http-timeout");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * A worker thread; {@code next} is a request started by the answer this thread just handled
   * (the queue sends the pod that was waiting), run on this thread when it is free instead of
   * waking another thread for it.
   */
  private static final class Worker extends Thread {
    Runnable next;

    Worker(Runnable r, String name) {
      super(r, name);
    }
  }

  /** POSTs {@code body} with {@code headers} (CRLF-terminated lines; Host and Content-Length are added). */
  CompletableFuture<Answer> post(URI url, String headers, byte[] body) {
    CompletableFuture<Answer> answer = new CompletableFuture<>();
    Runnable exchange = () -> {
      try {
        answer.complete(exchange(url, headers, body));
      } catch (IOException | RuntimeException e) {
        answer.completeExceptionally(e);
      }
    };
    if (Thread.currentThread() instanceof Worker w && w.next == null) {
      w.next = exchange;
    } else {
      workers.execute(() -> runWithFollowers(exchange));
    }
    return answer;
  }

  private static void runWithFollowers(Runnable first) {
    Worker self = (Worker) Thread.currentThread();
    for (Runnable r = first; r != null; r = self.next) {
      self.next = null;
      r.run();
    }
  }

  private Answer exchange(URI url, String headers, byte[] body) throws IOException {
    int port = url.getPort() == -1 ? 80 : url.getPort();
    String key = url.getHost() + ":" + port;
    byte[] request = request(url, port, headers, body);
    ConcurrentLinkedDeque<Connection> pool = idle.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>());
    Connection reused = takeIdle(pool);
    if (reused != null) {
      try {
        return exchangeOn(reused, pool, request);
      } catch (StaleConnectionException e) {
        // The server closed the kept-alive connection before reading this request; a new one may work.
      }
    }
    Connection fresh = Connection.open(url.getHost(), port, connectTimeoutMillis);
    try {
      return exchangeOn(fresh, pool, request);
    } catch (StaleConnectionException e) {
      throw new EOFException("the webhook closed the connection without answering");
    }
  }

  private static Connection takeIdle(ConcurrentLinkedDeque<Connection> pool) {
    long now = System.nanoTime();
    for (Connection c = pool.pollFirst(); c != null; c = pool.pollFirst()) {
      if (now - c.idleSince < IDLE_LIMIT_NANOS) {
        return c;
      }
      c.close();
    }
    return null;
  }

  private static byte[] request(URI url, int port, String headers, byte[] body) {
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    if (url.getRawQuery() != null) {
      path += "?" + url.getRawQuery();
    }
    String host = url.getHost().contains(":") && !url.getHost().startsWith("[") ? "[" + url.getHost() + "]" : url.getHost();
    String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + (url.getPort() == -1 ? "" : ":" + port) + "\r\n"
        + headers + "Content-Length: " + body.length + "\r\n\r\n";
    byte[] headBytes = head.getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, all, 0, headBytes.length);
    System.arraycopy(body, 0, all, headBytes.length, body.length);
    return all;
  }

  /** Nothing of an answer arrived on a connection the server may have closed meanwhile. */
  private static final class StaleConnectionException extends IOException {}

  private Answer exchangeOn(Connection c, ConcurrentLinkedDeque<Connection> pool, byte[] request) throws IOException {
    long deadline = System.nanoTime() + requestTimeoutNanos;
    boolean keep = false;
    AtomicBoolean timedOut = new AtomicBoolean();
    ScheduledFuture<?> timer = request.length <= WATCHED_WRITE ? null : watchdog.schedule(() -> {
      timedOut.set(true);
      c.close();
    }, requestTimeoutNanos, TimeUnit.NANOSECONDS);
    try {
      try {
        c.out.write(request);
        c.out.flush();
        c.setDeadline(deadline);
        c.in.mark(1);
        if (c.in.read() == -1) {
          throw new StaleConnectionException();
        }
        c.in.reset();
      } catch (SocketTimeoutException e) {
        throw new RequestTimeoutException();
      } catch (StaleConnectionException | RequestTimeoutException e) {
        throw e;
      } catch (IOException e) {
        if (timedOut.get()) {
          throw new RequestTimeoutException();
        }
        throw c.used ? new StaleConnectionException() : e;
      }
      c.used = true;
      Response r = readResponse(c, deadline);
      keep = r.keepAlive;
      return r.answer;
    } catch (SocketTimeoutException e) {
      throw new RequestTimeoutException();
    } finally {
      if (timer != null) {
        timer.cancel(false);
      }
      if (keep && !timedOut.get()) {
        c.idleSince = System.nanoTime();
        pool.offerFirst(c);
      } else {
        c.close();
      }
    }
  }

  private record Response(Answer answer, boolean keepAlive) {}

  private static Response readResponse(Connection c, long deadline) throws IOException {
    while (true) {
      String statusLine = readLine(c.in);
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        throw new IOException("not an HTTP/1.x answer: " + abbreviate(statusLine));
      }
      int status;
      try {
        status = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        throw new IOException("bad HTTP status line: " + abbreviate(statusLine));
      }
      long contentLength = -1;
      boolean chunked = false;
      boolean close = parts[0].equals("HTTP/1.0");
      String retryAfter = null;
      for (String line = readLine(c.in); !line.isEmpty(); line = readLine(c.in)) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
          continue;
        }
        String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = line.substring(colon + 1).trim();
        switch (name) {
          case "content-length" -> contentLength = parseLength(value);
          case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
          case "connection" -> {
            String v = value.toLowerCase(Locale.ROOT);
            close = v.contains("close") || (close && !v.contains("keep-alive"));
          }
          case "retry-after" -> retryAfter = retryAfter == null ? value : retryAfter;
          default -> { }
        }
      }
      if (status >= 100 && status < 200) {
        continue;
      }
      c.setDeadline(deadline);
      byte[] head;
      boolean reusable = !close;
      if (status == 204 || status == 304) {
        head = new byte[0];
      } else if (chunked) {
        head = readChunked(c.in);
      } else if (contentLength >= 0) {
        head = readExactly(c.in, contentLength);
      } else {
        head = readToEnd(c.in);
        reusable = false;
      }
      return new Response(new Answer(status, retryAfter, head), reusable);
    }
  }

  private static long parseLength(String value) throws IOException {
    try {
      long n = Long.parseLong(value);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IOException("bad Content-Length: " + abbreviate(value));
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "…" : s;
  }

  /** A CRLF- (or LF-) terminated line in ISO-8859-1, without its terminator. */
  private static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder(64);
    while (true) {
      int b = in.read();
      if (b == -1) {
        throw new EOFException("the webhook closed the connection in the middle of its answer");
      }
      if (b == '\n') {
        int end = sb.length();
        if (end > 0 && sb.charAt(end - 1) == '\r') {
          sb.setLength(end - 1);
        }
        return sb.toString();
      }
      if (sb.length() >= LINE_LIMIT) {
        throw new IOException("an answer line longer than " + LINE_LIMIT + " bytes");
      }
      sb.append((char) b);
    }
  }

  /** Reads n bytes, keeping the first {@link #BODY_HEAD_LIMIT}. */
  private static byte[] readExactly(InputStream in, long n) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream((int) Math.min(n, 1024));
    copy(in, n, head);
    return head.toByteArray();
  }

  private static void copy(InputStream in, long n, ByteArrayOutputStream head) throws IOException {
    byte[] buf = new byte[(int) Math.min(Math.max(n, 1), 8192)];
    long left = n;
    while (left > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (r == -1) {
        throw new EOFException("the webhook closed the connection in the middle of its answer");
      }
      keepHead(head, buf, r);
      left -= r;
    }
  }

  /** Keeps what fits of {@code buf[0..r)} in the first {@link #BODY_HEAD_LIMIT} bytes of the body. */
  private static void keepHead(ByteArrayOutputStream head, byte[] buf, int r) {
    int keep = Math.min(r, BODY_HEAD_LIMIT - head.size());
    if (keep > 0) {
      head.write(buf, 0, keep);
    }
  }

  private static byte[] readChunked(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream(256);
    while (true) {
      String line = readLine(in);
      int semi = line.indexOf(';');
      long size;
      try {
        size = Long.parseLong((semi >= 0 ? line.substring(0, semi) : line).trim(), 16);
      } catch (NumberFormatException e) {
        throw new IOException("bad chunk size: " + abbreviate(line));
      }
      if (size == 0) {
        while (!readLine(in).isEmpty()) {
          // trailer fields are not used
        }
        return head.toByteArray();
      }
      copy(in, size, head);
      readLine(in);
    }
  }

  private static byte[] readToEnd(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream(256);
    byte[] buf = new byte[8192];
    for (int r = in.read(buf); r != -1; r = in.read(buf)) {
      keepHead(head, buf, r);
    }
    return head.toByteArray();
  }

  private static final class Connection {
    final Socket socket;
    final BufferedInputStream in;
    final OutputStream out;
    boolean used;
    long idleSince;

    private Connection(Socket socket) throws IOException {
      this.socket = socket;
      this.in = new BufferedInputStream(socket.getInputStream(), 8192);
      this.out = socket.getOutputStream();
    }

    static Connection open(String host, int port, int connectTimeoutMillis) throws IOException {
      Socket socket = new Socket();
      try {
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
        return new Connection(socket);
      } catch (SocketTimeoutException e) {
        socket.close();
        throw new ConnectTimeoutException();
      } catch (IOException e) {
        socket.close();
        throw e;
      }
    }

    void setDeadline(long deadlineNanos) throws IOException {
      long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        throw new RequestTimeoutException();
      }
      socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
    }

    void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing is best effort
      }
    }
  }
}
