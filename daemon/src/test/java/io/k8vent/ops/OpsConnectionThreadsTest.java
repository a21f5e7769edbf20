package io.k8vent.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The ops endpoint's threads: one per connection being served, reused once idle, never more than the limit. */
class OpsConnectionThreadsTest {
  private final ThreadPoolExecutor threads = OpsServer.connectionThreads();

  @AfterEach
  void tearDown() {
    threads.shutdownNow();
  }

  @Test
  void probesOneAfterAnotherShareOneThread() throws Exception {
    for (int i = 0; i < 40; i++) {
      threads.submit(() -> { }).get(10, TimeUnit.SECONDS);
      // The next probe comes once this one's thread is idle again, as a kubelet's period apart would.
      await().atMost(Duration.ofSeconds(10)).until(() -> threads.getActiveCount() == 0);
    }
    assertThat(threads.getLargestPoolSize()).isEqualTo(1);
  }

  @Test
  void connectionsServedAtOnceEachGetAThreadUpToTheLimitAndTheRestWait() throws Exception {
    int beyond = 3;
    CountDownLatch allStarted = new CountDownLatch(OpsServer.MAX_CONNECTIONS);
    CountDownLatch release = new CountDownLatch(1);
    List<Future<?>> served = new ArrayList<>();
    for (int i = 0; i < OpsServer.MAX_CONNECTIONS + beyond; i++) {
      served.add(threads.submit(() -> {
        allStarted.countDown();
        release.await();
        return null;
      }));
    }
    assertThat(allStarted.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(threads.getPoolSize()).isEqualTo(OpsServer.MAX_CONNECTIONS);
    assertThat(threads.getQueue()).hasSize(beyond);
    release.countDown();
    for (Future<?> f : served) {
      f.get(10, TimeUnit.SECONDS);
    }
    assertThat(threads.getLargestPoolSize()).isEqualTo(OpsServer.MAX_CONNECTIONS);
  }
}
