package io.k8vent.delivery;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** Owns one {@link WebhookQueue} per webhook URL, created the first time a URL is used. */
public final class Dispatcher implements AutoCloseable {
  private final HttpSender sender;
  private final RetryPolicy retryPolicy;
  private final int maxInFlight;
  private final DeliveryObserver observer;
  private final ScheduledExecutorService timer;
  private final Map<URI, WebhookQueue> queues = new ConcurrentHashMap<>();

  public Dispatcher(HttpSender sender, RetryPolicy retryPolicy, int maxInFlight, DeliveryObserver observer) {
    this.sender = sender;
    this.retryPolicy = retryPolicy;
    this.maxInFlight = maxInFlight;
    this.observer = observer;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "k8vent-retry-timer");
      t.setDaemon(true);
      return t;
    });
  }

  public void submit(URI url, Delivery delivery) {
    queues.computeIfAbsent(url, u -> new WebhookQueue(u, sender, retryPolicy, maxInFlight, timer, observer))
        .submit(delivery);
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
    long deadline = System.nanoTime() + grace.toNanos();
    Map<URI, Integer> undelivered = new LinkedHashMap<>();
    for (WebhookQueue q : queues.values()) {
      int left = q.awaitDrained(deadline);
      if (left > 0) {
        undelivered.put(q.url(), left);
      }
    }
    return undelivered;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
