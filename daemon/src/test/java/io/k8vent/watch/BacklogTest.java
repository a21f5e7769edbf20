package io.k8vent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BacklogTest {
  /** Runs {@link Backlog#awaitRoom()} on a thread of its own and returns it once it waits there. */
  private static Thread waitingForRoom(Backlog backlog) {
    Thread informer = new Thread(backlog::awaitRoom, "informer");
    informer.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> informer.getState() == Thread.State.TIMED_WAITING);
    return informer;
  }

  @Test
  void theInformerWaitsWhileTheHandlerIsTheLimitBehindAndGoesOnWhenItCatchesUp() {
    Backlog backlog = new Backlog(2);
    backlog.queued();
    backlog.awaitRoom();
    backlog.queued();

    Thread informer = waitingForRoom(backlog);
    backlog.handled();

    await().atMost(Duration.ofSeconds(10)).until(() -> !informer.isAlive());
    assertThat(backlog.outstanding()).isEqualTo(1);
  }

  @Test
  void aMiscountSlowsAListOnceAndNeverStopsIt() {
    Backlog backlog = new Backlog(1);
    backlog.queued();

    long start = System.nanoTime();
    backlog.awaitRoom();
    backlog.awaitRoom();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("one wait for the time-out, then none")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(2)).isLessThan(Duration.ofSeconds(30));

    backlog.listHandled();
    assertThat(backlog.outstanding()).isZero();
    backlog.listing();
    backlog.queued();
    Thread informer = waitingForRoom(backlog);
    backlog.listHandled();
    await().atMost(Duration.ofSeconds(10)).until(() -> !informer.isAlive());
  }

  @Test
  void watchEventsAreNeverHeldBackOnlyAListIs() {
    Backlog backlog = new Backlog(1);
    backlog.listHandled();

    backlog.queued();
    backlog.queued();
    backlog.awaitRoom();
    assertThat(backlog.outstanding()).as("not counted while watching").isZero();

    backlog.listing();
    backlog.queued();
    Thread informer = waitingForRoom(backlog);
    backlog.handled();
    await().atMost(Duration.ofSeconds(10)).until(() -> !informer.isAlive());
  }
}
