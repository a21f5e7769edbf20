package io.k8vent.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.k8vent.testing.ManualTimer;
import io.k8vent.testing.WebhookReceiver;
import io.k8vent.testing.WebhookReceiver.Response;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A webhook that is down as a whole: its queue stops sending, probes it less and less often with
 * one real state, and sends everything held as soon as a probe gets an answer. The timer is
 * manual, so each test checks the probe schedule itself and never waits it out.
 */
class CircuitBreakerTest {
  private final ManualTimer timer = new ManualTimer();
  private final WebhookQueueTest.Recorder events = new WebhookQueueTest.Recorder();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    timer.shutdownNow();
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private WebhookReceiver receiver(AtomicBoolean up) {
    WebhookReceiver r = new WebhookReceiver().respond(n -> Response.status(up.get() ? 200 : 503));
    closeables.add(r);
    return r;
  }

  private WebhookQueue queue(URI url, RetryPolicy policy, int maxInFlight, long bodyBudget) {
    HttpSender sender = new HttpSender(Duration.ofSeconds(2), Duration.ofSeconds(5), null, "k8vent/test");
    closeables.add(sender);
    return new WebhookQueue(url, sender, policy, maxInFlight, timer, events, new InFlightBudget(256, 0, Runnable::run), true,
        new HeldBodies(bodyBudget, Long.MAX_VALUE));
  }

  static Delivery state(String pod, int resourceVersion, String padding) {
    String body = "{\"pod\":{\"metadata\":{\"name\":\"" + pod + "\",\"resourceVersion\":\"" + resourceVersion
        + "\"},\"padding\":\"" + padding + "\"},\"env\":{}}";
    return new Delivery("uid-" + pod, "ns/" + pod, "MODIFIED", String.valueOf(resourceVersion),
        body.getBytes(StandardCharsets.UTF_8), null, UUID.randomUUID().toString(), System.nanoTime());
  }

  /** Waits until every request sent so far was answered and reported, then returns how many were sent. */
  private int settled(WebhookReceiver hook) {
    await().atMost(Duration.ofSeconds(20))
        .until(() -> events.retries.get() + events.delivered.size() == hook.requests().size());
    return hook.requests().size();
  }

  @Test
  void aDownWebhookIsProbedLessAndLessOftenAndGetsEverythingOnceAProbeIsAnswered() {
    AtomicBoolean up = new AtomicBoolean(false);
    WebhookReceiver hook = receiver(up);
    WebhookQueue queue = queue(hook.url(), new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(1600),
        Duration.ofHours(1)), 2, 1 << 20);
    for (int i = 0; i < 20; i++) {
      queue.submit(state("p" + i, 1, ""));
    }

    await().atMost(Duration.ofSeconds(20)).until(() -> events.circuitOpened.size() == 1);
    int whenOpened = settled(hook);
    assertThat(whenOpened).as("failures in a row before the queue stops").isBetween(5, 6);
    assertThat(events.circuitOpened).containsExactly(Duration.ofMillis(200));
    assertThat(queue.circuitOpen()).isTrue();

    List<Integer> sentPerProbe = new ArrayList<>();
    for (int probe = 0; probe < 5; probe++) {
      timer.elapse();
      sentPerProbe.add(settled(hook) - whenOpened);
    }
    assertThat(sentPerProbe).as("one request per probe, nothing else").containsExactly(1, 2, 3, 4, 5);
    List<Long> delays = timer.delaysMillis();
    assertThat(delays.subList(delays.size() - 6, delays.size())).as("probe delays double up to the longest retry delay")
        .containsExactly(200L, 400L, 800L, 1600L, 1600L, 1600L);

    up.set(true);
    timer.elapse();
    await().atMost(Duration.ofSeconds(20)).until(() -> events.delivered.size() == 20);
    assertThat(events.circuitClosed).hasValue(1);
    assertThat(queue.circuitOpen()).isFalse();
    assertThat(queue.depth()).isZero();
  }

  @Test
  void retryAfterPausesTheWholeQueue() {
    WebhookReceiver hook = new WebhookReceiver().respond(n -> n == 1
        ? new Response(503, Map.of("Retry-After", "7"), "")
        : Response.status(200));
    closeables.add(hook);
    WebhookQueue queue = queue(hook.url(), RetryPolicy.defaults(), 1, 1 << 20);
    for (int i = 0; i < 5; i++) {
      queue.submit(state("p" + i, 1, ""));
    }

    await().atMost(Duration.ofSeconds(20)).until(() -> events.circuitOpened.size() == 1);
    assertThat(events.circuitOpened).containsExactly(Duration.ofSeconds(7));
    assertThat(settled(hook)).as("nothing more until Retry-After has passed").isEqualTo(1);

    timer.elapse();
    await().atMost(Duration.ofSeconds(20)).until(() -> events.delivered.size() == 5);
    assertThat(hook.requests()).hasSize(6);
    assertThat(events.circuitClosed).hasValue(1);
  }

  @Test
  void aQueueOverItsByteBudgetKeepsEveryPodsLatestStateExactly() {
    AtomicBoolean up = new AtomicBoolean(false);
    WebhookReceiver hook = receiver(up);
    WebhookQueue queue = queue(hook.url(), new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(1),
        Duration.ofHours(1)), 1, 4_000);
    for (int i = 0; i < 5; i++) {
      queue.submit(state("warm" + i, 1, ""));
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> events.circuitOpened.size() == 1);

    List<Delivery> latest = new ArrayList<>();
    long raw = 0;
    for (int pod = 0; pod < 200; pod++) {
      for (int rv = 1; rv <= 3; rv++) {
        Delivery d = state("pod" + pod, rv, "status-" + "x".repeat(400 + pod) + "-" + rv);
        queue.submit(d);
        if (rv == 3) {
          latest.add(d);
          raw += d.body().length;
        }
      }
    }
    assertThat(queue.depth()).isEqualTo(205);
    assertThat(queue.heldBytes()).as("bodies past the budget wait deflated").isLessThan(raw / 4);

    up.set(true);
    timer.elapse();
    await().atMost(Duration.ofSeconds(30)).until(() -> events.delivered.size() == 205);
    for (Delivery d : latest) {
      List<WebhookReceiver.Request> got = hook.requests().stream()
          .filter(r -> r.json().at("/pod/metadata/name").asText().equals(d.podKey().substring(4))).toList();
      assertThat(got).as("one request for %s, its latest state", d.podName()).hasSize(1);
      assertThat(got.get(0).body()).isEqualTo(d.body());
    }
    assertThat(queue.heldBytes()).isZero();
  }

  @Test
  void aStateIsAbandonedAtOnceWhenItsNextRetryWouldComeAfterTheGiveUpTime() {
    AtomicBoolean up = new AtomicBoolean(false);
    WebhookReceiver hook = receiver(up);
    WebhookQueue queue = queue(hook.url(), new RetryPolicy(Duration.ofHours(1), Duration.ofHours(2),
        Duration.ofMinutes(1)), 1, 1 << 20);

    queue.submit(state("late", 1, ""));

    await().atMost(Duration.ofSeconds(20)).until(() -> events.gaveUp.size() == 1);
    assertThat(timer.delaysMillis()).as("no retry scheduled past the give-up time").isEmpty();
    assertThat(hook.requests()).hasSize(1);
    assertThat(queue.depth()).isZero();
  }
}
