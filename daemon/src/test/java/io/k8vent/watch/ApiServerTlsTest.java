package io.k8vent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.k8vent.testing.SelfSignedTls;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connection to the API server offers ChaCha20-Poly1305 first, as the kube-apiserver (Go)
 * honours, and still reaches a server that only has AES-GCM. The server here is a TLS socket that
 * answers {@code /version} and records the suite each connection agreed on.
 */
class ApiServerTlsTest {
  private static final String VERSION = "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.4\"}";

  @TempDir
  Path dir;

  private final List<String> agreed = new CopyOnWriteArrayList<>();

  @Test
  void chaCha20IsOfferedFirstAndAnAesGcmOnlyServerIsStillReached() throws Exception {
    SelfSignedTls tls = SelfSignedTls.create(dir);

    connectTo(tls);
    connectTo(tls, "TLS_AES_128_GCM_SHA256");

    assertThat(agreed).containsExactly("TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256");
  }

  /** Connects k8vent's client to a server that picks the first suite of the client's it has (of {@code suites} when given). */
  private void connectTo(SelfSignedTls tls, String... suites) throws Exception {
    try (SSLServerSocket server = (SSLServerSocket) tls.serverContext().getServerSocketFactory()
        .createServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      SSLParameters parameters = server.getSSLParameters();
      parameters.setUseCipherSuitesOrder(false);
      if (suites.length > 0) {
        parameters.setCipherSuites(suites);
      }
      server.setSSLParameters(parameters);
      Thread api = new Thread(() -> answerVersion(server), "fake-api");
      api.start();
      Path kubeconfig = dir.resolve("kubeconfig-" + server.getLocalPort());
      Files.writeString(kubeconfig, """
          apiVersion: v1
          kind: Config
          clusters:
          - name: fake
            cluster:
              server: https://127.0.0.1:%d
              certificate-authority: %s
          users:
          - name: fake
            user:
              token: fake-token
          contexts:
          - name: fake
            context: {cluster: fake, user: fake}
          current-context: fake
          """.formatted(server.getLocalPort(), tls.caFile()));
      try (KubernetesClient client = KubeClients.connect(kubeconfig, null, Map.of(), null, false)) {
        assertThat(client.getMasterUrl().getPort()).isEqualTo(server.getLocalPort());
      }
      api.join(10_000);
    }
  }

  private void answerVersion(SSLServerSocket server) {
    try (SSLSocket socket = (SSLSocket) server.accept()) {
      socket.startHandshake();
      agreed.add(socket.getSession().getCipherSuite());
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      String line;
      do {
        line = in.readLine();
      } while (line != null && !line.isEmpty());
      OutputStream out = socket.getOutputStream();
      out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + VERSION.length()
          + "\r\nConnection: close\r\n\r\n" + VERSION).getBytes(StandardCharsets.US_ASCII));
      out.flush();
    } catch (IOException e) {
      agreed.add("failed: " + e);
    }
  }
}
