package io.k8vent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ListThrottleTest {
  /** Waits for real, counting each wait. */
  private static ListThrottle.Waiter counting(AtomicInteger waits) {
    return (monitor, nanos) -> {
      waits.incrementAndGet();
      return ListThrottle.TIMED_WAIT.awaitNanos(monitor, nanos);
    };
  }

  /** Records each wait and lets all of its time pass at once, as when the handler never catches up. */
  private static ListThrottle.Waiter timeRunsOut(List<Long> waits) {
    return (monitor, nanos) -> {
      waits.add(nanos);
      return 0;
    };
  }

  /** Runs {@link ListThrottle#awaitRoom()} on a thread of its own and returns it once it waits there. */
  private static Thread waitingForRoom(ListThrottle throttle) {
    Thread informer = new Thread(throttle::awaitRoom, "informer");
    informer.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> informer.getState() == Thread.State.TIMED_WAITING);
    return informer;
  }

  @Test
  void theInformerWaitsWhileTheHandlerIsTheLimitBehindAndGoesOnWhenItCatchesUp() {
    AtomicInteger waits = new AtomicInteger();
    ListThrottle throttle = new ListThrottle(2, counting(waits));
    throttle.queued();
    throttle.awaitRoom();
    throttle.queued();

    Thread informer = waitingForRoom(throttle);
    throttle.handled();
    await().atMost(Duration.ofSeconds(10)).until(() -> !informer.isAlive());

    int waited = waits.get();
    throttle.awaitRoom();
    assertThat(waits).as("one behind after one handled: room without waiting").hasValue(waited);
    throttle.queued();
    Thread next = waitingForRoom(throttle);
    throttle.handled();
    await().atMost(Duration.ofSeconds(10)).until(() -> !next.isAlive());
  }

  @Test
  void aMiscountSlowsAListOnceAndNeverStopsIt() {
    List<Long> waits = new ArrayList<>();
    ListThrottle throttle = new ListThrottle(2, timeRunsOut(waits));
    throttle.queued();
    throttle.queued();

    throttle.awaitRoom();
    throttle.awaitRoom();
    assertThat(waits).as("one wait for the time-out, then none").containsExactly(ListThrottle.MAX_WAIT.toNanos());

    throttle.listHandled();
    throttle.listing();
    throttle.queued();
    throttle.awaitRoom();
    assertThat(waits).as("the next list counts afresh: one behind is room").hasSize(1);
    throttle.queued();
    throttle.awaitRoom();
    assertThat(waits).as("and the limit holds it back again").hasSize(2);
  }

  @Test
  void watchEventsAreNeverHeldBackOnlyAListIs() {
    List<Long> waits = new ArrayList<>();
    ListThrottle throttle = new ListThrottle(2, timeRunsOut(waits));
    throttle.listHandled();

    throttle.queued();
    throttle.queued();
    throttle.awaitRoom();
    assertThat(waits).as("not held back while watching").isEmpty();

    throttle.listing();
    throttle.queued();
    throttle.awaitRoom();
    assertThat(waits).as("nor counted then: one behind in the new list is room").isEmpty();
    throttle.queued();
    throttle.awaitRoom();
    assertThat(waits).as("a list is held back").hasSize(1);
  }
}
