package io.k8vent.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.k8vent.testing.SelfSignedTls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * https:// webhooks: a certificate from a private CA is trusted with --webhook-ca-file, and only
 * then; ChaCha20-Poly1305 is offered first.
 */
class HttpsWebhookTest {
  @TempDir
  Path dir;

  private HttpsServer server;
  private final List<byte[]> bodies = new CopyOnWriteArrayList<>();
  private SelfSignedTls tls;

  private final List<String> cipherSuites = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startServer() throws Exception {
    tls = SelfSignedTls.create(dir);
    serve(new HttpsConfigurator(tls.serverContext()));
  }

  private void serve(HttpsConfigurator configurator) throws Exception {
    if (server != null) {
      server.stop(0);
    }
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(configurator);
    server.createContext("/hook", exchange -> {
      bodies.add(exchange.getRequestBody().readAllBytes());
      cipherSuites.add(((HttpsExchange) exchange).getSSLSession().getCipherSuite());
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    server.start();
  }

  /** A webhook server that picks the first suite of the client's list it supports, of {@code suites} when given. */
  private HttpsConfigurator honouringTheClientsOrder(String... suites) {
    return new HttpsConfigurator(tls.serverContext()) {
      @Override
      public void configure(HttpsParameters params) {
        SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
        parameters.setUseCipherSuitesOrder(false);
        if (suites.length > 0) {
          parameters.setCipherSuites(suites);
        }
        params.setSSLParameters(parameters);
      }
    };
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  private URI url(String host) {
    return URI.create("https://" + host + ":" + server.getAddress().getPort() + "/hook");
  }

  @Test
  void aPrivateCaGivenWithTheCaFileIsTrustedForTheAddressAndTheName() throws Exception {
    try (HttpSender sender = new HttpSender(Duration.ofSeconds(2), Duration.ofSeconds(5), tls.caFile(), "k8vent/test")) {
      Delivery d = WebhookQueueTest.state("a", 1);
      Delivery named = WebhookQueueTest.state("a", 2);

      SendResult result = sender.send(url("127.0.0.1"), d).get(10, TimeUnit.SECONDS);
      SendResult byName = sender.send(url("localhost"), named).get(10, TimeUnit.SECONDS);

      assertThat(result.status()).isEqualTo(200);
      assertThat(byName.status()).isEqualTo(200);
      assertThat(bodies).containsExactly(d.body(), named.body());
    }
  }

  @Test
  void withoutTheCaFileTheHandshakeFailsWithAHint() throws Exception {
    try (HttpSender sender = new HttpSender(Duration.ofSeconds(2), Duration.ofSeconds(5), null, "k8vent/test")) {
      SendResult result = sender.send(url("127.0.0.1"), WebhookQueueTest.state("a", 1)).get(10, TimeUnit.SECONDS);

      assertThat(result.status()).isEqualTo(-1);
      assertThat(result.describe()).startsWith("TLS handshake failed").endsWith("pass its certificate with --webhook-ca-file");
      assertThat(bodies).isEmpty();
    }
  }

  @Test
  void chaCha20IsOfferedFirstAndAesGcmStillWorks() throws Exception {
    serve(honouringTheClientsOrder());
    try (HttpSender sender = new HttpSender(Duration.ofSeconds(2), Duration.ofSeconds(5), tls.caFile(), "k8vent/test")) {
      assertThat(sender.send(url("127.0.0.1"), WebhookQueueTest.state("a", 1)).get(10, TimeUnit.SECONDS).status())
          .isEqualTo(200);
    }
    serve(honouringTheClientsOrder("TLS_AES_128_GCM_SHA256"));
    try (HttpSender sender = new HttpSender(Duration.ofSeconds(2), Duration.ofSeconds(5), tls.caFile(), "k8vent/test")) {
      assertThat(sender.send(url("127.0.0.1"), WebhookQueueTest.state("a", 2)).get(10, TimeUnit.SECONDS).status())
          .isEqualTo(200);
    }

    assertThat(cipherSuites).containsExactly("TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256");
  }
}
