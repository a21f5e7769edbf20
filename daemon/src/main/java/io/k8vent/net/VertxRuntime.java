package io.k8vent.net;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;

/**
 * The process's one Vert.x instance: the event loops that carry every HTTP connection, to the
 * Kubernetes API and to webhooks. Fixed, small pools: two event loops (one per core of the
 * machines k8vent is sized for), two worker threads; no thread is ever started per request.
 *
 * <p>Netty's pooled buffers come from one arena of each kind instead of two per core: every
 * thread that allocates otherwise holds chunks of its own arena, which costs memory for no speed
 * with so few threads (BENCHMARKS.md, round 6). Its chunks are 256 KiB instead of 4 MiB: the
 * buffers k8vent's connections take are mostly socket reads and TLS records of at most 64 KiB (a
 * larger one is allocated on its own), and the one direct arena held a 4 MiB chunk mostly empty
 * (BENCHMARKS.md, round 9). Must run before Netty's allocator is first used; an explicit
 * {@code -Dio.netty.allocator.*} setting wins.
 */
public final class VertxRuntime {
  static final String DIRECT_ARENAS = "io.netty.allocator.numDirectArenas";
  static final String HEAP_ARENAS = "io.netty.allocator.numHeapArenas";
  /** log2 of a chunk's size in 8 KiB pages: 5 is 256 KiB. */
  static final String MAX_ORDER = "io.netty.allocator.maxOrder";

  private VertxRuntime() {}

  public static Vertx create() {
    // Names are resolved by k8vent (Destinations) or, for the API server, by the JDK, as fabric8 does.
    System.setProperty("vertx.disableDnsResolver", "true");
    setUnlessSet(DIRECT_ARENAS, "1");
    setUnlessSet(HEAP_ARENAS, "1");
    setUnlessSet(MAX_ORDER, "5");
    return Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(2)
        .setWorkerPoolSize(2)
        .setInternalBlockingPoolSize(2)
        .setUseDaemonThread(true)
        .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false).setClassPathResolvingEnabled(false)));
  }

  private static void setUnlessSet(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }
}
