package io.k8vent.net;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;

/**
 * The process's one Vert.x instance: the event loops that carry every HTTP connection, to the
 * Kubernetes API and to webhooks. Fixed, small pools: two event loops (one per core of the
 * machines k8vent is sized for), two worker threads; no thread is ever started per request.
 */
public final class VertxRuntime {
  private VertxRuntime() {}

  public static Vertx create() {
    // Names are resolved by k8vent (Destinations) or, for the API server, by the JDK, as fabric8 does.
    System.setProperty("vertx.disableDnsResolver", "true");
    return Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(2)
        .setWorkerPoolSize(2)
        .setInternalBlockingPoolSize(2)
        .setUseDaemonThread(true)
        .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false).setClassPathResolvingEnabled(false)));
  }
}
