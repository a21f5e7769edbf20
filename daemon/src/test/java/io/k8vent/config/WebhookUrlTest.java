package io.k8vent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The rules every webhook URL (flags, K8VENT_WEBHOOKS, annotations) must meet. */
class WebhookUrlTest {
  @ParameterizedTest
  @ValueSource(strings = {"http://h.example.com:0/", "https://h.example.com:65536/", "http://h.example.com:70000/x"})
  void portsOutsideOneTo65535AreRefused(String url) {
    assertThat(WebhookUrl.problem(url)).contains("port must be from 1 to 65535");
  }

  @Test
  void aMetricLabelShowsNoPathButTellsWebhooksOnOneHostApartAsTheReadmeSays() {
    assertThat(WebhookUrl.metricLabel(URI.create("https://hooks.slack.com/services/T000/B000/XXXX")))
        .isEqualTo("https://hooks.slack.com/… sha256:9fbe5ae8");
    assertThat(WebhookUrl.metricLabel(URI.create("https://hooks.slack.com/services/T000/B000/YYYY")))
        .startsWith("https://hooks.slack.com/… sha256:").isNotEqualTo("https://hooks.slack.com/… sha256:9fbe5ae8");
    assertThat(WebhookUrl.metricLabel(URI.create("http://k8vent-sink.tools:8080/"))).isEqualTo("http://k8vent-sink.tools:8080/");
    assertThat(WebhookUrl.metricLabel(URI.create("https://h.example.com"))).isEqualTo("https://h.example.com/");
    assertThat(WebhookUrl.metricLabel(URI.create("https://h.example.com/?key=k3y"))).doesNotContain("k3y")
        .startsWith("https://h.example.com/… sha256:");
  }

  @Test
  void portsInRangeAndDefaultPortsAreFine() {
    assertThat(WebhookUrl.problem("http://h.example.com:1/")).isEmpty();
    assertThat(WebhookUrl.problem("https://h.example.com:65535/")).isEmpty();
    assertThat(WebhookUrl.problem("https://h.example.com/")).isEmpty();
  }

  @Test
  void userInfoIsRefusedWithoutEchoingThePassword() {
    assertThat(WebhookUrl.problem("https://user:pa55w0rd@h.example.com/")).hasValueSatisfying(p ->
        assertThat(p).contains("user-info").contains("--secret").contains("path or query").doesNotContain("pa55w0rd"));
    assertThatThrownBy(() -> WebhookUrl.parse("https://user:pa55w0rd@h.example.com/", "K8VENT_WEBHOOKS"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("K8VENT_WEBHOOKS")
        .hasMessageContaining("user-info").hasMessageNotContaining("pa55w0rd");
  }
}
