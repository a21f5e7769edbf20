package io.k8vent.route;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.k8vent.config.WebhookUrl;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The pod annotation {@code atomist.com/k8vent}: a JSON object with optional {@code webhooks} (a
 * non-empty array of http(s) URLs) and {@code environment} (a string). Each part is judged on its
 * own: a bad {@code webhooks} falls back to the global URLs while a good {@code environment} still
 * applies. Unknown keys are ignored so newer annotations do not break older daemons.
 */
public final class K8ventAnnotation {
  public static final String KEY = "atomist.com/k8vent";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final List<URI> webhooks;
  private final String environment;
  private final List<String> problems;

  private K8ventAnnotation(List<URI> webhooks, String environment, List<String> problems) {
    this.webhooks = webhooks;
    this.environment = environment;
    this.problems = problems;
  }

  /** Parses the annotation value; {@code null} (no annotation) gives an empty result. */
  public static K8ventAnnotation parse(String value, AnnotationPolicy policy) {
    if (value == null) {
      return new K8ventAnnotation(null, null, List.of());
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(value);
    } catch (JsonProcessingException e) {
      return new K8ventAnnotation(null, null, List.of("not valid JSON (" + e.getOriginalMessage() + "); the global settings apply"));
    }
    if (root == null || !root.isObject()) {
      return new K8ventAnnotation(null, null, List.of("not a JSON object; the global settings apply"));
    }
    List<String> problems = new ArrayList<>();
    List<URI> webhooks = parseWebhooks(root.get("webhooks"), policy, problems);
    String environment = null;
    JsonNode env = root.get("environment");
    if (env != null && !env.isNull()) {
      if (env.isTextual()) {
        environment = env.asText();
      } else {
        problems.add("\"environment\" must be a string; ATOMIST_ENVIRONMENT applies");
      }
    }
    return new K8ventAnnotation(webhooks, environment, List.copyOf(problems));
  }

  private static List<URI> parseWebhooks(JsonNode node, AnnotationPolicy policy, List<String> problems) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isArray()) {
      return globalInstead(problems, "\"webhooks\" must be an array of URLs");
    }
    if (node.isEmpty()) {
      return globalInstead(problems, "\"webhooks\" is an empty list");
    }
    Set<URI> urls = new LinkedHashSet<>();
    if (node.size() > policy.maxWebhooks()) {
      problems.add("it lists " + node.size() + " webhooks; only the first " + policy.maxWebhooks()
          + " get this pod's changes (--max-webhooks-per-annotation)");
    }
    for (JsonNode item : node) {
      if (urls.size() == policy.maxWebhooks()) {
        break;
      }
      if (!item.isTextual()) {
        return globalInstead(problems, "\"webhooks\" must hold only strings");
      }
      Optional<String> problem = WebhookUrl.problem(item.asText());
      if (problem.isPresent()) {
        return globalInstead(problems, "webhook URL " + redactForLog(item.asText()) + ": " + problem.get());
      }
      URI url = URI.create(item.asText().trim());
      Optional<String> refusal = policy.refusal(url);
      if (refusal.isPresent()) {
        return globalInstead(problems, refusal.get());
      }
      urls.add(url);
    }
    return List.copyOf(urls);
  }

  /** Notes why the pod's webhooks are not used; the global ones are, so there are none of its own. */
  private static List<URI> globalInstead(List<String> problems, String why) {
    problems.add(why + "; the global webhooks apply");
    return null;
  }

  private static String redactForLog(String raw) {
    try {
      URI uri = new URI(raw.trim());
      if (uri.getScheme() != null && uri.getHost() != null) {
        return WebhookUrl.redact(uri);
      }
    } catch (java.net.URISyntaxException e) {
      // fall through: show a bounded prefix of what is not a URL
    }
    String shown = WebhookUrl.quoteRedacted(raw);
    return shown.length() > 42 ? shown.substring(0, 41) + "…\"" : shown;
  }

  /** The pod's own webhooks, or empty when the global ones apply. */
  public Optional<List<URI>> webhooks() {
    return Optional.ofNullable(webhooks);
  }

  public Optional<String> environment() {
    return Optional.ofNullable(environment);
  }

  /** Why (parts of) the annotation were ignored; empty when all of it was used. */
  public List<String> problems() {
    return problems;
  }
}
