package io.k8vent.delivery;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Delivers pod states to one webhook URL.
 *
 * <p>Each pod has a slot holding at most one state waiting to be sent and at most one in flight or
 * waiting for a retry. A newer state replaces the waiting one (latest wins), so memory is bounded
 * by the number of pods however long the webhook is down, and states of one pod are sent one at a
 * time, in order. Up to {@code maxInFlight} pods are sent concurrently, within the dispatcher's
 * overall {@link InFlightBudget}. Failed attempts that may succeed later are retried with backoff;
 * when a newer state arrives meanwhile, the retry sends the newer state instead.
 */
public final class WebhookQueue {
  private final URI url;
  private final HttpSender sender;
  private final RetryPolicy retryPolicy;
  private final int maxInFlight;
  private final ScheduledExecutorService timer;
  private final DeliveryObserver observer;
  private final InFlightBudget budget;

  private final Map<String, Slot> slots = new HashMap<>();
  private final ArrayDeque<Slot> ready = new ArrayDeque<>();
  private int inFlight;
  private boolean closed;
  private boolean aborted;
  private long idleSinceNanos = System.nanoTime();

  private static final class Slot {
    final String key;
    Delivery waiting;
    Delivery retry;
    int failures;
    long retryFirstAttemptNanos;
    boolean sending;
    boolean backingOff;
    boolean queued;

    Slot(String key) {
      this.key = key;
    }

    boolean idle() {
      return waiting == null && retry == null && !sending && !backingOff;
    }
  }

  WebhookQueue(URI url, HttpSender sender, RetryPolicy retryPolicy, int maxInFlight, ScheduledExecutorService timer,
      DeliveryObserver observer, InFlightBudget budget) {
    this.url = url;
    this.sender = sender;
    this.retryPolicy = retryPolicy;
    this.maxInFlight = maxInFlight;
    this.timer = timer;
    this.observer = observer;
    this.budget = budget;
  }

  public URI url() {
    return url;
  }

  /** Queues {@code delivery}; returns at once. After {@link #close()} new deliveries are refused. */
  public void submit(Delivery delivery) {
    synchronized (this) {
      if (closed) {
        return;
      }
      Slot slot = slots.computeIfAbsent(delivery.podKey(), Slot::new);
      if (slot.waiting != null) {
        observer.coalesced(url, slot.waiting);
      }
      slot.waiting = delivery;
      makeReadyIfFree(slot);
      pump();
    }
    reportDepth();
  }

  private void makeReadyIfFree(Slot slot) {
    if (!slot.sending && !slot.backingOff && !slot.queued) {
      slot.queued = true;
      ready.add(slot);
    }
  }

  /** Starts sends while there is room here and in the budget; called with the lock held. */
  private void pump() {
    while (!aborted && inFlight < maxInFlight && !ready.isEmpty()) {
      Slot slot = ready.peek();
      if (slot.waiting == null && slot.retry == null) {
        ready.poll();
        slot.queued = false;
        continue;
      }
      if (!budget.tryAcquire(this)) {
        return;
      }
      ready.poll();
      slot.queued = false;
      Delivery next;
      if (slot.waiting != null) {
        if (slot.retry != null) {
          observer.coalesced(url, slot.retry);
          slot.retry = null;
        }
        next = slot.waiting;
        slot.waiting = null;
        slot.retryFirstAttemptNanos = System.nanoTime();
      } else {
        next = slot.retry;
      }
      int attempt = slot.failures + 1;
      slot.sending = true;
      inFlight++;
      Delivery sent = next;
      sender.send(url, sent).whenComplete((result, error) ->
          completed(slot, sent, attempt, error == null ? result : SendResult.failed(String.valueOf(error))));
    }
  }

  /** Called by the budget when room was freed for a queue that had to wait. */
  void wake() {
    synchronized (this) {
      pump();
    }
  }

  private void completed(Slot slot, Delivery sent, int attempts, SendResult result) {
    budget.release();
    synchronized (this) {
      slot.sending = false;
      inFlight--;
      if (aborted) {
        notifyAll();
        return;
      }
      if (result.succeeded()) {
        slot.retry = null;
        slot.failures = 0;
        observer.delivered(url, sent, result, attempts);
      } else if (!result.transientFailure()) {
        slot.retry = null;
        slot.failures = 0;
        observer.rejected(url, sent, result);
      } else if (retryPolicy.exhausted(Duration.ofNanos(System.nanoTime() - slot.retryFirstAttemptNanos))) {
        slot.retry = null;
        slot.failures = 0;
        observer.gaveUp(url, sent, result, attempts);
      } else {
        slot.failures++;
        slot.retry = sent;
        slot.backingOff = true;
        Duration delay = retryPolicy.delay(slot.failures, result.retryAfter());
        observer.retrying(url, sent, result, attempts, delay);
        timer.schedule(() -> retryDue(slot), delay.toMillis(), TimeUnit.MILLISECONDS);
      }
      if (!slot.backingOff && slot.waiting != null) {
        makeReadyIfFree(slot);
      }
      if (slot.idle()) {
        slots.remove(slot.key);
        if (slots.isEmpty()) {
          idleSinceNanos = System.nanoTime();
        }
      }
      pump();
      notifyAll();
    }
    reportDepth();
  }

  private void retryDue(Slot slot) {
    synchronized (this) {
      slot.backingOff = false;
      makeReadyIfFree(slot);
      pump();
    }
  }

  /** Pods with a state waiting, in flight or backing off. */
  public synchronized int depth() {
    return slots.size();
  }

  /** Whether nothing was queued here for at least {@code idle} (as of {@code nowNanos}). */
  synchronized boolean idleFor(Duration idle, long nowNanos) {
    return slots.isEmpty() && nowNanos - idleSinceNanos >= idle.toNanos();
  }

  private void reportDepth() {
    observer.queueDepth(url, depth());
  }

  /** Refuses new deliveries from now on; what is queued keeps being delivered. */
  public synchronized void close() {
    closed = true;
  }

  /**
   * Stops at once: refuses new deliveries, starts no request or retry, forgets what is queued and
   * ignores the answers of requests in flight. Returns how many pods' states were dropped.
   */
  public int abort() {
    int dropped;
    synchronized (this) {
      closed = true;
      aborted = true;
      dropped = slots.size();
      slots.clear();
      ready.clear();
      notifyAll();
    }
    if (dropped > 0) {
      observer.dropped(url, dropped);
    }
    reportDepth();
    return dropped;
  }

  /**
   * Waits until everything queued was delivered or abandoned, or until {@code deadlineNanos}
   * (System.nanoTime based). Returns how many pods' states were still undelivered.
   */
  public synchronized int awaitDrained(long deadlineNanos) throws InterruptedException {
    while (!slots.isEmpty()) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        break;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    int undelivered = slots.size();
    if (undelivered > 0) {
      observer.dropped(url, undelivered);
    }
    return undelivered;
  }
}
