package io.k8vent.watch;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watch's health as operators see it: whether the initial list was handed over, and why the
 * watch is failing when it is. Logs each distinct failure once rather than on every retry, and
 * tells its {@link WatchObserver} what happens to the watch.
 */
public final class WatchStatus {
  private static final Logger LOG = LoggerFactory.getLogger(WatchStatus.class);
  static final String RBAC_HINT = "k8vent needs get, list and watch on pods; deploy it with kube/rbac.yaml "
      + "(or kube/namespaced/ for one namespace), or bind its service account to a role that grants them";

  private final WatchObserver observer;
  private final AtomicBoolean initialListDone = new AtomicBoolean();
  private final AtomicReference<String> problem = new AtomicReference<>();

  public WatchStatus(WatchObserver observer) {
    this.observer = observer;
  }

  public void initialListDone() {
    if (initialListDone.compareAndSet(false, true)) {
      LOG.info("initial list of pods handed to the webhook queues");
    }
  }

  void listed() {
    String previous = problem.getAndSet(null);
    if (previous != null) {
      LOG.info("watching pods again after: {}", previous);
    }
  }

  void watchFailed(String scope, Throwable t) {
    String reason;
    String forbidden = KubeClients.forbiddenStatus(t);
    if (forbidden != null) {
      reason = "the API server refused to list pods in " + scope + " (403 Forbidden: " + forbidden + "). " + RBAC_HINT;
    } else {
      reason = "listing or watching pods in " + scope + " failed: " + rootMessage(t) + "; retrying with backoff";
    }
    String previous = problem.getAndSet(reason);
    if (!reason.equals(previous)) {
      LOG.warn(reason);
    } else {
      LOG.debug(reason);
    }
    observer.watchError();
  }

  /**
   * The watch of {@code scope} has been down (reconnecting) for a while, as when the API server is
   * unreachable: not ready, logged once, counted as a watch error.
   */
  void watchLost(String scope, long seconds) {
    String reason = "the watch of pods in " + scope + " is down (the API server did not answer for " + seconds
        + " s); reconnecting with backoff";
    if (problem.compareAndSet(null, reason)) {
      LOG.warn(reason);
      observer.watchError();
    }
  }

  /** The watch of {@code scope} runs again after {@link #watchLost}. */
  void watchRestored(String scope) {
    String previous = problem.get();
    if (previous != null && previous.startsWith("the watch of pods in " + scope + " is down")
        && problem.compareAndSet(previous, null)) {
      LOG.info("watching pods in {} again", scope);
    }
  }

  /** Why a pod event from the watch was not sent. */
  public enum Skip {
    /** A MODIFIED that changed nothing {@code kubectl get -o json} shows (the change filter). */
    UNCHANGED("unchanged"),
    /** Its type is not among those --events sends. */
    EVENT_TYPE("event_type");

    private final String label;

    Skip(String label) {
      this.label = label;
    }

    /** The metrics label value. */
    public String label() {
      return label;
    }
  }

  /** See {@link WatchObserver#relisted}. */
  void relisted() {
    observer.relisted();
  }

  /** See {@link WatchObserver#eventReceived}. */
  void eventReceived(PodEvent.Type type) {
    observer.eventReceived(type);
  }

  /** See {@link WatchObserver#eventSkipped}. */
  void eventSkipped(PodEvent.Type type, Skip reason) {
    observer.eventSkipped(type, reason);
  }

  public boolean ready() {
    return initialListDone.get() && problem.get() == null;
  }

  /** Why the watch is not healthy, or null. */
  public String problem() {
    return problem.get();
  }

  /** The root cause's message, cut to 300 characters for a log line. */
  private static String rootMessage(Throwable t) {
    String m = KubeClients.rootMessage(t);
    return m.length() > 300 ? m.substring(0, 300) + "…" : m;
  }
}
