package io.k8vent.delivery;

import java.util.concurrent.TimeUnit;

/**
 * The time as {@link Dispatcher#drain} sees it, and how it waits for the queues within it; tests
 * substitute one whose time passes at once.
 */
interface DrainClock {
  /** The clock's reading in nanoseconds, as {@link System#nanoTime()}: only differences mean anything. */
  long nanoTime();

  /**
   * Waits on {@code monitor}, which the caller holds, until it is notified or {@code nanos} have
   * passed, as {@link TimeUnit#timedWait}.
   */
  void timedWait(Object monitor, long nanos) throws InterruptedException;

  /** Real time. */
  DrainClock SYSTEM = new DrainClock() {
    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public void timedWait(Object monitor, long nanos) throws InterruptedException {
      TimeUnit.NANOSECONDS.timedWait(monitor, nanos);
    }
  };
}
