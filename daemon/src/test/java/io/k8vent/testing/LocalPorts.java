package io.k8vent.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Loopback ports for processes a test starts, and their HTTP endpoints. */
public final class LocalPorts {
  private LocalPorts() {}

  /** A port nothing listens on right now. */
  public static int free() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * {@code count} connections to 127.0.0.1:{@code port}, each holding half a GET of {@code path} (the
   * request line and one header, never the blank line that ends it), as a slow or hostile client does.
   * The caller closes them.
   */
  public static List<Socket> halfRequests(int port, String path, int count) throws IOException {
    List<Socket> sockets = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
      sockets.add(s);
      OutputStream out = s.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }
    return sockets;
  }

  /** The status of a GET of {@code path} on 127.0.0.1:{@code port} (answered within a minute). */
  public static int status(int port, String path) throws IOException, InterruptedException {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
