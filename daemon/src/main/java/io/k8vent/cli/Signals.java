package io.k8vent.cli;

import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT: the first starts a graceful stop (the daemon then exits 0, which a JVM
 * shutdown hook cannot do); a second one exits at once, after a last clean-up when one is given.
 */
public final class Signals {
  private Signals() {}

  public static void onTermination(Runnable gracefulStop) {
    onTermination(gracefulStop, () -> { });
  }

  /**
   * As {@link #onTermination(Runnable)}; the second signal runs {@code lastCleanUp} (which must be
   * quick: the user asked to stop now) before the process exits.
   */
  public static void onTermination(Runnable gracefulStop, Runnable lastCleanUp) {
    AtomicBoolean stopping = new AtomicBoolean();
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> {
        if (stopping.compareAndSet(false, true)) {
          Thread t = new Thread(gracefulStop, "k8vent-shutdown");
          t.start();
        } else {
          try {
            lastCleanUp.run();
          } finally {
            Runtime.getRuntime().halt(128 + signal.getNumber());
          }
        }
      });
    }
  }
}
