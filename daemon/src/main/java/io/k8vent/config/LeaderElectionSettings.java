package io.k8vent.config;

import java.time.Duration;

/** Where the Lease lives, who we are, and its timing (renew deadline and retry derive from the duration). */
public record LeaderElectionSettings(String namespace, String leaseName, String identity, Duration leaseDuration) {
  public Duration renewDeadline() {
    return leaseDuration.multipliedBy(2).dividedBy(3);
  }

  public Duration retryPeriod() {
    return leaseDuration.dividedBy(7);
  }
}
