package io.k8vent.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.k8vent.testing.AcceptLoop;
import io.k8vent.testing.SelfSignedTls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLServerSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Webhooks that answer in ways meant to hold k8vent up, over http and https: each attempt ends
 * with the one deadline (--request-timeout) or the answer cap, and the connection is closed.
 */
class HostileWebhookTest {
  private static final Duration DEADLINE = Duration.ofSeconds(1);

  @TempDir
  Path dir;

  private SelfSignedTls tls;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final ScheduledExecutorService drip = Executors.newSingleThreadScheduledExecutor();

  @BeforeEach
  void setUp() throws Exception {
    tls = SelfSignedTls.create(dir);
  }

  @AfterEach
  void tearDown() throws Exception {
    drip.shutdownNow();
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  /** What a hostile server does with one connection once it has read the request. */
  interface Behaviour {
    void answer(OutputStream out) throws Exception;
  }

  /** Accepts connections (TLS or not), reads each request whole, then behaves; notes when k8vent hangs up. */
  final class HostileServer implements AutoCloseable {
    final ServerSocket socket;
    final CountDownLatch hungUp = new CountDownLatch(1);
    final AtomicLong bytesWritten = new AtomicLong();

    HostileServer(boolean https, boolean readsRequest, Behaviour behaviour) throws IOException {
      socket = https
          ? tls.serverContext().getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress())
          : new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      if (socket instanceof SSLServerSocket ssl) {
        ssl.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
      }
      closeables.add(this);
      AcceptLoop.serveEach(socket, c -> serve(c, readsRequest, behaviour));
    }

    private void serve(Socket c, boolean readsRequest, Behaviour behaviour) {
      try (c) {
        if (readsRequest) {
          readRequest(c.getInputStream());
        }
        OutputStream counting = new OutputStream() {
          final OutputStream out = c.getOutputStream();

          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            out.flush();
            bytesWritten.addAndGet(len);
          }
        };
        behaviour.answer(counting);
        // Wait for k8vent to hang up: a read that ends or fails.
        while (c.getInputStream().read() != -1) {
          continue;
        }
      } catch (Exception e) {
        // k8vent closed the connection while we were writing: what these tests expect
      } finally {
        hungUp.countDown();
      }
    }

    URI url() {
      return URI.create((socket instanceof SSLServerSocket ? "https" : "http") + "://127.0.0.1:" + socket.getLocalPort() + "/hook");
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static void readRequest(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("request ended early");
      }
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String text = head.toString(StandardCharsets.ISO_8859_1);
    int length = text.lines().filter(l -> l.regionMatches(true, 0, "content-length:", 0, 15))
        .mapToInt(l -> Integer.parseInt(l.substring(15).trim())).findFirst().orElse(0);
    in.readNBytes(length);
  }

  private SendResult send(boolean https, URI url, Delivery delivery) throws Exception {
    try (HttpSender sender = new HttpSender(Duration.ofSeconds(2), DEADLINE, https ? tls.caFile() : null, "k8vent/test")) {
      return sender.send(url, delivery).get(30, TimeUnit.SECONDS);
    }
  }

  /** Writes {@code piece} every 100 ms until the connection fails; never returns normally. */
  private void forever(OutputStream out, byte[] piece) throws Exception {
    CountDownLatch failed = new CountDownLatch(1);
    drip.scheduleAtFixedRate(() -> {
      try {
        out.write(piece);
      } catch (IOException e) {
        failed.countDown();
        throw new IllegalStateException("connection closed", e);
      }
    }, 0, 100, TimeUnit.MILLISECONDS);
    failed.await();
    throw new IOException("closed by k8vent");
  }

  @ParameterizedTest(name = "https={0}")
  @ValueSource(booleans = {false, true})
  void aWebhookThatTricklesItsHeadersIsCutOffAtTheDeadline(boolean https) throws Exception {
    HostileServer server = new HostileServer(https, true, out -> {
      out.write("HTTP/1.1 200 OK\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
      forever(out, "a".getBytes(StandardCharsets.US_ASCII));
    });

    SendResult result = send(https, server.url(), WebhookQueueTest.state("a", 1));

    assertThat(result.describe()).startsWith("request timed out after 1000 ms");
    assertThat(result.transientFailure()).isTrue();
    assertThat(server.hungUp.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @ParameterizedTest(name = "https={0}")
  @ValueSource(booleans = {false, true})
  void anEndlessBodyIsReadUpToTheCapThenTheConnectionIsClosed(boolean https) throws Exception {
    byte[] chunk = new byte[4096];
    Arrays.fill(chunk, (byte) 'x');
    byte[] framed = ("1000\r\n" + new String(chunk, StandardCharsets.US_ASCII) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    HostileServer server = new HostileServer(https, true, out -> {
      out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      while (true) {
        out.write(framed);
      }
    });

    SendResult result = send(https, server.url(), WebhookQueueTest.state("a", 1));

    assertThat(result.status()).isEqualTo(200);
    assertThat(server.hungUp.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(result.bodyExcerpt()).hasSizeLessThanOrEqualTo(201);
  }

  @ParameterizedTest(name = "https={0}")
  @ValueSource(booleans = {false, true})
  void endlessInterimAnswersNeverCountAsAnAnswer(boolean https) throws Exception {
    HostileServer server = new HostileServer(https, true,
        out -> forever(out, "HTTP/1.1 102 Processing\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));

    SendResult result = send(https, server.url(), WebhookQueueTest.state("a", 1));

    assertThat(result.succeeded()).isFalse();
    assertThat(result.transientFailure()).isTrue();
    assertThat(server.hungUp.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @ParameterizedTest(name = "https={0}")
  @ValueSource(booleans = {false, true})
  void hugeHeadersAreRefusedNotBuffered(boolean https) throws Exception {
    byte[] big = new byte[32 * 1024 * 1024];
    Arrays.fill(big, (byte) 'h');
    HostileServer server = new HostileServer(https, true, out -> {
      out.write("HTTP/1.1 200 OK\r\nX-Big: ".getBytes(StandardCharsets.US_ASCII));
      out.write(big);
      out.write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    });

    SendResult result = send(https, server.url(), WebhookQueueTest.state("a", 1));

    assertThat(result.status()).isEqualTo(-1);
    assertThat(result.transientFailure()).isTrue();
    assertThat(server.hungUp.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(server.bytesWritten.get()).isLessThan(big.length);
  }

  @ParameterizedTest(name = "https={0}")
  @ValueSource(booleans = {false, true})
  void aWebhookThatNeverReadsALargeBodyIsCutOffAtTheDeadline(boolean https) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    HostileServer server = new HostileServer(https, false, out -> release.await());
    byte[] body = new byte[32 * 1024 * 1024];
    Arrays.fill(body, (byte) 'x');
    Delivery huge = new Delivery("uid-a", "ns/a", "MODIFIED", "1", body, null, "d-1", System.nanoTime());
    try {
      SendResult result = send(https, server.url(), huge);

      assertThat(result.describe()).startsWith("request timed out after 1000 ms");
    } finally {
      release.countDown();
    }
  }
}
