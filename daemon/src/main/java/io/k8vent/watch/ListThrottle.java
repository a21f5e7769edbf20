package io.k8vent.watch;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the informer from running far ahead of k8vent's handler during a list. fabric8 parses each
 * list page, puts its pods into the store and queues one notification per changed pod for the
 * handler, with no limit; parsed pods waiting there outlive young collections and are promoted
 * (BENCHMARKS.md, round 3). Contract: while a list is read, the store waits in
 * {@link #awaitRoom()} while {@code limit} notifications are outstanding, so the next page is read
 * only as fast as pods are handed over. Watch events are never held back: they come at the API
 * server's pace, not a page at a time. The count only mirrors fabric8's bookkeeping, so it is
 * reset at each onList (every notification of a list is handled before it), and a wait that times
 * out turns the limit off until then: a miscount can slow a list down once, never stop it.
 */
final class ListThrottle {
  /** How long {@link #awaitRoom()} waits at most before it turns the limit off until the next onList. */
  static final Duration MAX_WAIT = Duration.ofSeconds(2);

  /**
   * How {@link #awaitRoom()} waits on the throttle, whose monitor it holds: until notified or
   * {@code nanos} have passed. Returns the nanos still left of them, 0 or less once they have passed,
   * as {@link java.util.concurrent.locks.Condition#awaitNanos} does.
   */
  @FunctionalInterface
  interface Waiter {
    long awaitNanos(Object monitor, long nanos) throws InterruptedException;
  }

  /** Waits on the monitor for real time. */
  static final Waiter TIMED_WAIT = (monitor, nanos) -> {
    long start = System.nanoTime();
    TimeUnit.NANOSECONDS.timedWait(monitor, nanos);
    return nanos - (System.nanoTime() - start);
  };

  private final int limit;
  private final Waiter waiter;
  private int outstanding;
  private boolean off;
  private boolean listing = true;

  ListThrottle(int limit) {
    this(limit, TIMED_WAIT);
  }

  ListThrottle(int limit, Waiter waiter) {
    this.limit = limit;
    this.waiter = waiter;
  }

  /** Called by the store before it takes a pod: waits while the handler is {@code limit} behind. */
  synchronized void awaitRoom() {
    long left = MAX_WAIT.toNanos();
    try {
      while (listing && outstanding >= limit && !off) {
        if (left <= 0) {
          off = true;
          return;
        }
        left = waiter.awaitNanos(this, left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The store took a pod that fabric8 notifies the handler of (new, changed or removed). */
  synchronized void queued() {
    if (listing) {
      outstanding++;
    }
  }

  /** The handler finished with one notification; only a list has a store waiting for that. */
  synchronized void handled() {
    if (listing && outstanding > 0) {
      outstanding--;
      notifyAll();
    }
  }

  /** The handler saw onList: every notification of that list was handled before it; the watch follows. */
  synchronized void listHandled() {
    listing = false;
    outstanding = 0;
    off = false;
    notifyAll();
  }

  /** The handler saw onBeforeList: the informer lists again (after an expired resourceVersion or an error). */
  synchronized void listing() {
    listing = true;
  }
}
