package io.k8vent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WebhookAllowPatternTest {
  @ParameterizedTest
  @CsvSource({
      "https://webhook.atomist.com/,    https://webhook.atomist.com/atomist/kube/teams/T1, true",
      "https://webhook.atomist.com,     https://webhook.atomist.com.evil.org/x,           false",
      "https://webhook.atomist.com/,    http://webhook.atomist.com/x,                     false",
      "https://webhook.atomist.com/,    https://webhook.atomist.com:8443/x,               false",
      "https://*.example.com/hooks/,    https://a.b.example.com/hooks/x,                  true",
      "https://*.example.com/hooks/,    https://example.com/hooks/x,                      false",
      "https://*.example.com/hooks/,    https://a.example.com/other,                      false",
      "https://*.example.com/hooks/,    https://a.example.com.evil.org/hooks/,            false",
      "http://10.0.0.1:8080/,           http://10.0.0.1:8080/in,                          true",
      "https://h.example.com/hooks,     https://h.example.com/hooks,                      true",
      "https://h.example.com/hooks,     https://h.example.com/hooks/team,                 true",
      "https://h.example.com/hooks,     https://h.example.com/hooksX,                     false",
      "https://h.example.com/hooks/,    https://h.example.com/hooks,                      false"})
  void matchesOnParsedParts(String pattern, String url, boolean allowed) {
    assertThat(WebhookAllowPattern.parse(pattern).matches(URI.create(url))).isEqualTo(allowed);
  }

  @ParameterizedTest
  @CsvSource({"not a url", "ftp://x.com/", "''"})
  void badPatternsAreStartUpErrors(String pattern) {
    assertThatThrownBy(() -> WebhookAllowPattern.parse(pattern)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("--webhook-allow");
  }
}
