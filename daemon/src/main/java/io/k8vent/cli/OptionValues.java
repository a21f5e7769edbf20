package io.k8vent.cli;

import io.k8vent.config.ConfigException;
import io.k8vent.config.Durations;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Option values checked the same way by every command. A bad value names where it came from: the
 * option, or the environment variable when the value was read from one (see {@link Env#source}).
 */
public final class OptionValues {
  /** No duration option may be longer than this: beyond it a value is a typo, not a setting. */
  static final Duration MAX_DURATION = Duration.ofHours(24);

  private OptionValues() {}

  /** A TCP port; 0 is allowed only when {@code zeroMeans} says what it does. */
  public static int port(String value, String source, String zeroMeans) {
    int lowest = zeroMeans == null ? 1 : 0;
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= lowest && n <= 65535) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below with the option's name
    }
    throw new ConfigException("invalid " + source + " \"" + value + "\"; use a port number from 1 to 65535"
        + (zeroMeans == null ? "" : ", or 0 " + zeroMeans));
  }

  /** One of {@code allowed}, in any case, returned in lower case. */
  public static String choice(String value, String source, String... allowed) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (!List.of(allowed).contains(v)) {
      throw new ConfigException("invalid " + source + " \"" + value + "\"; use " + String.join(" or ", allowed));
    }
    return v;
  }

  public static int positiveInt(String value, String source) {
    return intInRange(value, source, Integer.MAX_VALUE);
  }

  /** A whole number from 1 to {@code max}. */
  public static int intInRange(String value, String source, int max) {
    try {
      int n = Integer.parseInt(value.trim());
      if (n > 0 && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below with the option's name
    }
    throw new ConfigException("invalid " + source + " \"" + value + "\"; it must be a whole number greater than zero"
        + (max == Integer.MAX_VALUE ? "" : " and at most " + max));
  }

  public static Duration positiveDuration(String value, String source) {
    return duration(value, source, Duration.ZERO);
  }

  /** A duration greater than zero, at least {@code min} and at most {@link #MAX_DURATION}. */
  public static Duration duration(String value, String source, Duration min) {
    Duration d = Durations.parse(value, source);
    if (d.isNegative() || d.isZero() || d.compareTo(min) < 0 || d.compareTo(MAX_DURATION) > 0) {
      throw new ConfigException("invalid " + source + " \"" + value.trim() + "\"; it must be "
          + (min.isZero() ? "greater than zero" : "at least " + Durations.format(min)) + " and at most "
          + Durations.format(MAX_DURATION));
    }
    return d;
  }

  /** An IP address (or a name of this host) to listen on. */
  public static InetAddress address(String value, String source) {
    String v = value.trim();
    try {
      if (!v.isEmpty()) {
        return InetAddress.getByName(v);
      }
    } catch (UnknownHostException e) {
      // reported below with the option's name
    }
    throw new ConfigException("invalid " + source + " \"" + value + "\"; use an IP address of this host, e.g. "
        + "0.0.0.0 (all addresses) or 127.0.0.1 (this host only)");
  }
}
