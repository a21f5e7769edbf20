package io.k8vent.delivery;

import java.net.URI;
import java.time.Duration;

/** What happens to deliveries, for logs and metrics. Called from delivery threads; must not block. */
public interface DeliveryObserver {
  default void delivered(URI url, Delivery delivery, SendResult result, int attempts) {}

  /** A transient failure; {@code delay} until the retry, or null while the webhook is down (circuit open). */
  default void retrying(URI url, Delivery delivery, SendResult result, int attempts, Duration delay) {}

  default void rejected(URI url, Delivery delivery, SendResult result) {}

  default void gaveUp(URI url, Delivery delivery, SendResult result, int attempts) {}

  /** {@code replaced} was still waiting when a newer state of the same pod superseded it. */
  default void coalesced(URI url, Delivery replaced) {}

  default void dropped(URI url, int count) {}

  /** {@code delivery} was not queued for {@code url} at all, for {@code reason} (a limit). */
  default void refused(URI url, Delivery delivery, String reason) {}

  /**
   * {@code url} is down: its queue stopped sending after {@code cause}, {@code pending} pods wait,
   * and a probe goes out after {@code nextProbe}.
   */
  default void circuitOpened(URI url, SendResult cause, int pending, Duration nextProbe) {}

  /** {@code url} answered again: the {@code pending} pods' states are sent now. */
  default void circuitClosed(URI url, int pending) {}

  /** The queue of {@code url} was stopped (shutdown or leadership lost) while the webhook was down. */
  default void circuitDropped(URI url) {}

  /** Pods that have something waiting or in flight for {@code url} changed to {@code depth}. */
  default void queueDepth(URI url, int depth) {}

  private static void each(DeliveryObserver[] observers, java.util.function.Consumer<DeliveryObserver> call) {
    for (DeliveryObserver o : observers) {
      call.accept(o);
    }
  }

  static DeliveryObserver all(DeliveryObserver... observers) {
    return new DeliveryObserver() {
      @Override
      public void delivered(URI url, Delivery d, SendResult r, int attempts) {
        each(observers, o -> o.delivered(url, d, r, attempts));
      }

      @Override
      public void retrying(URI url, Delivery d, SendResult r, int attempts, Duration delay) {
        each(observers, o -> o.retrying(url, d, r, attempts, delay));
      }

      @Override
      public void rejected(URI url, Delivery d, SendResult r) {
        each(observers, o -> o.rejected(url, d, r));
      }

      @Override
      public void gaveUp(URI url, Delivery d, SendResult r, int attempts) {
        each(observers, o -> o.gaveUp(url, d, r, attempts));
      }

      @Override
      public void coalesced(URI url, Delivery replaced) {
        each(observers, o -> o.coalesced(url, replaced));
      }

      @Override
      public void dropped(URI url, int count) {
        each(observers, o -> o.dropped(url, count));
      }

      @Override
      public void refused(URI url, Delivery d, String reason) {
        each(observers, o -> o.refused(url, d, reason));
      }

      @Override
      public void circuitOpened(URI url, SendResult cause, int pending, Duration nextProbe) {
        each(observers, o -> o.circuitOpened(url, cause, pending, nextProbe));
      }

      @Override
      public void circuitClosed(URI url, int pending) {
        each(observers, o -> o.circuitClosed(url, pending));
      }

      @Override
      public void circuitDropped(URI url) {
        each(observers, o -> o.circuitDropped(url));
      }

      @Override
      public void queueDepth(URI url, int depth) {
        each(observers, o -> o.queueDepth(url, depth));
      }
    };
  }
}
