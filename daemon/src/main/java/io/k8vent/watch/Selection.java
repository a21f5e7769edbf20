package io.k8vent.watch;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which pods and which of their changes k8vent sends. {@code labels} and {@code fields} (null: no
 * selector) are passed to the API server's list and watch; a pod that stops matching them arrives
 * as a deletion, which k8vent marks as such ({@link PodEvent#leftSelection()}). {@code events} are
 * the event types sent; with {@code visibleChangesOnly}, a MODIFIED whose content as
 * {@code kubectl get -o json} shows it is unchanged (only resourceVersion or managedFields moved)
 * is not sent.
 */
public record Selection(LabelSelector labels, FieldSelector fields, Set<PodEvent.Type> events,
    boolean visibleChangesOnly) {

  public static final Selection DEFAULT = new Selection(null, null, Set.of(PodEvent.Type.values()), true);

  public Selection {
    events = Set.copyOf(events);
  }

  /** Whether the API server filters pods, so that some existing pods are not watched. */
  public boolean selective() {
    return labels != null || fields != null;
  }

  /** Whether {@code pod} (a whole pod from the API server) matches the selectors. */
  public boolean matches(GenericKubernetesResource pod) {
    return (labels == null || labels.matches(pod.getMetadata().getLabels()))
        && (fields == null || fields.matches(pod));
  }

  /** The selectors, for the start log; empty without any. */
  public String describe() {
    List<String> parts = new ArrayList<>();
    if (labels != null) {
      parts.add("label selector " + labels);
    }
    if (fields != null) {
      parts.add("field selector " + fields);
    }
    return String.join(", ", parts);
  }
}
