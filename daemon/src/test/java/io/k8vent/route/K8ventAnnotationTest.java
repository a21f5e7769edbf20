package io.k8vent.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.k8vent.config.WebhookAllowPattern;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class K8ventAnnotationTest {
  private static final AnnotationPolicy ALLOW = AnnotationPolicy.allowAll();

  @Test
  void readsBothKeysOfTheSeedsFormat() {
    K8ventAnnotation a = K8ventAnnotation.parse(
        "{\"webhooks\":[\"https://webhook.atomist.com/atomist/kube/teams/T1\",\"https://second.com/webhook\"],"
            + "\"environment\":\"production\"}", ALLOW);

    assertThat(a.problems()).isEmpty();
    assertThat(a.webhooks()).contains(List.of(URI.create("https://webhook.atomist.com/atomist/kube/teams/T1"),
        URI.create("https://second.com/webhook")));
    assertThat(a.environment()).contains("production");
  }

  @Test
  void noAnnotationMeansGlobalSettings() {
    K8ventAnnotation a = K8ventAnnotation.parse(null, ALLOW);
    assertThat(a.webhooks()).isEmpty();
    assertThat(a.environment()).isEmpty();
    assertThat(a.problems()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "not json                                   | not valid JSON",
      "[\"https://x.com\"]                         | not a JSON object",
      "{\"webhooks\":\"http://x\"}                | must be an array",
      "{\"webhooks\":[]}                          | empty list",
      "{\"webhooks\":[42]}                        | only strings",
      "{\"webhooks\":[\"ftp://x\"]}               | scheme must be http or https",
      "{\"webhooks\":[\"ht!tp://bad url\"]}       | not a URL",
      "{\"environment\":7}                        | must be a string"})
  void badAnnotationsSayWhy(String value, String reason) {
    K8ventAnnotation a = K8ventAnnotation.parse(value, ALLOW);
    assertThat(a.webhooks()).isEmpty();
    assertThat(a.problems()).singleElement().asString().contains(reason);
  }

  @Test
  void aBadWebhooksPartDoesNotDiscardAGoodEnvironment() {
    K8ventAnnotation a = K8ventAnnotation.parse("{\"webhooks\":\"x\",\"environment\":\"qa\"}", ALLOW);
    assertThat(a.webhooks()).isEmpty();
    assertThat(a.environment()).contains("qa");
  }

  @Test
  void policyRefusesDisallowedUrls() {
    AnnotationPolicy deny = new AnnotationPolicy(AnnotationPolicy.Mode.DENY, List.of(), 10);
    assertThat(K8ventAnnotation.parse("{\"webhooks\":[\"https://a.com\"]}", deny).problems())
        .singleElement().asString().contains("--annotation-webhooks=deny");

    AnnotationPolicy only = new AnnotationPolicy(AnnotationPolicy.Mode.ALLOW,
        List.of(WebhookAllowPattern.parse("https://*.example.com/hooks/")), 10);
    assertThat(K8ventAnnotation.parse("{\"webhooks\":[\"https://a.example.com/hooks/1\"]}", only).webhooks()).isPresent();
    assertThat(K8ventAnnotation.parse("{\"webhooks\":[\"http://169.254.169.254/latest\"]}", only).problems())
        .singleElement().asString().contains("matches no --webhook-allow pattern");
  }

  @Test
  void problemsNeverEchoQueryStrings() {
    K8ventAnnotation a = K8ventAnnotation.parse("{\"webhooks\":[\"https://x.com/h?token=abc\"]}",
        new AnnotationPolicy(AnnotationPolicy.Mode.DENY, List.of(), 10));
    assertThat(String.join(" ", a.problems())).doesNotContain("abc");
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {
      "https://h.example.com/hooks/../admin", "https://h.example.com/hooks/./x", "https://h.example.com/hooks/..",
      "https://h.example.com/hooks%2F..%2Fadmin", "https://h.example.com/hooks/%2e%2e/admin",
      "https://h.example.com/hooks%5cadmin"})
  void dotSegmentsAndEncodedSeparatorsAreRefusedEvenWithoutPatterns(String url) {
    K8ventAnnotation a = K8ventAnnotation.parse("{\"webhooks\":[\"" + url + "\"]}", AnnotationPolicy.allowAll());

    assertThat(a.webhooks()).isEmpty();
    assertThat(a.problems()).singleElement().asString().contains("dot-segment or an encoded");
  }
}
