package io.k8vent.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.Consumer;

/** A raw test server's accept loop: each connection served on a daemon thread of its own until the socket closes. */
public final class AcceptLoop {
  private AcceptLoop() {}

  public static void serveEach(ServerSocket socket, Consumer<Socket> serve) {
    Thread acceptor = new Thread(() -> {
      while (!socket.isClosed()) {
        try {
          Socket c = socket.accept();
          Thread t = new Thread(() -> serve.accept(c));
          t.setDaemon(true);
          t.start();
        } catch (IOException closed) {
          return;
        }
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();
  }
}
