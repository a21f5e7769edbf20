package io.k8vent.config;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An operator's rule for which annotation webhook URLs are allowed, written as a URL:
 * {@code https://hooks.example.com/k8vent/} or {@code https://*.example.com}. Scheme and port must
 * be equal, the host must match ({@code *} matches one or more DNS labels), and the URL's path must
 * start with the pattern's path. Matching on parsed parts means {@code https://example.com} does not
 * also allow {@code https://example.com.evil.org}.
 */
public final class WebhookAllowPattern {
  /** What {@code *} in a host matches: one or more DNS labels. */
  private static final String DNS_LABELS = "[a-z0-9-]+(\\.[a-z0-9-]+)*";

  private final String text;
  private final String scheme;
  private final Pattern host;
  private final int port;
  private final String pathPrefix;

  private WebhookAllowPattern(String text, String scheme, Pattern host, int port, String pathPrefix) {
    this.text = text;
    this.scheme = scheme;
    this.host = host;
    this.port = port;
    this.pathPrefix = pathPrefix;
  }

  public static WebhookAllowPattern parse(String text) {
    return parse(text, "--webhook-allow");
  }

  /** As {@link #parse(String)}; a bad pattern names {@code source}, the option or variable it came from. */
  public static WebhookAllowPattern parse(String text, String source) {
    String candidate = text == null ? "" : text.trim();
    String forUri = candidate.replace("*", "wildcard-k8vent");
    if (WebhookUrl.problem(forUri).isPresent()) {
      throw new ConfigException("invalid " + source + " pattern " + WebhookUrl.quoteRedacted(candidate)
          + ": " + WebhookUrl.problem(forUri).get() + "; write it as a URL, e.g. https://*.example.com/hooks/");
    }
    URI uri = URI.create(forUri);
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    String hostGlob = uri.getHost().toLowerCase(Locale.ROOT).replace("wildcard-k8vent", "*");
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    return new WebhookAllowPattern(candidate, scheme, Glob.compile(hostGlob, DNS_LABELS, 0),
        effectivePort(scheme, uri.getPort()), path);
  }

  public boolean matches(URI url) {
    String urlScheme = url.getScheme().toLowerCase(Locale.ROOT);
    if (!urlScheme.equals(scheme) || effectivePort(urlScheme, url.getPort()) != port) {
      return false;
    }
    if (url.getHost() == null || !host.matcher(url.getHost().toLowerCase(Locale.ROOT)).matches()) {
      return false;
    }
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    // Whole segments only: /hooks/ allows /hooks/a, and /hooks allows /hooks and /hooks/a, never /hooksX.
    return path.equals(pathPrefix) || path.startsWith(pathPrefix)
        && (pathPrefix.endsWith("/") || path.charAt(pathPrefix.length()) == '/');
  }

  private static int effectivePort(String scheme, int port) {
    if (port != -1) {
      return port;
    }
    return scheme.equals("https") ? 443 : 80;
  }

  @Override
  public String toString() {
    return text;
  }
}
