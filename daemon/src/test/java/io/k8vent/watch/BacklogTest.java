package io.k8vent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BacklogTest {
  /** Waits for real, counting each wait. */
  private static Backlog.Waiter counting(AtomicInteger waits) {
    return (monitor, nanos) -> {
      waits.incrementAndGet();
      return Backlog.TIMED_WAIT.awaitNanos(monitor, nanos);
    };
  }

  /** Records each wait and lets all of its time pass at once, as when the handler never catches up. */
  private static Backlog.Waiter timeRunsOut(List<Long> waits) {
    return (monitor, nanos) -> {
      waits.add(nanos);
      return 0;
    };
  }

  /** Runs {@link Backlog#awaitRoom()} on a thread of its own and returns it once it waits there. */
  private static Thread waitingForRoom(Backlog backlog) {
    Thread informer = new Thread(backlog::awaitRoom, "informer");
    informer.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> informer.getState() == Thread.State.TIMED_WAITING);
    return informer;
  }

  @Test
  void theInformerWaitsWhileTheHandlerIsTheLimitBehindAndGoesOnWhenItCatchesUp() {
    AtomicInteger waits = new AtomicInteger();
    Backlog backlog = new Backlog(2, counting(waits));
    backlog.queued();
    backlog.awaitRoom();
    backlog.queued();

    Thread informer = waitingForRoom(backlog);
    backlog.handled();
    await().atMost(Duration.ofSeconds(10)).until(() -> !informer.isAlive());

    int waited = waits.get();
    backlog.awaitRoom();
    assertThat(waits).as("one behind after one handled: room without waiting").hasValue(waited);
    backlog.queued();
    Thread next = waitingForRoom(backlog);
    backlog.handled();
    await().atMost(Duration.ofSeconds(10)).until(() -> !next.isAlive());
  }

  @Test
  void aMiscountSlowsAListOnceAndNeverStopsIt() {
    List<Long> waits = new ArrayList<>();
    Backlog backlog = new Backlog(2, timeRunsOut(waits));
    backlog.queued();
    backlog.queued();

    backlog.awaitRoom();
    backlog.awaitRoom();
    assertThat(waits).as("one wait for the time-out, then none").containsExactly(Backlog.MAX_WAIT.toNanos());

    backlog.listHandled();
    backlog.listing();
    backlog.queued();
    backlog.awaitRoom();
    assertThat(waits).as("the next list counts afresh: one behind is room").hasSize(1);
    backlog.queued();
    backlog.awaitRoom();
    assertThat(waits).as("and the limit holds it back again").hasSize(2);
  }

  @Test
  void watchEventsAreNeverHeldBackOnlyAListIs() {
    List<Long> waits = new ArrayList<>();
    Backlog backlog = new Backlog(2, timeRunsOut(waits));
    backlog.listHandled();

    backlog.queued();
    backlog.queued();
    backlog.awaitRoom();
    assertThat(waits).as("not held back while watching").isEmpty();

    backlog.listing();
    backlog.queued();
    backlog.awaitRoom();
    assertThat(waits).as("nor counted then: one behind in the new list is room").isEmpty();
    backlog.queued();
    backlog.awaitRoom();
    assertThat(waits).as("a list is held back").hasSize(1);
  }
}
