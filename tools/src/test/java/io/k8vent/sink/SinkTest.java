package io.k8vent.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.k8vent.testing.Hmac;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The sink's verdicts and injected failures, over real HTTP on loopback. */
class SinkTest {
  private static final String BODY = "{\"pod\":{\"metadata\":{\"namespace\":\"shop\",\"name\":\"web-1\"},"
      + "\"status\":{\"phase\":\"Running\"}},\"env\":{}}";

  private final List<Sink.Received> received = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  private Sink sink(String secret, Sink.Failure failure) {
    return new Sink(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), secret, failure, received::add);
  }

  private HttpResponse<String> post(Sink sink, String body, String sha1, String sha256) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(sink.url("/hook"))
        .header("X-K8vent-Event", "MODIFIED")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (sha1 != null) {
      request.header("X-Atomist-Signature", sha1);
    }
    if (sha256 != null) {
      request.header("X-K8vent-Signature-256", sha256);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void saysWhenARequestIsACloudEventAndReadsThePodFromItsData() throws Exception {
    try (Sink sink = sink(null, Sink.Failure.NONE)) {
      http.send(HttpRequest.newBuilder(sink.url("/ce")).header("X-K8vent-Event", "ADDED")
          .header("ce-specversion", "1.0").header("ce-type", "io.k8vent.pod.added").header("ce-id", "1")
          .header("ce-source", "/k8vent/namespaces/shop/pods/web-1").header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(BODY)).build(), HttpResponse.BodyHandlers.ofString());
      String structured = "{\"specversion\":\"1.0\",\"id\":\"2\",\"type\":\"io.k8vent.pod.deleted\","
          + "\"source\":\"/k8vent\",\"data\":" + BODY.replace("Running", "Deleted") + "}";
      http.send(HttpRequest.newBuilder(sink.url("/ce")).header("X-K8vent-Event", "DELETED")
          .header("X-K8vent-Deletion", "left-selection").header("Content-Type", "application/cloudevents+json; charset=UTF-8")
          .POST(HttpRequest.BodyPublishers.ofString(structured)).build(), HttpResponse.BodyHandlers.ofString());
    }
    assertThat(received.get(0).summary()).contains("ADDED shop/web-1 Running")
        .contains("as CloudEvent binary io.k8vent.pod.added");
    assertThat(received.get(1).summary()).contains("DELETED (left-selection) shop/web-1 Deleted")
        .contains("as CloudEvent structured io.k8vent.pod.deleted");
  }

  @Test
  void saysWhetherEachSignatureIsValid() throws Exception {
    byte[] bytes = BODY.getBytes(StandardCharsets.UTF_8);
    String sha1 = Hmac.sha1("s3cret", bytes);
    String sha256 = Hmac.sha256("s3cret", bytes);
    try (Sink sink = sink("s3cret", Sink.Failure.NONE)) {
      assertThat(post(sink, BODY, sha1, sha256).statusCode()).isEqualTo(200);
      post(sink, BODY.replace("Running", "Failed"), sha1, sha256);
      post(sink, BODY, sha1, Hmac.sha256("other", bytes));
      post(sink, BODY, null, null);
    }

    assertThat(received).extracting(Sink.Received::signature).containsExactly(
        Sink.Signature.VALID, Sink.Signature.INVALID, Sink.Signature.INVALID, Sink.Signature.MISSING);
    assertThat(received.get(0).summary())
        .contains("POST /hook MODIFIED shop/web-1 Running").contains("signature valid").endsWith("-> 200");
    assertThat(received.get(1).summary()).contains("shop/web-1 Failed").contains("signature INVALID");
  }

  private HttpResponse<String> postStandard(Sink sink, String body, String id, long timestamp, String signature)
      throws Exception {
    return http.send(HttpRequest.newBuilder(sink.url("/hook"))
        .header("X-K8vent-Event", "MODIFIED")
        .header("webhook-id", id)
        .header("webhook-timestamp", Long.toString(timestamp))
        .header("webhook-signature", signature)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void verifiesTheStandardWebhooksSignature() throws Exception {
    byte[] bytes = BODY.getBytes(StandardCharsets.UTF_8);
    long now = Instant.now().getEpochSecond();
    String good = Hmac.standardWebhooks("s3cret", "d-1", Long.toString(now), bytes);
    try (Sink sink = sink("s3cret", Sink.Failure.NONE)) {
      assertThat(postStandard(sink, BODY, "d-1", now, good).statusCode()).isEqualTo(200);
      assertThat(postStandard(sink, BODY, "d-2", now, good).statusCode()).as("signed for another id").isEqualTo(401);
      assertThat(postStandard(sink, BODY, "d-1", now, "v1,bm9wZQ== " + good).statusCode())
          .as("one of several signatures matches").isEqualTo(200);
    }

    assertThat(received).extracting(Sink.Received::signature)
        .containsExactly(Sink.Signature.VALID, Sink.Signature.INVALID, Sink.Signature.VALID);
    assertThat(received.get(1).summary()).contains("signature INVALID").endsWith("-> 401");
  }

  @Test
  void refusesAStaleOrFutureTimestampEvenWhenSignedAndSaysWhy() throws Exception {
    byte[] bytes = BODY.getBytes(StandardCharsets.UTF_8);
    long stale = Instant.now().getEpochSecond() - 6 * 60;
    long future = Instant.now().getEpochSecond() + 6 * 60;
    try (Sink sink = sink("s3cret", Sink.Failure.NONE)) {
      HttpResponse<String> replay =
          postStandard(sink, BODY, "d-1", stale, Hmac.standardWebhooks("s3cret", "d-1", Long.toString(stale), bytes));
      HttpResponse<String> early =
          postStandard(sink, BODY, "d-1", future, Hmac.standardWebhooks("s3cret", "d-1", Long.toString(future), bytes));

      assertThat(replay.statusCode()).isEqualTo(401);
      assertThat(early.statusCode()).isEqualTo(401);
    }

    assertThat(received.get(0).summary()).contains("shop/web-1 Running")
        .contains("signature REJECTED: webhook-timestamp more than 5 minutes old").endsWith("-> 401");
    assertThat(received.get(1).summary())
        .contains("signature REJECTED: webhook-timestamp more than 5 minutes in the future").endsWith("-> 401");
  }

  @Test
  void withoutASecretItSaysSignaturesAreNotChecked() throws Exception {
    try (Sink sink = sink(null, Sink.Failure.NONE)) {
      post(sink, BODY, "sha1=00", null);
    }

    assertThat(received).singleElement().satisfies(r -> {
      assertThat(r.signature()).isEqualTo(Sink.Signature.NOT_CHECKED);
      assertThat(r.summary()).contains("not checked");
    });
  }

  @Test
  void failsTheFirstRequestsWhenToldTo() throws Exception {
    try (Sink sink = sink(null, new Sink.Failure(503, 2))) {
      assertThat(post(sink, BODY, null, null).statusCode()).isEqualTo(503);
      assertThat(post(sink, BODY, null, null).statusCode()).isEqualTo(503);
      HttpResponse<String> third = post(sink, BODY, null, null);
      assertThat(third.statusCode()).isEqualTo(200);
      assertThat(third.body()).contains("correlation_id");
    }

    assertThat(received).extracting(Sink.Received::status).containsExactly(503, 503, 200);
  }

  @Test
  void summarisesLinkImageRequests() throws Exception {
    try (Sink sink = sink(null, Sink.Failure.NONE)) {
      post(sink, "{\"git\":{\"owner\":\"o\",\"repo\":\"r\",\"sha\":\"abcdef0\"},\"docker\":{\"image\":\"o/i:1\"},"
          + "\"type\":\"link-image\"}", null, null);
    }

    assertThat(received.get(0).summary()).contains("link-image o/i:1 <- o/r@abcdef0");
  }
}
