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
 * time, in order. Up to {@code maxInFlight} pods are sent concurrently. Failed attempts that may
 * succeed later are retried with backoff; when a newer state arrives meanwhile, the retry sends the
 * newer state instead.
 */
public final class WebhookQueue {
  private final URI url;
  private final HttpSender sender;
  private final RetryPolicy retryPolicy;
  private final int maxInFlight;
  private final ScheduledExecutorService timer;
  private final DeliveryObserver observer;

  private final Map<String, Slot> slots = new HashMap<>();
  private final ArrayDeque<Slot> ready = new ArrayDeque<>();
  private int inFlight;
  private boolean closed;

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

  public WebhookQueue(URI url, HttpSender sender, RetryPolicy retryPolicy, int maxInFlight,
      ScheduledExecutorService timer, DeliveryObserver observer) {
    this.url = url;
    this.sender = sender;
    this.retryPolicy = retryPolicy;
    this.maxInFlight = maxInFlight;
    this.timer = timer;
    this.observer = observer;
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

  /** Starts sends while there is room; called with the lock held. */
  private void pump() {
    while (inFlight < maxInFlight && !ready.isEmpty()) {
      Slot slot = ready.poll();
      slot.queued = false;
      Delivery next;
      int attempts;
      if (slot.waiting != null) {
        if (slot.retry != null) {
          observer.coalesced(url, slot.retry);
          slot.retry = null;
        }
        next = slot.waiting;
        slot.waiting = null;
        slot.retryFirstAttemptNanos = System.nanoTime();
        attempts = slot.failures + 1;
      } else if (slot.retry != null) {
        next = slot.retry;
        attempts = slot.failures + 1;
      } else {
        continue;
      }
      slot.sending = true;
      inFlight++;
      Delivery sent = next;
      int attempt = attempts;
      sender.send(url, sent).whenComplete((result, error) ->
          completed(slot, sent, attempt, error == null ? result : SendResult.failed(String.valueOf(error))));
    }
  }

  private void completed(Slot slot, Delivery sent, int attempts, SendResult result) {
    synchronized (this) {
      slot.sending = false;
      inFlight--;
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

  private void reportDepth() {
    observer.queueDepth(url, depth());
  }

  /** Refuses new deliveries from now on; what is queued keeps being delivered. */
  public synchronized void close() {
    closed = true;
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
