package io.k8vent.route;

import io.k8vent.config.WebhookAllowPattern;
import io.k8vent.config.WebhookUrl;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What pod authors may do with webhook URLs in their annotation. With {@code allow} (the
 * seed-compatible default) and no patterns, any http(s) URL is used; patterns narrow that; with
 * {@code deny} annotation webhooks are ignored.
 */
public final class AnnotationPolicy {
  public enum Mode {
    ALLOW, DENY
  }

  /** Path tricks that make a URL look like it is under an allowed path when a server reads it otherwise. */
  private static final Pattern DISGUISED_PATH =
      Pattern.compile("(^|/)\\.{1,2}(/|$)|%2[eEfF]|%5[cC]");

  private final Mode mode;
  private final List<WebhookAllowPattern> patterns;
  private final int maxWebhooks;

  /** @param maxWebhooks URLs used at most from one annotation; the rest are ignored */
  public AnnotationPolicy(Mode mode, List<WebhookAllowPattern> patterns, int maxWebhooks) {
    this.mode = mode;
    this.patterns = List.copyOf(patterns);
    this.maxWebhooks = maxWebhooks;
  }

  public static AnnotationPolicy allowAll() {
    return new AnnotationPolicy(Mode.ALLOW, List.of(), io.k8vent.config.WebhookSafety.DEFAULT_WEBHOOKS_PER_ANNOTATION);
  }

  public int maxWebhooks() {
    return maxWebhooks;
  }

  /** Why {@code url} may not be used as an annotation webhook, or empty when it may. */
  public Optional<String> refusal(URI url) {
    if (mode == Mode.DENY) {
      return Optional.of("annotation webhooks are disabled (--annotation-webhooks=deny)");
    }
    if (DISGUISED_PATH.matcher(url.getRawPath() == null ? "" : url.getRawPath()).find()) {
      return Optional.of("webhook " + WebhookUrl.redact(url) + " has a dot-segment or an encoded '/', '.' or '\\' "
          + "in its path; write the path plainly");
    }
    if (patterns.isEmpty() || patterns.stream().anyMatch(p -> p.matches(url))) {
      return Optional.empty();
    }
    return Optional.of("webhook " + WebhookUrl.redact(url) + " matches no --webhook-allow pattern");
  }
}
