package io.k8vent.payload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvFilterTest {
  private static final Map<String, String> ENV = Map.of(
      "HOSTNAME", "h", "PATH", "/bin", "GITHUB_TOKEN", "t", "db_password", "p", "AWS_SECRET_ACCESS_KEY", "s",
      "MY_API_KEY", "k", "SSH_PRIVATE_KEY", "k", "PASSWD", "x", "GOOGLE_CREDENTIALS", "c", "K8VENT_MODE", "m");

  @Test
  void defaultsLeaveOutSecretLookingNames() {
    assertThat(EnvFilter.defaults().apply(ENV)).containsOnlyKeys("HOSTNAME", "PATH", "K8VENT_MODE");
  }

  @Test
  void includeNarrowsAndCanNameASecretExactly() {
    EnvFilter f = new EnvFilter(List.of("K8VENT_*", "GITHUB_TOKEN", "*PASSWORD*"), List.of());
    assertThat(f.apply(ENV)).as("a wildcard never lets a secret through").containsOnlyKeys("K8VENT_MODE", "GITHUB_TOKEN");
  }

  @Test
  void excludeRemovesMoreAndIsCaseInsensitive() {
    EnvFilter f = new EnvFilter(List.of(), List.of("path", "host*"));
    assertThat(f.apply(ENV)).containsOnlyKeys("K8VENT_MODE");
  }
}
