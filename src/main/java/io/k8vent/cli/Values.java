package io.k8vent.cli;

import io.k8vent.config.ConfigException;
import io.k8vent.config.Durations;
import java.time.Duration;

/** Option values checked the same way by every command; a bad value names its option. */
final class Values {
  private Values() {}

  /** A TCP port; 0 is allowed only when {@code zeroMeans} says what it does. */
  static int port(String value, String option, String zeroMeans) {
    int lowest = zeroMeans == null ? 1 : 0;
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= lowest && n <= 65535) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below with the option's name
    }
    throw new ConfigException("invalid " + option + " \"" + value + "\"; use a port number from 1 to 65535"
        + (zeroMeans == null ? "" : ", or 0 " + zeroMeans));
  }

  static int positiveInt(String value, String option) {
    try {
      int n = Integer.parseInt(value.trim());
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below with the option's name
    }
    throw new ConfigException("invalid " + option + " \"" + value + "\"; it must be a whole number greater than zero");
  }

  static Duration positiveDuration(String value, String option) {
    Duration d = Durations.parse(value, option);
    if (d.isNegative() || d.isZero()) {
      throw new ConfigException(option + " must be greater than zero");
    }
    return d;
  }
}
