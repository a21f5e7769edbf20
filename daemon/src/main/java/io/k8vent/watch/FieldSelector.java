package io.k8vent.watch;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.k8vent.config.ConfigException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A field selector on pods as {@code kubectl --field-selector} takes it: comma-separated
 * {@code field=value}, {@code field==value} or {@code field!=value} over the fields the API server
 * can select pods by. Checked at start (an unknown field would fail every list), passed to the API
 * server, and matched by k8vent too, to tell a pod that stopped matching from a deleted one.
 */
public final class FieldSelector {
  /** The pod fields the API server selects on (kube-apiserver 1.32), as paths into the pod. */
  static final List<String> FIELDS = List.of("metadata.name", "metadata.namespace", "spec.nodeName",
      "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase",
      "status.podIP", "status.nominatedNodeName");

  /** One term: the field must (or must not) have the value. */
  public record Term(String field, boolean equals, String value) {}

  private final String text;
  private final List<Term> terms;

  private FieldSelector(String text, List<Term> terms) {
    this.text = text;
    this.terms = terms;
  }

  public static FieldSelector parse(String text, String source) {
    if (text.isBlank()) {
      throw new ConfigException(source + " is empty; leave it unset to watch every pod");
    }
    List<Term> terms = new ArrayList<>();
    Set<String> equalities = new HashSet<>();
    for (String raw : text.split(",", -1)) {
      String term = raw.strip();
      int ne = term.indexOf("!=");
      int eq = term.indexOf('=');
      if (eq < 0) {
        throw new ConfigException(source + " \"" + text + "\": \"" + term + "\" is not FIELD=VALUE or FIELD!=VALUE");
      }
      boolean equals = ne < 0 || ne > eq;
      int operatorEnd = !equals ? ne + 2 : term.startsWith("==", eq) ? eq + 2 : eq + 1;
      String field = term.substring(0, equals ? eq : ne).strip();
      String value = term.substring(operatorEnd).strip();
      if (!FIELDS.contains(field)) {
        throw new ConfigException(source + " \"" + text + "\": pods cannot be selected by \"" + field
            + "\"; use one of " + String.join(", ", FIELDS));
      }
      if (value.contains("=") || value.contains("!")) {
        throw new ConfigException(source + " \"" + text + "\": \"" + term + "\" has more than one operator");
      }
      if (equals && !equalities.add(field)) {
        throw new ConfigException(source + " \"" + text + "\" asks " + field + " to equal two values; no pod can match");
      }
      terms.add(new Term(field, equals, value));
    }
    return new FieldSelector(text.strip(), List.copyOf(terms));
  }

  public List<Term> terms() {
    return terms;
  }

  public boolean matches(GenericKubernetesResource pod) {
    for (Term term : terms) {
      if (term.value().equals(valueOf(pod, term.field())) != term.equals()) {
        return false;
      }
    }
    return true;
  }

  /** The field's value as the API server compares it: absent is "", a boolean is "true"/"false". */
  static String valueOf(GenericKubernetesResource pod, String field) {
    switch (field) {
      case "metadata.name":
        return nonNull(pod.getMetadata().getName());
      case "metadata.namespace":
        return nonNull(pod.getMetadata().getNamespace());
      case "spec.hostNetwork":
        return String.valueOf(Boolean.TRUE.equals(at(pod, "spec", "hostNetwork")));
      default:
        int dot = field.indexOf('.');
        Object value = at(pod, field.substring(0, dot), field.substring(dot + 1));
        return value == null ? "" : value.toString();
    }
  }

  private static Object at(GenericKubernetesResource pod, String part, String key) {
    return pod.getAdditionalProperties().get(part) instanceof Map<?, ?> map ? map.get(key) : null;
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }

  @Override
  public String toString() {
    return text;
  }
}
