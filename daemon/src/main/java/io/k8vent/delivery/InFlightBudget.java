package io.k8vent.delivery;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Caps webhook requests in flight over all queues, keeping room for the operator's webhooks: the
 * queues of pods' annotation URLs together never hold more than {@code limit - reserved}, so however
 * many slow webhooks pod authors point at, the operator's queues always find {@code reserved}
 * requests' room.
 *
 * <p>Queues that find no room wait in line, one line for the operator's queues and one for the
 * others, and are served in turn: the room a finished request frees is handed to the first queue in
 * line (the operator's line first) rather than left for whoever asks next, so a busy queue that
 * starts its next request at once cannot keep a waiting one out. The queue handed room is woken on
 * {@code wakeups}; room it no longer needs is passed on. No queue's lock is held while this one's is
 * taken, so the two locks cannot deadlock.
 */
final class InFlightBudget {
  /** A queue as the budget sees it. */
  interface Waiter {
    /** Whether the queue is one of the operator's webhooks (decided once, when it is made). */
    boolean operator();

    /** Room was handed over: start a request with it, or give it back with {@link #giveBack}. */
    void wake();
  }

  private final int limit;
  private final int annotationLimit;
  private final Executor wakeups;
  private final ArrayDeque<Waiter> operatorsWaiting = new ArrayDeque<>();
  private final ArrayDeque<Waiter> othersWaiting = new ArrayDeque<>();
  /** Queues handed room they have not used yet. */
  private final Set<Waiter> handedRoom = Collections.newSetFromMap(new IdentityHashMap<>());
  private int inFlight;
  private int annotationInFlight;

  /**
   * @param limit requests in flight at most, over all queues
   * @param reserved room only the operator's queues may use (less than {@code limit})
   */
  InFlightBudget(int limit, int reserved, Executor wakeups) {
    if (reserved < 0 || reserved >= limit) {
      throw new IllegalArgumentException("reserved " + reserved + " must be from 0 to less than the limit " + limit);
    }
    this.limit = limit;
    this.annotationLimit = limit - reserved;
    this.wakeups = wakeups;
  }

  /**
   * Takes room for one request: room handed to {@code queue}, or free room no queue of its kind is
   * waiting for. Otherwise puts {@code queue} in line, to be woken when room is handed to it, and
   * returns false.
   */
  synchronized boolean tryAcquire(Waiter queue) {
    if (handedRoom.remove(queue)) {
      return true;
    }
    ArrayDeque<Waiter> line = queue.operator() ? operatorsWaiting : othersWaiting;
    if (line.isEmpty() && hasRoom(queue.operator())) {
      take(queue.operator());
      return true;
    }
    if (!line.contains(queue)) {
      line.add(queue);
    }
    return false;
  }

  /** A request of {@code queue} ended: its room goes to the first queue in line that may use it. */
  void release(Waiter queue) {
    Waiter next;
    synchronized (this) {
      inFlight--;
      if (!queue.operator()) {
        annotationInFlight--;
      }
      next = handOver();
    }
    wake(next);
  }

  /** Room handed to {@code queue} that it did not use is passed on. */
  void giveBack(Waiter queue) {
    Waiter next;
    synchronized (this) {
      if (!handedRoom.remove(queue)) {
        return;
      }
      inFlight--;
      if (!queue.operator()) {
        annotationInFlight--;
      }
      next = handOver();
    }
    wake(next);
  }

  private boolean hasRoom(boolean operator) {
    return inFlight < limit && (operator || annotationInFlight < annotationLimit);
  }

  private void take(boolean operator) {
    inFlight++;
    if (!operator) {
      annotationInFlight++;
    }
  }

  /** Takes room on behalf of the first queue in line that may use it, or returns null. */
  private Waiter handOver() {
    ArrayDeque<Waiter> line = !operatorsWaiting.isEmpty() ? operatorsWaiting : othersWaiting;
    Waiter next = line.peek();
    if (next == null || !hasRoom(next.operator())) {
      return null;
    }
    line.poll();
    take(next.operator());
    handedRoom.add(next);
    return next;
  }

  private void wake(Waiter next) {
    if (next == null) {
      return;
    }
    try {
      wakeups.execute(next::wake);
    } catch (RejectedExecutionException stopped) {
      // The dispatcher stopped: nothing is sent any more.
    }
  }
}
