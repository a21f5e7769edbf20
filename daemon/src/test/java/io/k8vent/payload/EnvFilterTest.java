package io.k8vent.payload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvFilterTest {
  private static final Map<String, String> ENV = Map.ofEntries(
      Map.entry("HOSTNAME", "h"), Map.entry("PATH", "/bin"), Map.entry("GITHUB_TOKEN", "t"),
      Map.entry("db_password", "p"), Map.entry("AWS_SECRET_ACCESS_KEY", "s"), Map.entry("MY_API_KEY", "k"),
      Map.entry("SSH_PRIVATE_KEY", "k"), Map.entry("PASSWD", "x"), Map.entry("GOOGLE_CREDENTIALS", "c"),
      Map.entry("K8VENT_MODE", "m"), Map.entry("K8VENT_WEBHOOKS", "https://hooks.example/team?key=x"),
      Map.entry("DATABASE_URL", "postgres://u:pw@db/x"), Map.entry("MIRRORS", "https://a.example/,ftp://anon@b.example/"),
      Map.entry("KUBERNETES_SERVICE_HOST", "10.96.0.1"), Map.entry("KUBERNETES_PORT", "tcp://10.96.0.1:443"),
      Map.entry("FOO_SERVICE_HOST", "10.0.0.7"), Map.entry("FOO_SERVICE_PORT_HTTPS", "443"),
      Map.entry("FOO_SERVICE_PORT", "443"), Map.entry("FOO_PORT", "tcp://10.0.0.7:443"),
      Map.entry("FOO_PORT_443_TCP_ADDR", "10.0.0.7"), Map.entry("HTTP_PORT", "8080"),
      Map.entry("HOMEPAGE", "https://example.com/docs"));

  @Test
  void defaultsLeaveOutConfigurationServiceVariablesSecretNamesAndCredentialValues() {
    assertThat(EnvFilter.defaults().apply(ENV)).containsOnlyKeys("HOSTNAME", "PATH", "HTTP_PORT", "HOMEPAGE");
  }

  @Test
  void noIncludePatternLetsANeverSentVariableThrough() {
    EnvFilter f = new EnvFilter(List.of("K8VENT_*", "GITHUB_TOKEN", "DATABASE_URL", "KUBERNETES_SERVICE_HOST",
        "FOO_PORT", "HOSTNAME"), List.of());
    assertThat(f.apply(ENV)).containsOnlyKeys("HOSTNAME");
  }

  @Test
  void includeNarrowsAndExcludeRemovesMoreCaseInsensitively() {
    assertThat(new EnvFilter(List.of("h*"), List.of()).apply(ENV)).containsOnlyKeys("HOSTNAME", "HTTP_PORT", "HOMEPAGE");
    assertThat(new EnvFilter(List.of(), List.of("path", "h*")).apply(ENV)).isEmpty();
  }

  @Test
  void aUrlWithUserInfoIsACredentialWhateverTheName() {
    assertThat(EnvFilter.defaults().sends("UPSTREAM", "amqp://guest:guest@rabbit:5672/")).isFalse();
    assertThat(EnvFilter.defaults().sends("UPSTREAM", "redis://:pw@cache:6379")).isFalse();
    assertThat(EnvFilter.defaults().sends("UPSTREAM", "https://rabbit.example:5672/vhost")).isTrue();
    assertThat(EnvFilter.defaults().sends("CONTACT", "ops@example.com")).isTrue();
  }
}
