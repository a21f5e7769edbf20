package io.k8vent;

/**
 * On one or two CPUs the common fork-join pool gets a single thread, and then CompletableFuture's
 * default executor, through which the JDK HTTP client completes every response, starts a new
 * thread per task: about 10,000 threads during a 10,000-pod initial sync and a third of the
 * delivery rate (bench/run, see BENCHMARKS.md). Two threads make it a pool again.
 */
public final class CommonPool {
  private static final String PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  private CommonPool() {}

  /**
   * Gives the common pool two threads. Call first thing in {@code main}, before any
   * CompletableFuture exists: the JDK reads the setting once. An explicit {@code -D} setting wins.
   */
  public static void useTwoThreads() {
    if (System.getProperty(PARALLELISM) == null) {
      System.setProperty(PARALLELISM, "2");
    }
  }
}
