package io.k8vent.delivery;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * Caps webhook requests in flight over all queues. A queue that finds no room waits in line and is
 * woken, on {@code wakeups}, when a request ends; it never holds this lock while taking its own, so
 * the two locks cannot deadlock.
 */
final class InFlightBudget {
  private final int limit;
  private final Executor wakeups;
  private final ArrayDeque<WebhookQueue> waiting = new ArrayDeque<>();
  private int inFlight;

  InFlightBudget(int limit, Executor wakeups) {
    this.limit = limit;
    this.wakeups = wakeups;
  }

  /** Takes room for one request, or puts {@code queue} in line to be woken and returns false. */
  synchronized boolean tryAcquire(WebhookQueue queue) {
    if (inFlight < limit) {
      inFlight++;
      return true;
    }
    if (!waiting.contains(queue)) {
      waiting.add(queue);
    }
    return false;
  }

  /** A request ended: the first queue in line, if any, is woken to start its next one. */
  void release() {
    WebhookQueue next;
    synchronized (this) {
      inFlight--;
      next = waiting.poll();
    }
    if (next != null) {
      try {
        wakeups.execute(next::wake);
      } catch (java.util.concurrent.RejectedExecutionException stopped) {
        // The dispatcher stopped: nothing is sent any more.
      }
    }
  }
}
