package io.k8vent.payload;

import io.k8vent.config.Glob;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Chooses which process environment variables go into the payload's {@code env}.
 *
 * <p>Never sent, whatever the patterns say: k8vent's own configuration ({@code K8VENT_*}), the
 * variables Kubernetes sets for services ({@code KUBERNETES_*}, {@code *_SERVICE_HOST},
 * {@code *_SERVICE_PORT*}, {@code *_PORT_*}, and {@code *_PORT} holding {@code tcp://…}), names
 * that look like secrets (containing SECRET, TOKEN, PASSWORD, PASSWD, CREDENTIAL, PRIVATE_KEY or
 * API_KEY) and values that carry credentials (a URL with user-info: {@code scheme://user[:pw]@host}).
 * Of the rest, a variable is sent when it matches an include pattern (all match when none are given)
 * and no exclude pattern. Patterns are case-insensitive globs over the whole name: {@code *} matches
 * any run of characters.
 */
public final class EnvFilter {
  static final List<String> SECRET_MARKERS =
      List.of("SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE_KEY", "API_KEY");

  /** Names never sent: k8vent's configuration and the service variables Kubernetes injects. */
  private static final List<Pattern> NEVER_NAMES = List.of("K8VENT_*", "KUBERNETES_*", "*_SERVICE_HOST",
      "*_SERVICE_PORT*", "*_PORT_*").stream().map(EnvFilter::glob).toList();
  /** {@code FOO_PORT=tcp://10.0.0.1:80}, as Kubernetes sets it for each service. */
  private static final Pattern SERVICE_PORT_NAME = glob("*_PORT");
  private static final Pattern SERVICE_PORT_VALUE =
      Pattern.compile("(tcp|udp|sctp)://.*", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
  /**
   * A URL with user-info anywhere in the value (values may hold lists of URLs): {@code scheme://}
   * followed by an {@code @} before the next whitespace or comma. An {@code @} later in a path
   * counts too: a variable too many is kept back rather than a password sent.
   */
  private static final Pattern CREDENTIALS_IN_URL = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://[^\\s,]*@");

  private final List<Pattern> includePatterns;
  private final List<Pattern> excludePatterns;

  public EnvFilter(List<String> includes, List<String> excludes) {
    this.includePatterns = includes.stream().map(EnvFilter::glob).toList();
    this.excludePatterns = excludes.stream().map(EnvFilter::glob).toList();
  }

  public static EnvFilter defaults() {
    return new EnvFilter(List.of(), List.of());
  }

  /** Whether the variable {@code name} with {@code value} is sent. */
  public boolean sends(String name, String value) {
    if (neverSent(name, value)) {
      return false;
    }
    if (!includePatterns.isEmpty() && includePatterns.stream().noneMatch(p -> p.matcher(name).matches())) {
      return false;
    }
    return excludePatterns.stream().noneMatch(p -> p.matcher(name).matches());
  }

  /** The variables of {@code env} that are sent, sorted by name. */
  public Map<String, String> apply(Map<String, String> env) {
    Map<String, String> kept = new TreeMap<>();
    env.forEach((k, v) -> {
      if (sends(k, v)) {
        kept.put(k, v);
      }
    });
    return kept;
  }

  static boolean neverSent(String name, String value) {
    return NEVER_NAMES.stream().anyMatch(p -> p.matcher(name).matches())
        || SERVICE_PORT_NAME.matcher(name).matches() && value != null && SERVICE_PORT_VALUE.matcher(value).matches()
        || looksSecret(name)
        || value != null && CREDENTIALS_IN_URL.matcher(value).find();
  }

  static boolean looksSecret(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    return SECRET_MARKERS.stream().anyMatch(upper::contains);
  }

  private static Pattern glob(String pattern) {
    return Glob.compile(pattern, ".*", Pattern.CASE_INSENSITIVE);
  }
}
