package io.k8vent.delivery;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Owns one {@link WebhookQueue} per webhook URL, created the first time a URL is used. The
 * operator's URLs keep their queue for good; a URL chosen by a pod annotation has one while it has
 * work and for {@link #IDLE_ANNOTATION_QUEUE} after, and at most {@code maxAnnotationQueues} such
 * URLs have a queue at once. Requests in flight over all queues are capped by one budget, which keeps
 * room for the operator's URLs: {@code maxInFlight} each, up to half the budget.
 */
public final class Dispatcher implements AutoCloseable {
  /** How long an annotation URL's queue outlives its last delivery. */
  static final Duration IDLE_ANNOTATION_QUEUE = Duration.ofMinutes(2);
  /**
   * Body bytes an operator's queue, or all annotation URLs' queues together, keep as they are; more
   * wait deflated (BENCHMARKS.md, outage).
   */
  public static final long QUEUE_BODY_BUDGET = 8L << 20;
  /** Body bytes all annotation URLs' queues hold at most, together; past it new states are refused. */
  public static final long ANNOTATION_BODY_LIMIT = 32L << 20;

  private final HttpSender sender;
  private final RetryPolicy retryPolicy;
  private final int maxInFlight;
  private final DeliveryObserver observer;
  private final Set<URI> operatorUrls;
  private final int maxAnnotationQueues;
  private final ScheduledExecutorService timer;
  private final InFlightBudget budget;
  private final HeldBodies annotationBodies = new HeldBodies(QUEUE_BODY_BUDGET, ANNOTATION_BODY_LIMIT);
  private final DrainClock drainClock;
  private final Map<URI, WebhookQueue> queues = new ConcurrentHashMap<>();

  /**
   * @param maxInFlight requests in flight at most per URL
   * @param operatorUrls the URLs the operator configured (never removed, never limited)
   * @param maxAnnotationQueues annotation URLs with a queue at most
   * @param maxRequestsInFlight requests in flight at most over all URLs
   */
  public Dispatcher(HttpSender sender, RetryPolicy retryPolicy, int maxInFlight, DeliveryObserver observer,
      Set<URI> operatorUrls, int maxAnnotationQueues, int maxRequestsInFlight) {
    this(sender, retryPolicy, maxInFlight, observer, operatorUrls, maxAnnotationQueues, maxRequestsInFlight,
        DrainClock.SYSTEM);
  }

  /** As the public constructor, with {@link #drain} keeping time by {@code drainClock}. */
  Dispatcher(HttpSender sender, RetryPolicy retryPolicy, int maxInFlight, DeliveryObserver observer,
      Set<URI> operatorUrls, int maxAnnotationQueues, int maxRequestsInFlight, DrainClock drainClock) {
    this.sender = sender;
    this.retryPolicy = retryPolicy;
    this.maxInFlight = maxInFlight;
    this.observer = observer;
    this.operatorUrls = Set.copyOf(operatorUrls);
    this.maxAnnotationQueues = maxAnnotationQueues;
    this.drainClock = drainClock;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "k8vent-retry-timer");
      t.setDaemon(true);
      return t;
    });
    this.budget = new InFlightBudget(maxRequestsInFlight,
        (int) Math.min((long) this.operatorUrls.size() * maxInFlight, maxRequestsInFlight / 2), timer);
    long sweep = IDLE_ANNOTATION_QUEUE.toMillis() / 2;
    timer.scheduleWithFixedDelay(this::removeIdleQueues, sweep, sweep, TimeUnit.MILLISECONDS);
  }

  /**
   * Queues {@code delivery} for {@code url}. Returns false, sending nothing, when {@code url} is an
   * annotation URL and a limit of annotation webhooks is reached: the number of URLs with a queue,
   * or the bytes of bodies their queues hold.
   */
  public boolean submit(URI url, Delivery delivery) {
    if (operatorUrls.contains(url)) {
      return queues.computeIfAbsent(url, this::newQueue).submit(delivery);
    }
    // Under the map's lock for this URL, so an idle queue is never removed between lookup and submit.
    String[] refusal = {null};
    queues.compute(url, (u, queue) -> {
      boolean created = queue == null;
      if (created) {
        if (annotationQueues() >= maxAnnotationQueues) {
          refusal[0] = "more than " + maxAnnotationQueues + " annotation webhooks at once";
          return null;
        }
        queue = newQueue(u);
      }
      if (!queue.submit(delivery)) {
        refusal[0] = "annotation webhooks' waiting pod states hold " + (ANNOTATION_BODY_LIMIT >> 20) + " MiB";
        return created ? null : queue;
      }
      return queue;
    });
    if (refusal[0] != null) {
      observer.refused(url, delivery, refusal[0]);
    }
    return refusal[0] == null;
  }

  private WebhookQueue newQueue(URI url) {
    boolean operator = operatorUrls.contains(url);
    HeldBodies bodies = operator ? new HeldBodies(QUEUE_BODY_BUDGET, Long.MAX_VALUE) : annotationBodies;
    return new WebhookQueue(url, sender, retryPolicy, maxInFlight, timer, observer, budget, operator, bodies);
  }

  private long annotationQueues() {
    return queues.keySet().stream().filter(u -> !operatorUrls.contains(u)).count();
  }

  /** Forgets the queues of annotation URLs that had nothing to send for a while. */
  void removeIdleQueues() {
    long now = System.nanoTime();
    for (URI url : queues.keySet()) {
      if (!operatorUrls.contains(url)) {
        queues.computeIfPresent(url, (u, q) -> q.idleFor(IDLE_ANNOTATION_QUEUE, now) ? null : q);
      }
    }
  }

  public List<WebhookQueue> queues() {
    return List.copyOf(queues.values());
  }

  /**
   * Stops taking deliveries and waits up to {@code grace} for the queued ones. Returns the number
   * of pods per URL whose latest state was not delivered.
   */
  public Map<URI, Integer> drain(Duration grace) throws InterruptedException {
    queues.values().forEach(WebhookQueue::close);
    long deadline = drainClock.nanoTime() + grace.toNanos();
    Map<URI, Integer> undelivered = new LinkedHashMap<>();
    for (WebhookQueue q : queues.values()) {
      int left = q.awaitDrained(deadline, drainClock);
      if (left > 0) {
        undelivered.put(q.url(), left);
      }
    }
    return undelivered;
  }

  /**
   * Stops sending at once (leadership lost): no new request or retry starts, requests in flight are
   * cut off and their answers ignored. Returns the pods per URL whose states were dropped.
   */
  public Map<URI, Integer> abort() {
    Map<URI, Integer> dropped = new LinkedHashMap<>();
    for (WebhookQueue q : queues.values()) {
      int n = q.abort();
      if (n > 0) {
        dropped.put(q.url(), n);
      }
    }
    sender.close();
    timer.shutdownNow();
    return dropped;
  }

  /** Stops the timer and closes the sender's connections; what is queued is dropped. */
  @Override
  public void close() {
    timer.shutdownNow();
    sender.close();
  }
}
