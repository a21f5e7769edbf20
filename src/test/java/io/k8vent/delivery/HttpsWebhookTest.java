package io.k8vent.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** https:// webhooks: a certificate from a private CA is trusted with --webhook-ca-file, and only then. */
class HttpsWebhookTest {
  @TempDir
  Path dir;

  private HttpsServer server;
  private final List<byte[]> bodies = new CopyOnWriteArrayList<>();
  private Path caFile;

  @BeforeEach
  void startServer() throws Exception {
    Path keystore = dir.resolve("hook.p12");
    caFile = dir.resolve("hook-ca.pem");
    keytool("-genkeypair", "-alias", "hook", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
        "-ext", "san=ip:127.0.0.1", "-validity", "2", "-keystore", keystore.toString(), "-storetype", "PKCS12",
        "-storepass", "changeit", "-keypass", "changeit");
    keytool("-exportcert", "-rfc", "-alias", "hook", "-keystore", keystore.toString(), "-storepass", "changeit",
        "-file", caFile.toString());
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    server.createContext("/hook", exchange -> {
      bodies.add(exchange.getRequestBody().readAllBytes());
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("keytool %s: %s", args[0], out).isZero();
  }

  private URI url() {
    return URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/hook");
  }

  @Test
  void aPrivateCaGivenWithTheCaFileIsTrusted() throws Exception {
    HttpSender sender = new HttpSender(Duration.ofSeconds(2), Duration.ofSeconds(5), caFile, "k8vent/test");
    Delivery d = WebhookQueueTest.state("a", 1);

    SendResult result = sender.send(url(), d).get(10, TimeUnit.SECONDS);

    assertThat(result.status()).isEqualTo(200);
    assertThat(bodies).containsExactly(d.body());
  }

  @Test
  void withoutTheCaFileTheHandshakeFailsWithAHint() throws Exception {
    HttpSender sender = new HttpSender(Duration.ofSeconds(2), Duration.ofSeconds(5), null, "k8vent/test");

    SendResult result = sender.send(url(), WebhookQueueTest.state("a", 1)).get(10, TimeUnit.SECONDS);

    assertThat(result.status()).isEqualTo(-1);
    assertThat(result.describe()).startsWith("TLS handshake failed").endsWith("pass its certificate with --webhook-ca-file");
    assertThat(bodies).isEmpty();
  }
}
