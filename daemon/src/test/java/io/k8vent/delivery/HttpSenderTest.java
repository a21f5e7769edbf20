package io.k8vent.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.k8vent.testing.WebhookReceiver.Response;
import io.k8vent.testing.WebhookReceiver;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpSenderTest {
  @Test
  void retryAfterAcceptsSecondsAndHttpDates() {
    assertThat(HttpSender.parseRetryAfter("7")).isEqualTo(Duration.ofSeconds(7));
    String inTenSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(10));
    assertThat(HttpSender.parseRetryAfter(inTenSeconds)).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(10));
    assertThat(HttpSender.parseRetryAfter("soon")).isNull();
  }

  @Test
  void readsTheCorrelationIdAtomistReturns() throws Exception {
    try (WebhookReceiver hook = new WebhookReceiver()
        .respond(n -> new Response(202, Map.of(), "{\"correlation_id\":\"c0ffee-42\"}"))) {
      HttpSender sender = new HttpSender(Duration.ofSeconds(2), Duration.ofSeconds(5), null, "k8vent/test");
      SendResult result = sender.send(hook.url(), WebhookQueueTest.state("a", 1)).get();

      assertThat(result.succeeded()).isTrue();
      assertThat(result.correlationId()).isEqualTo("c0ffee-42");
    }
  }

  @Test
  void classifiesAnswers() {
    assertThat(new SendResult(503, null, null, null, "").transientFailure()).isTrue();
    assertThat(new SendResult(429, null, null, null, "").transientFailure()).isTrue();
    assertThat(new SendResult(408, null, null, null, "").transientFailure()).isTrue();
    assertThat(new SendResult(404, null, null, null, "").transientFailure()).isFalse();
    assertThat(SendResult.failed("connection refused").transientFailure()).isTrue();
  }
}
