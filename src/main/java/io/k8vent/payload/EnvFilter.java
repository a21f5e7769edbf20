package io.k8vent.payload;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Chooses which process environment variables go into the payload's {@code env}.
 *
 * <p>A variable is sent when it matches an include pattern (all match when none are given) and
 * is not excluded. Excluded are names matching an exclude pattern, and names that look like
 * secrets (containing SECRET, TOKEN, PASSWORD, PASSWD, CREDENTIAL, PRIVATE_KEY or API_KEY) unless an
 * include pattern names them exactly, without wildcards. Patterns are case-insensitive globs over
 * the whole name: {@code *} matches any run of characters.
 */
public final class EnvFilter {
  static final List<String> SECRET_MARKERS =
      List.of("SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE_KEY", "API_KEY");

  private final List<String> includes;
  private final List<Pattern> includePatterns;
  private final List<Pattern> excludePatterns;

  public EnvFilter(List<String> includes, List<String> excludes) {
    this.includes = List.copyOf(includes);
    this.includePatterns = includes.stream().map(EnvFilter::glob).toList();
    this.excludePatterns = excludes.stream().map(EnvFilter::glob).toList();
  }

  public static EnvFilter defaults() {
    return new EnvFilter(List.of(), List.of());
  }

  public boolean sends(String name) {
    if (!includePatterns.isEmpty() && includePatterns.stream().noneMatch(p -> p.matcher(name).matches())) {
      return false;
    }
    if (excludePatterns.stream().anyMatch(p -> p.matcher(name).matches())) {
      return false;
    }
    return !looksSecret(name) || namedExactly(name);
  }

  /** The variables of {@code env} that are sent, sorted by name. */
  public Map<String, String> apply(Map<String, String> env) {
    Map<String, String> kept = new TreeMap<>();
    env.forEach((k, v) -> {
      if (sends(k)) {
        kept.put(k, v);
      }
    });
    return kept;
  }

  static boolean looksSecret(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    return SECRET_MARKERS.stream().anyMatch(upper::contains);
  }

  private boolean namedExactly(String name) {
    return includes.stream().anyMatch(i -> !i.contains("*") && i.equalsIgnoreCase(name));
  }

  private static Pattern glob(String pattern) {
    StringBuilder regex = new StringBuilder();
    for (String part : pattern.split("\\*", -1)) {
      if (regex.length() > 0 || pattern.startsWith("*")) {
        regex.append(".*");
      }
      regex.append(Pattern.quote(part));
    }
    return Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE);
  }
}
