package io.k8vent.testing;

import io.k8vent.net.VertxRuntime;
import io.vertx.core.Vertx;

/** One set of event loops for the tests of this JVM, as a k8vent process has one. */
public final class TestLoop {
  private static Vertx vertx;

  private TestLoop() {}

  public static synchronized Vertx vertx() {
    if (vertx == null) {
      vertx = VertxRuntime.create();
    }
    return vertx;
  }
}
