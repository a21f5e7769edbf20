package io.k8vent.delivery;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Delivers pod states to one webhook URL.
 *
 * <p>Each pod has a slot holding at most one state waiting to be sent and at most one in flight or
 * waiting for a retry. A newer state replaces the waiting one (latest wins), so memory is bounded
 * by the number of pods however long the webhook is down, and states of one pod are sent one at a
 * time, in order. Up to {@code maxInFlight} pods are sent concurrently, within the dispatcher's
 * overall {@link InFlightBudget}. Failed attempts that may succeed later are retried with backoff
 * per pod; when a newer state arrives meanwhile, the retry sends the newer state instead.
 *
 * <p>When the webhook itself is down ({@link #OPEN_AFTER_FAILURES} transient failures in a row, or
 * an answer with Retry-After), the queue stops sending as a whole (the circuit opens): one probe,
 * a real pending state, goes out after a delay that starts at twice the first retry delay and
 * doubles up to the longest retry delay (or after Retry-After). The first answer closes the circuit
 * and every waiting state is sent at once. Bodies wait as {@code bodies} allows: deflated past its
 * raw budget ({@link Held}), and a new state is not taken past its limit.
 */
public final class WebhookQueue implements InFlightBudget.Waiter {
  static final int OPEN_AFTER_FAILURES = 5;

  private final URI url;
  private final HttpSender sender;
  private final RetryPolicy retryPolicy;
  private final int maxInFlight;
  private final ScheduledExecutorService timer;
  private final DeliveryObserver observer;
  private final InFlightBudget budget;
  private final boolean operator;
  private final HeldBodies bodies;

  private final Map<String, Slot> slots = new HashMap<>();
  private final ArrayDeque<Slot> ready = new ArrayDeque<>();
  private int inFlight;
  private boolean closed;
  private boolean aborted;
  private final LongSupplier nanoClock;
  private long idleSinceNanos;
  private long heldBytes;
  private byte[] dictionary;
  private int failuresInARow;
  private boolean open;
  private boolean probeDue;
  private boolean probing;
  private Duration probeDelay;

  private static final class Slot {
    final String key;
    Held waiting;
    Held retry;
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
      DeliveryObserver observer, InFlightBudget budget, boolean operator, HeldBodies bodies) {
    this(url, sender, retryPolicy, maxInFlight, timer, System::nanoTime, observer, budget, operator, bodies);
  }

  /**
   * {@code nanoClock} is the time (as {@link System#nanoTime()}) that retries are given up by; tests pass
   * one that moves with their timer.
   */
  WebhookQueue(URI url, HttpSender sender, RetryPolicy retryPolicy, int maxInFlight, ScheduledExecutorService timer,
      LongSupplier nanoClock, DeliveryObserver observer, InFlightBudget budget, boolean operator, HeldBodies bodies) {
    this.url = url;
    this.sender = sender;
    this.retryPolicy = retryPolicy;
    this.maxInFlight = maxInFlight;
    this.timer = timer;
    this.nanoClock = nanoClock;
    this.idleSinceNanos = nanoClock.getAsLong();
    this.observer = observer;
    this.budget = budget;
    this.operator = operator;
    this.bodies = bodies;
  }

  public URI url() {
    return url;
  }

  @Override
  public boolean operator() {
    return operator;
  }

  /**
   * Queues {@code delivery} in place of the pod's state waiting here, if any; returns at once.
   * Returns false when it cannot wait, the bodies' limit being reached: then neither state waits.
   * After {@link #close()} new deliveries are ignored.
   */
  public boolean submit(Delivery delivery) {
    Held held;
    synchronized (this) {
      if (closed) {
        return true;
      }
      Slot slot = slots.computeIfAbsent(delivery.podKey(), Slot::new);
      Held replaced = slot.waiting;
      if (replaced != null) {
        release(replaced);
        slot.waiting = null;
      }
      held = hold(delivery, false);
      if (held == null) {
        if (slot.idle()) {
          slots.remove(slot.key);
        }
      } else {
        if (replaced != null) {
          observer.coalesced(url, replaced.summary());
        }
        slot.waiting = held;
        makeReadyIfFree(slot);
        pump();
      }
    }
    reportDepth();
    return held != null;
  }

  /** The delivery as it waits, or null when it does not fit in the bodies' limit and not {@code always}. */
  private Held hold(Delivery delivery, boolean always) {
    if (!always && !bodies.fits(delivery.body().length)) {
      // Judged on the body as it is, before spending the CPU to deflate it.
      return null;
    }
    Held held;
    if (bodies.fitsRaw(delivery.body().length)) {
      held = Held.of(delivery);
    } else {
      if (dictionary == null) {
        // The first body past the budget: other pods of the cluster deflate well against it.
        dictionary = delivery.body();
      }
      held = Held.deflated(delivery, dictionary);
    }
    if (!bodies.add(held.heldBytes(), always)) {
      return null;
    }
    heldBytes += held.heldBytes();
    return held;
  }

  private void release(Held held) {
    bodies.remove(held.heldBytes());
    heldBytes -= held.heldBytes();
  }

  private void makeReadyIfFree(Slot slot) {
    if (!slot.sending && !slot.backingOff && !slot.queued) {
      slot.queued = true;
      ready.add(slot);
    }
  }

  /**
   * Starts sends while there is room here and in the budget; with the circuit open, only the probe
   * once it is due. Called with the lock held.
   */
  private void pump() {
    while (!aborted && inFlight < maxInFlight && !ready.isEmpty() && (!open || probeDue && !probing)) {
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
      Held next;
      if (slot.waiting != null) {
        if (slot.retry != null) {
          observer.coalesced(url, slot.retry.summary());
          release(slot.retry);
          slot.retry = null;
        }
        next = slot.waiting;
        slot.waiting = null;
        slot.retryFirstAttemptNanos = nanoClock.getAsLong();
      } else {
        next = slot.retry;
        slot.retry = null;
      }
      release(next);
      boolean probe = open;
      if (probe) {
        probing = true;
        probeDue = false;
      }
      int attempt = slot.failures + 1;
      slot.sending = true;
      inFlight++;
      Delivery sent = next.delivery();
      sender.send(url, sent).whenComplete((result, error) ->
          completed(slot, sent, attempt, probe, error == null ? result : SendResult.failed(String.valueOf(error))));
    }
    if (!aborted && open && probeDue && !probing && inFlight == 0 && ready.isEmpty()) {
      // Nothing left to probe with: the next state is sent as usual, and one failure reopens.
      closeCircuit();
      failuresInARow = OPEN_AFTER_FAILURES - 1;
    }
  }

  /** Called by the budget when room was handed to this queue, which had to wait for it. */
  @Override
  public void wake() {
    synchronized (this) {
      pump();
    }
    budget.giveBack(this);
  }

  private void completed(Slot slot, Delivery sent, int attempts, boolean probe, SendResult result) {
    budget.release(this);
    synchronized (this) {
      slot.sending = false;
      inFlight--;
      if (probe) {
        probing = false;
      }
      if (aborted) {
        notifyAll();
        return;
      }
      if (result.succeeded()) {
        answered();
        slot.failures = 0;
        observer.delivered(url, sent, result, attempts);
      } else if (!result.transientFailure()) {
        if (!result.refused()) {
          answered();
        }
        slot.failures = 0;
        observer.rejected(url, sent, result);
      } else {
        // Abandoned once the give-up time has passed since the first attempt, or when the next
        // retry would only start after it: a state never outlives the give-up time.
        Duration elapsed = Duration.ofNanos(nanoClock.getAsLong() - slot.retryFirstAttemptNanos);
        Duration delay = retryPolicy.delay(slot.failures + 1, result.retryAfter());
        boolean giveUp = retryPolicy.exhausted(elapsed) || !open && retryPolicy.exhausted(elapsed.plus(delay));
        failed(probe, result);
        if (giveUp) {
          slot.failures = 0;
          observer.gaveUp(url, sent, result, attempts);
        } else {
          slot.failures++;
          if (slot.waiting == null) {
            // A state already taken keeps its place: waiting retries are bounded by requests in flight.
            slot.retry = hold(sent, true);
          } else {
            observer.coalesced(url, sent);
          }
          if (open) {
            observer.retrying(url, sent, result, attempts, null);
          } else {
            slot.backingOff = true;
            observer.retrying(url, sent, result, attempts, delay);
            timer.schedule(() -> retryDue(slot), delay.toMillis(), TimeUnit.MILLISECONDS);
          }
        }
      }
      if (!slot.backingOff && (slot.waiting != null || slot.retry != null)) {
        makeReadyIfFree(slot);
      }
      if (slot.idle()) {
        slots.remove(slot.key);
        if (slots.isEmpty()) {
          idleSinceNanos = nanoClock.getAsLong();
        }
      }
      pump();
      notifyAll();
    }
    reportDepth();
  }

  /** The webhook answered: it is up. */
  private void answered() {
    failuresInARow = 0;
    if (open) {
      closeCircuit();
    }
  }

  /** A transient failure: may open the circuit, or schedules the next probe when it was one. */
  private void failed(boolean probe, SendResult result) {
    failuresInARow++;
    Duration retryAfter = result.retryAfter() == null ? null : min(result.retryAfter(), retryPolicy.max());
    if (!open && (failuresInARow >= OPEN_AFTER_FAILURES || retryAfter != null)) {
      open = true;
      probeDelay = min(retryPolicy.initial().multipliedBy(2), retryPolicy.max());
      Duration first = retryAfter != null ? retryAfter : probeDelay;
      observer.circuitOpened(url, result, slots.size(), first);
      scheduleProbe(first);
    } else if (open && probe) {
      probeDelay = min(probeDelay.multipliedBy(2), retryPolicy.max());
      scheduleProbe(retryAfter != null && retryAfter.compareTo(probeDelay) > 0 ? retryAfter : probeDelay);
    }
  }

  private void scheduleProbe(Duration delay) {
    timer.schedule(this::probeTimer, delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void probeTimer() {
    synchronized (this) {
      if (open) {
        probeDue = true;
        pump();
      }
    }
  }

  private void closeCircuit() {
    open = false;
    probeDue = false;
    observer.circuitClosed(url, slots.size());
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private void retryDue(Slot slot) {
    synchronized (this) {
      slot.backingOff = false;
      if (slot.waiting != null || slot.retry != null) {
        makeReadyIfFree(slot);
      }
      pump();
    }
  }

  /** Pods with a state waiting, in flight or backing off. */
  public synchronized int depth() {
    return slots.size();
  }

  /** Bytes of bodies waiting here (deflated ones at their deflated size). */
  synchronized long heldBytes() {
    return heldBytes;
  }

  /** Whether the queue waits for a probe to get through (the webhook is down). */
  synchronized boolean circuitOpen() {
    return open;
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
    boolean wasOpen;
    synchronized (this) {
      wasOpen = open;
      open = false;
      closed = true;
      aborted = true;
      dropped = slots.size();
      slots.clear();
      ready.clear();
      bodies.remove(heldBytes);
      heldBytes = 0;
      notifyAll();
    }
    if (dropped > 0) {
      observer.dropped(url, dropped);
    }
    if (wasOpen) {
      observer.circuitDropped(url);
    }
    reportDepth();
    return dropped;
  }

  /**
   * Waits until everything queued was delivered or abandoned, or until {@code clock} reads
   * {@code deadlineNanos}. Returns how many pods' states were still undelivered.
   */
  synchronized int awaitDrained(long deadlineNanos, DrainClock clock) throws InterruptedException {
    while (!slots.isEmpty()) {
      long left = deadlineNanos - clock.nanoTime();
      if (left <= 0) {
        break;
      }
      clock.timedWait(this, left);
    }
    int undelivered = slots.size();
    if (undelivered > 0) {
      observer.dropped(url, undelivered);
    }
    return undelivered;
  }
}
