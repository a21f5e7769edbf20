package io.k8vent.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.k8vent.testing.WebhookReceiver.Request;
import io.k8vent.testing.WebhookReceiver.Response;
import io.k8vent.net.Destinations;
import io.k8vent.testing.ManualTimer;
import io.k8vent.testing.TestLoop;
import io.k8vent.testing.WebhookReceiver;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Delivery behaviour as a webhook owner sees it, against real HTTP servers on loopback. */
class WebhookQueueTest {
  private static final RetryPolicy FAST = new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofMinutes(1));

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final Recorder recorder = new Recorder();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private WebhookReceiver receiver() {
    WebhookReceiver r = new WebhookReceiver();
    closeables.add(r);
    return r;
  }

  private Dispatcher dispatcher(RetryPolicy policy, Duration requestTimeout) {
    return dispatcher(policy, requestTimeout, DrainClock.SYSTEM);
  }

  private Dispatcher dispatcher(RetryPolicy policy, Duration requestTimeout, DrainClock drainClock) {
    HttpSender sender = new HttpSender(Duration.ofSeconds(2), requestTimeout, null, "k8vent/test");
    Dispatcher d = new Dispatcher(sender, policy, 8, recorder, java.util.Set.of(), 1000, 256, drainClock);
    closeables.add(d);
    return d;
  }

  /** A drain clock whose time passes only while drain waits, and then all at once: it records each wait. */
  private static final class TimePassesAtOnce implements DrainClock {
    final List<Long> waits = new ArrayList<>();
    private long now;

    @Override
    public long nanoTime() {
      return now;
    }

    @Override
    public void timedWait(Object monitor, long nanos) {
      waits.add(nanos);
      now += nanos;
    }
  }

  static Delivery state(String pod, int resourceVersion) {
    String body = "{\"pod\":{\"metadata\":{\"namespace\":\"ns\",\"name\":\"" + pod + "\",\"resourceVersion\":\""
        + resourceVersion + "\"}},\"env\":{}}";
    return new Delivery("uid-" + pod, "ns/" + pod, "MODIFIED", String.valueOf(resourceVersion),
        body.getBytes(StandardCharsets.UTF_8), null, UUID.randomUUID().toString(), System.nanoTime());
  }

  static int rv(Request r) {
    return Integer.parseInt(r.json().at("/pod/metadata/resourceVersion").asText());
  }

  @Test
  void outageEndsWithEveryPodsLatestStateDeliveredInOrderAndRetriesBackedOff() {
    WebhookReceiver hook = receiver().respond(n -> Response.status(n <= 12 ? 503 : 200));
    Dispatcher dispatcher = dispatcher(FAST, Duration.ofSeconds(5));
    for (int rv = 1; rv <= 5; rv++) {
      for (String pod : List.of("a", "b", "c", "d")) {
        dispatcher.submit(hook.url(), state(pod, rv));
      }
    }

    await().atMost(Duration.ofSeconds(20)).until(() -> recorder.delivered.size() >= 4
        && recorder.delivered.stream().filter(d -> d.resourceVersion().equals("5")).count() == 4);
    for (String pod : List.of("a", "b", "c", "d")) {
      List<Request> attempts = hook.requests().stream().filter(r -> r.podName().equals("ns/" + pod)).toList();
      List<Integer> versions = attempts.stream().map(WebhookQueueTest::rv).toList();
      assertThat(versions).as("states of %s in arrival order", pod).isSorted();
      assertThat(versions.get(versions.size() - 1)).isEqualTo(5);
      for (int i = 1; i < attempts.size(); i++) {
        if (attempts.get(i - 1).header("X-K8vent-Delivery").equals(attempts.get(i).header("X-K8vent-Delivery"))) {
          long gapMillis = (attempts.get(i).arrivedNanos() - attempts.get(i - 1).arrivedNanos()) / 1_000_000;
          assertThat(gapMillis).as("retry of the same state waits at least half the first backoff").isGreaterThanOrEqualTo(45);
        }
      }
    }
    assertThat(recorder.retries.get()).isGreaterThan(0);
    assertThat(recorder.gaveUp).isEmpty();
  }

  @Test
  void retryAfterIsHonoured() {
    WebhookReceiver hook = receiver().respond(n -> n == 1
        ? new Response(429, Map.of("Retry-After", "2"), "")
        : Response.status(200));
    ManualTimer timer = new ManualTimer();
    closeables.add(timer::shutdownNow);
    HttpSender sender = new HttpSender(Duration.ofSeconds(2), Duration.ofSeconds(5), null, "k8vent/test");
    closeables.add(sender);
    WebhookQueue queue = new WebhookQueue(hook.url(), sender,
        new RetryPolicy(Duration.ofMillis(10), Duration.ofSeconds(5), Duration.ofMinutes(1)), 8, timer, recorder,
        new InFlightBudget(256, 0, Runnable::run), true, new HeldBodies(1 << 20, Long.MAX_VALUE));
    queue.submit(state("a", 1));

    await().atMost(Duration.ofSeconds(10)).until(() -> !timer.delaysMillis().isEmpty());
    assertThat(timer.delaysMillis()).as("the next attempt waits what Retry-After asked, not the 10 ms backoff")
        .containsExactly(2_000L);
    assertThat(hook.requests()).hasSize(1);
    timer.elapse();
    await().atMost(Duration.ofSeconds(10)).until(() -> recorder.delivered.size() == 1);
    List<Request> attempts = hook.requests();
    assertThat(attempts).hasSize(2);
    assertThat(attempts.get(1).header("X-K8vent-Delivery")).as("a retry keeps its delivery id")
        .isEqualTo(attempts.get(0).header("X-K8vent-Delivery"));
  }

  @Test
  void clientErrorsAreNotRetried() {
    WebhookReceiver hook = receiver().respond(n -> new Response(400, Map.of(), "{\"error\":\"bad\"}"));
    Dispatcher dispatcher = dispatcher(FAST, Duration.ofSeconds(5));
    dispatcher.submit(hook.url(), state("a", 1));

    await().atMost(Duration.ofSeconds(10)).until(() -> recorder.rejected.size() == 1);
    assertThat(dispatcher.queues().get(0).depth()).as("nothing left to retry").isZero();
    assertThat(hook.requests()).hasSize(1);
    assertThat(recorder.rejectedResults.get(0).describe()).contains("HTTP 400").contains("bad");
  }

  @Test
  void aHangingWebhookDoesNotDelayAHealthyOne() {
    WebhookReceiver stuck = receiver().hang();
    WebhookReceiver healthy = receiver();
    Dispatcher dispatcher = dispatcher(FAST, Duration.ofSeconds(30));
    for (int i = 1; i <= 30; i++) {
      dispatcher.submit(stuck.url(), state("p" + i, 1));
      dispatcher.submit(healthy.url(), state("p" + i, 1));
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> healthy.requests().size() == 30);
    assertThat(stuck.requests()).as("the stuck webhook holds only its in-flight limit").hasSize(8);
  }

  @Test
  void hangingAnnotationWebhooksCannotTakeTheRoomKeptForTheOperatorsWebhook() {
    WebhookReceiver stuck = receiver().hang();
    WebhookReceiver operator = receiver();
    HttpSender sender = new HttpSender(Duration.ofSeconds(2), Duration.ofSeconds(30), null, "k8vent/test");
    // A budget of 16 requests in flight: 8 kept for the one operator URL, 8 for all annotation URLs.
    Dispatcher dispatcher = new Dispatcher(sender, FAST, 8, recorder, java.util.Set.of(operator.url()), 1000, 16);
    closeables.add(dispatcher);
    for (int path = 1; path <= 4; path++) {
      for (int i = 1; i <= 8; i++) {
        dispatcher.submit(stuck.url("/team-" + path), state("p" + i, 1));
      }
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> stuck.requests().size() == 8);

    for (int i = 1; i <= 20; i++) {
      dispatcher.submit(operator.url(), state("p" + i, 1));
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> operator.requests().size() == 20);
    assertThat(stuck.requests()).as("annotation URLs together hold at most their share").hasSize(8);
  }

  @Test
  void annotationUrlsOnTheOperatorsHostWaitForConnectionsOfTheirOwnNotTheOperators() {
    WebhookReceiver host = receiver().hangOn("/slow");
    URI operator = host.url("/operator");
    HttpSender sender = new HttpSender(TestLoop.vertx(), Duration.ofSeconds(2), Duration.ofSeconds(30), null,
        new DeliveryHeaders("k8vent/test"), new Destinations(java.util.Set.of(operator), null), 8);
    Dispatcher dispatcher = new Dispatcher(sender, FAST, 8, recorder, java.util.Set.of(operator), 1000, 256);
    closeables.add(dispatcher);
    for (int path = 1; path <= 4; path++) {
      for (int i = 1; i <= 8; i++) {
        dispatcher.submit(host.url("/slow-" + path), state("p" + i, 1));
      }
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> slowRequests(host) == 8);

    for (int i = 1; i <= 20; i++) {
      dispatcher.submit(operator, state("p" + i, 1));
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> host.requestsTo("/operator").size() == 20);
    assertThat(slowRequests(host)).as("the annotation URLs' 8 connections to the host are all they use").isEqualTo(8);
  }

  private static long slowRequests(WebhookReceiver receiver) {
    return receiver.requests().stream().filter(r -> r.path().startsWith("/slow")).count();
  }

  @Test
  void podsListingManyDeadWebhooksCannotMakeK8ventHoldTheirBodiesWithoutEnd() {
    WebhookReceiver dead = receiver().hang();
    WebhookReceiver operatorDead = receiver().hang();
    URI operator = operatorDead.url();
    HttpSender sender = new HttpSender(Duration.ofSeconds(2), Duration.ofSeconds(30), null, "k8vent/test");
    Dispatcher dispatcher = new Dispatcher(sender, FAST, 8, recorder, java.util.Set.of(operator), 1000, 256);
    closeables.add(dispatcher);
    // 300 pods of 64 KiB each that hardly deflate (random text), each listing the same 10 webhooks:
    // 190 MiB if every queue held its own copy.
    java.util.Random random = new java.util.Random(7);
    int pods = 300;
    for (int i = 0; i < pods; i++) {
      byte[] noise = new byte[48 * 1024];
      random.nextBytes(noise);
      byte[] body = ("{\"pod\":{\"metadata\":{\"name\":\"p" + i + "\"},\"x\":\""
          + java.util.Base64.getEncoder().encodeToString(noise) + "\"}}").getBytes(StandardCharsets.UTF_8);
      Delivery d = new Delivery("uid-p" + i, "ns/p" + i, "MODIFIED", "1", body, null, UUID.randomUUID().toString(),
          System.nanoTime());
      for (int hook = 1; hook <= 10; hook++) {
        dispatcher.submit(dead.url("/team-" + hook), d);
      }
      dispatcher.submit(operator, d);
    }

    long annotationHeld = dispatcher.queues().stream().filter(q -> !q.url().equals(operator))
        .mapToLong(WebhookQueue::heldBytes).sum();
    long operatorHeld = dispatcher.queues().stream().filter(q -> q.url().equals(operator))
        .mapToLong(WebhookQueue::heldBytes).sum();
    assertThat(annotationHeld).isGreaterThan(Dispatcher.ANNOTATION_BODY_LIMIT * 3 / 4)
        .isLessThanOrEqualTo(Dispatcher.ANNOTATION_BODY_LIMIT);
    assertThat(recorder.refused).isNotEmpty().allSatisfy(r -> assertThat(r).contains("32 MiB"));
    assertThat(operatorHeld).as("the operator's webhook keeps every pod's state").isGreaterThan(pods * 48L * 1024);
  }

  @Test
  void statesOfOnePodCoalesceDuringAnOutage() {
    AtomicBoolean down = new AtomicBoolean(true);
    WebhookReceiver hook = receiver().respond(n -> Response.status(down.get() ? 503 : 200));
    Dispatcher dispatcher = dispatcher(new RetryPolicy(Duration.ofMillis(300), Duration.ofSeconds(1), Duration.ofMinutes(1)),
        Duration.ofSeconds(5));
    dispatcher.submit(hook.url(), state("busy", 1));
    await().atMost(Duration.ofSeconds(5)).until(() -> recorder.retries.get() == 1);
    for (int rv = 2; rv <= 100; rv++) {
      dispatcher.submit(hook.url(), state("busy", rv));
    }
    down.set(false);

    await().atMost(Duration.ofSeconds(10)).until(() -> !recorder.delivered.isEmpty());
    assertThat(recorder.delivered).extracting(Delivery::resourceVersion).containsExactly("100");
    assertThat(hook.requests()).extracting(WebhookQueueTest::rv).containsExactly(1, 100);
    assertThat(recorder.coalesced.get()).isEqualTo(99);
  }

  @Test
  void aDeadWebhookHoldsAtMostOneStatePerPodWaiting() {
    WebhookReceiver hook = receiver().respond(n -> Response.status(503));
    Dispatcher dispatcher = dispatcher(new RetryPolicy(Duration.ofSeconds(30), Duration.ofSeconds(30),
        Duration.ofMinutes(5)), Duration.ofSeconds(5));
    for (int rv = 1; rv <= 100; rv++) {
      for (int pod = 0; pod < 100; pod++) {
        dispatcher.submit(hook.url(), state("pod-" + pod, rv));
      }
    }

    assertThat(dispatcher.queues()).singleElement().satisfies(queue -> assertThat(queue.depth()).isEqualTo(100));
    assertThat(recorder.coalesced.get()).as("every state but the one in flight and the newest of each pod is dropped")
        .isGreaterThanOrEqualTo(10_000 - 2 * 100);
    assertThat(recorder.delivered).isEmpty();
  }

  @Test
  void shutdownDeliversWhatIsQueuedFirst() throws Exception {
    WebhookReceiver hook = receiver();
    Dispatcher dispatcher = dispatcher(FAST, Duration.ofSeconds(5));
    for (int i = 1; i <= 50; i++) {
      dispatcher.submit(hook.url(), state("p" + i, 1));
    }
    Map<URI, Integer> undelivered = dispatcher.drain(Duration.ofSeconds(10));

    assertThat(undelivered).isEmpty();
    assertThat(hook.requests()).hasSize(50);
  }

  @Test
  void shutdownWithADeadWebhookEndsWithinTheGracePeriod() throws Exception {
    URI dead;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      dead = URI.create("http://127.0.0.1:" + s.getLocalPort() + "/gone");
    }
    TimePassesAtOnce clock = new TimePassesAtOnce();
    Dispatcher dispatcher = dispatcher(FAST, Duration.ofSeconds(5), clock);
    for (int i = 1; i <= 5; i++) {
      dispatcher.submit(dead, state("p" + i, 1));
    }
    Map<URI, Integer> undelivered = dispatcher.drain(Duration.ofSeconds(2));

    assertThat(clock.waits).as("drain waits out the grace period, and no longer")
        .containsExactly(Duration.ofSeconds(2).toNanos());
    assertThat(undelivered).containsEntry(dead, 5);
    assertThat(recorder.dropped).containsEntry(dead, 5);
  }

  @Test
  void aStateIsAbandonedAfterTheGiveUpTime() {
    WebhookReceiver hook = receiver().respond(n -> Response.status(502));
    ManualTimer timer = new ManualTimer();
    closeables.add(timer::shutdownNow);
    HttpSender sender = new HttpSender(Duration.ofSeconds(2), Duration.ofSeconds(5), null, "k8vent/test");
    closeables.add(sender);
    WebhookQueue queue = new WebhookQueue(hook.url(), sender,
        new RetryPolicy(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(600)), 8, timer,
        timer::nanoTime, recorder, new InFlightBudget(256, 0, Runnable::run), true, new HeldBodies(1 << 20, Long.MAX_VALUE));
    queue.submit(state("a", 1));

    for (int retry = 1; recorder.gaveUp.isEmpty(); retry++) {
      int scheduled = retry;
      await().atMost(Duration.ofSeconds(10)).until(() -> !recorder.gaveUp.isEmpty()
          || timer.delaysMillis().size() == scheduled);
      timer.elapse();
    }

    List<Long> waits = timer.delaysMillis();
    long waited = waits.stream().mapToLong(Long::longValue).sum();
    assertThat(waited).as("not given up while a retry (at most 100 ms away) could still start within 600 ms")
        .isGreaterThanOrEqualTo(600L - 100L);
    assertThat(recorder.gaveUpAttempts).containsExactly(hook.requests().size())
        .allSatisfy(attempts -> assertThat(attempts).isGreaterThan(2));
    assertThat(queue.depth()).isZero();
  }

  static final class Recorder implements DeliveryObserver {
    final List<Delivery> delivered = new CopyOnWriteArrayList<>();
    final List<Delivery> rejected = new CopyOnWriteArrayList<>();
    final List<SendResult> rejectedResults = new CopyOnWriteArrayList<>();
    final List<Delivery> gaveUp = new CopyOnWriteArrayList<>();
    final List<Integer> gaveUpAttempts = new CopyOnWriteArrayList<>();
    final AtomicInteger retries = new AtomicInteger();
    final AtomicInteger coalesced = new AtomicInteger();
    final Map<URI, Integer> dropped = new java.util.concurrent.ConcurrentHashMap<>();
    final List<Duration> circuitOpened = new CopyOnWriteArrayList<>();
    final AtomicInteger circuitClosed = new AtomicInteger();
    final List<String> refused = new CopyOnWriteArrayList<>();

    @Override
    public void refused(URI url, Delivery d, String reason) {
      refused.add(reason);
    }

    @Override
    public void delivered(URI url, Delivery d, SendResult r, int attempts) {
      delivered.add(d);
    }

    @Override
    public void retrying(URI url, Delivery d, SendResult r, int attempts, Duration delay) {
      retries.incrementAndGet();
    }

    @Override
    public void rejected(URI url, Delivery d, SendResult r) {
      rejected.add(d);
      rejectedResults.add(r);
    }

    @Override
    public void gaveUp(URI url, Delivery d, SendResult r, int attempts) {
      gaveUp.add(d);
      gaveUpAttempts.add(attempts);
    }

    @Override
    public void coalesced(URI url, Delivery replaced) {
      coalesced.incrementAndGet();
    }

    @Override
    public void dropped(URI url, int count) {
      dropped.put(url, count);
    }

    @Override
    public void circuitOpened(URI url, SendResult cause, int pending, Duration nextProbe) {
      circuitOpened.add(nextProbe);
    }

    @Override
    public void circuitClosed(URI url, int pending) {
      circuitClosed.incrementAndGet();
    }
  }
}
