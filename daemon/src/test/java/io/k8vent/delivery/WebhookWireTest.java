package io.k8vent.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.k8vent.testing.AcceptLoop;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * HttpSender against servers on loopback that answer with exact bytes: the shapes of answer a
 * webhook may give, connections it closes, and answers it never gives.
 */
class WebhookWireTest {
  private final List<RawServer> servers = new ArrayList<>();
  private final HttpSender sender = new HttpSender(Duration.ofSeconds(2), Duration.ofMillis(800), null, "k8vent/test");

  @AfterEach
  void stopServers() throws IOException {
    sender.close();
    for (RawServer s : servers) {
      s.close();
    }
  }

  /** Answers each request on a connection with handler's bytes; handler returns false to close it. */
  interface Handler {
    boolean answer(String head, byte[] body, OutputStream out, int requestNumber) throws IOException;
  }

  final class RawServer implements AutoCloseable {
    final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    final List<String> heads = new CopyOnWriteArrayList<>();
    final List<byte[]> bodies = new CopyOnWriteArrayList<>();
    final List<Socket> accepted = new CopyOnWriteArrayList<>();

    RawServer(Handler handler) throws IOException {
      servers.add(this);
      AcceptLoop.serveEach(socket, c -> {
        accepted.add(c);
        connections.incrementAndGet();
        serve(c, handler);
      });
    }

    private void serve(Socket c, Handler handler) {
      try (c) {
        InputStream in = c.getInputStream();
        while (true) {
          String head = readHead(in);
          if (head == null) {
            return;
          }
          int length = 0;
          for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
              length = Integer.parseInt(line.substring(15).trim());
            }
          }
          byte[] body = in.readNBytes(length);
          heads.add(head);
          bodies.add(body);
          if (!handler.answer(head, body, c.getOutputStream(), requests.incrementAndGet())) {
            return;
          }
        }
      } catch (IOException e) {
        // the client went away
      }
    }

    URI url() {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/hook?team=T1");
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket s : accepted) {
        s.close();
      }
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b == -1) {
        return null;
      }
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private static boolean write(OutputStream out, String answer) throws IOException {
    out.write(answer.getBytes(StandardCharsets.UTF_8));
    out.flush();
    return true;
  }

  /** Answers each connection's first request with {@code answer}, then closes the connection. */
  private static Handler answerOnceAndClose(String answer) {
    return (head, body, out, n) -> {
      write(out, answer);
      return false;
    };
  }

  private SendResult send(URI url, Delivery d) throws Exception {
    return sender.send(url, d).get(10, TimeUnit.SECONDS);
  }

  /** The value of the one header named {@code name} (any case, as HTTP says) in a request head. */
  static String header(String head, String name) {
    List<String> values = head.lines().filter(l -> l.regionMatches(true, 0, name + ":", 0, name.length() + 1))
        .map(l -> l.substring(name.length() + 1).trim()).toList();
    assertThat(values).as("header %s in %s", name, head).hasSize(1);
    return values.get(0);
  }

  @Test
  void sendsExactlyTheHeadersAndBodyAndReusesTheConnection() throws Exception {
    RawServer server = new RawServer((head, body, out, n) ->
        write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    Delivery first = WebhookQueueTest.state("a", 1);
    for (int rv = 1; rv <= 3; rv++) {
      assertThat(send(server.url(), WebhookQueueTest.state("a", rv)).status()).isEqualTo(200);
    }
    assertThat(send(server.url(), first).succeeded()).isTrue();

    assertThat(server.connections.get()).isEqualTo(1);
    String head = server.heads.get(3);
    assertThat(head).startsWith("POST /hook?team=T1 HTTP/1.1\r\n");
    assertThat(header(head, "Host")).isEqualTo("127.0.0.1:" + server.socket.getLocalPort());
    assertThat(header(head, "Content-Type")).isEqualTo("application/json");
    assertThat(header(head, "User-Agent")).isEqualTo("k8vent/test");
    assertThat(header(head, "X-K8vent-Event")).isEqualTo("MODIFIED");
    assertThat(header(head, "X-K8vent-Delivery")).isEqualTo(first.deliveryId());
    assertThat(header(head, "Content-Length")).isEqualTo(String.valueOf(first.body().length));
    assertThat(server.bodies.get(3)).isEqualTo(first.body());
  }

  @Test
  void readsChunkedAnswersRetryAfterAndCorrelationIds() throws Exception {
    String json = "{\"correlation_id\":\"c0ffee-7\"}";
    RawServer server = new RawServer((head, body, out, n) -> n == 1
        ? write(out, "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nContent-Length: 4\r\n\r\nbusy")
        : write(out, "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n"
            + Integer.toHexString(10) + "\r\n" + json.substring(0, 10) + "\r\n"
            + Integer.toHexString(json.length() - 10) + ";ext=1\r\n" + json.substring(10) + "\r\n0\r\n\r\n"));

    SendResult busy = send(server.url(), WebhookQueueTest.state("a", 1));
    SendResult accepted = send(server.url(), WebhookQueueTest.state("a", 2));

    assertThat(busy.status()).isEqualTo(503);
    assertThat(busy.retryAfter()).isEqualTo(Duration.ofSeconds(7));
    assertThat(busy.describe()).isEqualTo("HTTP 503: busy");
    assertThat(accepted.status()).isEqualTo(202);
    assertThat(accepted.correlationId()).isEqualTo("c0ffee-7");
    assertThat(server.connections.get()).isEqualTo(1);
  }

  @Test
  void aConnectionTheWebhookClosedIsReplacedWithoutLosingTheDelivery() throws Exception {
    RawServer server = new RawServer(answerOnceAndClose("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    assertThat(send(server.url(), WebhookQueueTest.state("a", 1)).status()).isEqualTo(200);
    assertThat(send(server.url(), WebhookQueueTest.state("a", 2)).status()).isEqualTo(200);

    assertThat(server.requests.get()).isEqualTo(2);
    assertThat(server.connections.get()).isEqualTo(2);
  }

  @Test
  void anAnswerWithoutLengthEndsWithTheConnection() throws Exception {
    RawServer server = new RawServer(
        answerOnceAndClose("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\r\nmissing   field\nteam"));
    SendResult result = send(server.url(), WebhookQueueTest.state("a", 1));

    assertThat(result.status()).isEqualTo(400);
    assertThat(result.describe()).isEqualTo("HTTP 400: missing field team");
    assertThat(send(server.url(), WebhookQueueTest.state("a", 2)).status()).isEqualTo(400);
    assertThat(server.connections.get()).isEqualTo(2);
  }

  @Test
  void aWebhookThatNeverAnswersTimesOutAndOneThatIsNotThereIsRefused() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    RawServer silent = new RawServer((head, body, out, n) -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return false;
    });
    SendResult timedOut = send(silent.url(), WebhookQueueTest.state("a", 1));
    release.countDown();
    assertThat(timedOut.status()).isEqualTo(-1);
    assertThat(timedOut.describe()).startsWith("request timed out after 800 ms");
    assertThat(timedOut.transientFailure()).isTrue();

    URI gone;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      gone = URI.create("http://127.0.0.1:" + s.getLocalPort() + "/hook");
    }
    SendResult refused = send(gone, WebhookQueueTest.state("a", 2));
    assertThat(refused.describe()).isEqualTo("connection refused or unreachable");
  }

  @Test
  void aLargePayloadToAWebhookThatStopsReadingTimesOut() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ServerSocket server = new ServerSocket();
    server.setReceiveBufferSize(4096);
    server.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread acceptor = new Thread(() -> {
      try (Socket c = server.accept()) {
        release.await();
      } catch (IOException | InterruptedException e) {
        // the test is over
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();
    byte[] big = new byte[32 * 1024 * 1024];
    java.util.Arrays.fill(big, (byte) 'x');
    Delivery huge = new Delivery("uid-a", "ns/a", "MODIFIED", "1", big, null, "d-1", System.nanoTime());
    try (server) {
      SendResult result = send(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/hook"), huge);
      assertThat(result.describe()).startsWith("request timed out after 800 ms");
    } finally {
      release.countDown();
    }
  }
}
