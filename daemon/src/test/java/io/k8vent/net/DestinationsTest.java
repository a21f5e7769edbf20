package io.k8vent.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Name lookups: pods' slow names never hold up the operator's, nor pile up without end. */
class DestinationsTest {
  private static final URI OPERATOR = URI.create("https://hooks.operator.example/k8vent");

  @Test
  void namesThatNeverResolveHoldUpNeitherTheOperatorsLookupsNorMemory() throws Exception {
    CountDownLatch dnsAnswers = new CountDownLatch(1);
    InetAddress answer = InetAddress.getByName("203.0.113.7");
    Destinations.Lookup lookup = host -> {
      if (host.endsWith(".slow.test")) {
        try {
          dnsAnswers.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return new InetAddress[] {answer};
    };
    try (Destinations destinations = new Destinations(Set.of(OPERATOR), null, lookup)) {
      // Two threads busy and a full line: every lookup a pod author can make wait is waiting.
      List<CompletableFuture<InetAddress>> waiting = new ArrayList<>();
      for (int i = 0; i < 2 + Destinations.MAX_WAITING_LOOKUPS; i++) {
        waiting.add(destinations.resolve(URI.create("https://h" + i + ".slow.test/hook")));
      }

      CompletableFuture<InetAddress> beyond = destinations.resolve(URI.create("https://more.slow.test/hook"));
      assertThat(beyond).as("past the line a lookup fails at once").isCompletedExceptionally();
      assertThatThrownBy(beyond::get).isInstanceOf(ExecutionException.class).cause()
          .isInstanceOf(UnknownHostException.class).hasMessageContaining("more.slow.test")
          .hasMessageContaining(Destinations.MAX_WAITING_LOOKUPS + " name lookups");
      assertThat(destinations.resolve(OPERATOR).get(10, TimeUnit.SECONDS)).as("the operator's name, looked up at once")
          .isEqualTo(answer);
      assertThat(waiting).noneMatch(CompletableFuture::isDone);

      dnsAnswers.countDown();
      for (CompletableFuture<InetAddress> f : waiting) {
        assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(answer);
      }
    }
  }
}
