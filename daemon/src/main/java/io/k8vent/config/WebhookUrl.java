package io.k8vent.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * Parses, validates and redacts webhook URLs. Only absolute http(s) URLs with a host, a port (when
 * given) from 1 to 65535 and no user-info are accepted: user-info would be a password k8vent keeps in
 * memory and could show, and it is not sent anyway.
 */
public final class WebhookUrl {
  private WebhookUrl() {}

  /** Returns the reason {@code value} is not a usable webhook URL, or empty when it is. */
  public static Optional<String> problem(String value) {
    if (value == null || value.isBlank()) {
      return Optional.of("empty URL");
    }
    URI uri;
    try {
      uri = new URI(value.trim());
    } catch (URISyntaxException e) {
      return Optional.of("not a URL (" + e.getReason() + ")");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return Optional.of("scheme must be http or https");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      return Optional.of("no host");
    }
    if (uri.getPort() == 0 || uri.getPort() > 65535) {
      return Optional.of("port must be from 1 to 65535");
    }
    if (uri.getRawUserInfo() != null) {
      return Optional.of("user-info (user:password@) is not allowed; put credentials in the path or query the "
          + "endpoint expects, or sign bodies with --secret");
    }
    return Optional.empty();
  }

  /** Parses a URL the operator gave; a bad one is a {@link ConfigException} naming {@code source}. */
  public static URI parse(String value, String source) {
    Optional<String> problem = problem(value);
    if (problem.isPresent()) {
      throw new ConfigException("invalid webhook URL " + quoteRedacted(value) + " in " + source + ": "
          + problem.get() + "; a webhook URL looks like https://webhook.example.com/path");
    }
    return URI.create(value.trim());
  }

  /**
   * The URL as it may appear in logs: scheme, host, port and path, without user-info, query or
   * fragment, which is where credentials live.
   */
  public static String redact(URI uri) {
    StringBuilder sb = origin(uri);
    String path = uri.getRawPath();
    sb.append(path == null || path.isEmpty() ? "/" : path);
    return sb.toString();
  }

  /**
   * The URL as a metric label, which anyone reaching the ops endpoint can read: scheme, host and port,
   * and in place of a path (where endpoints such as Slack's keep their secret) {@code /…} and the first
   * 8 hex digits of the SHA-256 of the whole URL, which tell webhooks on one host apart
   * ({@code printf %s URL | sha256sum}).
   */
  public static String metricLabel(URI uri) {
    StringBuilder sb = origin(uri);
    String path = uri.getRawPath();
    if ((path == null || path.isEmpty() || path.equals("/")) && uri.getRawQuery() == null) {
      return sb.append('/').toString();
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(uri.toString().getBytes(StandardCharsets.UTF_8));
      return sb.append("/… sha256:").append(HexFormat.of().formatHex(digest, 0, 4)).toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Scheme, host and port (when given): {@code https://h.example.com:8443}. */
  private static StringBuilder origin(URI uri) {
    StringBuilder sb = new StringBuilder();
    sb.append(uri.getScheme()).append("://").append(uri.getHost());
    if (uri.getPort() != -1) {
      sb.append(':').append(uri.getPort());
    }
    return sb;
  }

  /** Quotes a value for an error message, hiding anything after '?' and any user-info. */
  public static String quoteRedacted(String value) {
    if (value == null) {
      return "\"\"";
    }
    String shown = value;
    int query = shown.indexOf('?');
    if (query >= 0) {
      shown = shown.substring(0, query) + "?…";
    }
    int at = shown.indexOf('@');
    int schemeEnd = shown.indexOf("://");
    if (at >= 0 && schemeEnd >= 0 && at > schemeEnd) {
      shown = shown.substring(0, schemeEnd + 3) + "…@" + shown.substring(at + 1);
    }
    return "\"" + shown + "\"";
  }
}
