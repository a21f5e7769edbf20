package io.k8vent.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on loopback that counts the bytes a server sends back through it: what a client
 * really received on the wire, whatever it made of them (TLS passes through untouched).
 */
public final class CountingRelay implements AutoCloseable {
  private final ServerSocket socket;
  private final AtomicLong fromServer = new AtomicLong();

  public CountingRelay(InetSocketAddress server) throws IOException {
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    AcceptLoop.serveEach(socket, client -> {
      try (client; Socket upstream = new Socket(server.getAddress(), server.getPort())) {
        Thread up = new Thread(() -> copy(client, upstream, null));
        up.setDaemon(true);
        up.start();
        copy(upstream, client, fromServer);
      } catch (IOException e) {
        // a side closed: the relayed connection ends
      }
    });
  }

  private static void copy(Socket from, Socket to, AtomicLong counter) {
    byte[] buffer = new byte[16384];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      for (int n; (n = in.read(buffer)) > 0; ) {
        out.write(buffer, 0, n);
        if (counter != null) {
          counter.addAndGet(n);
        }
      }
      to.shutdownOutput();
    } catch (IOException e) {
      // a side closed: the relayed connection ends
    }
  }

  public int port() {
    return socket.getLocalPort();
  }

  /** Bytes the server sent through the relay so far. */
  public long bytesFromServer() {
    return fromServer.get();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
