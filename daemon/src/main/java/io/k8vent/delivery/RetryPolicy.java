package io.k8vent.delivery;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter: the n-th retry waits a random time between half and all of
 * {@code initial * 2^(n-1)}, capped at {@code max}; a server's Retry-After is a floor, also capped
 * at {@code max}. A state is abandoned once {@code giveUpAfter} has passed since its first attempt.
 */
public record RetryPolicy(Duration initial, Duration max, Duration giveUpAfter) {

  public static RetryPolicy defaults() {
    return new RetryPolicy(Duration.ofMillis(500), Duration.ofSeconds(60), Duration.ofMinutes(15));
  }

  public Duration delay(int failures, Duration retryAfter) {
    double exponential = initial.toMillis() * Math.pow(2, Math.max(0, failures - 1));
    long capped = (long) Math.min(max.toMillis(), exponential);
    long jittered = capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    long floor = retryAfter == null ? 0 : Math.min(max.toMillis(), retryAfter.toMillis());
    return Duration.ofMillis(Math.max(jittered, floor));
  }

  public boolean exhausted(Duration sinceFirstAttempt) {
    return sinceFirstAttempt.compareTo(giveUpAfter) >= 0;
  }
}
