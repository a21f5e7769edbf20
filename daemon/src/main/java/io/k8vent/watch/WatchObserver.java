package io.k8vent.watch;

/**
 * What happens to the pod watch, for metrics. Called from the informer's threads and the watch
 * check; must not block.
 */
public interface WatchObserver {
  /**
   * A list or watch of pods failed, and is retried with backoff; or the watch has been down
   * (reconnecting) for a while, once per such outage.
   */
  default void watchError() {}

  /**
   * The watch lists pods again to resume (expired resourceVersion, reconnect or error); not called
   * for the first list.
   */
  default void relisted() {}

  /**
   * The watch handed over a pod event of {@code type}, before --events is applied: every ADDED and
   * DELETED, and each MODIFIED with a new resourceVersion that the change filter did not skip.
   */
  default void eventReceived(PodEvent.Type type) {}

  /** A pod event of {@code type} is not sent, for {@code reason}. */
  default void eventSkipped(PodEvent.Type type, WatchStatus.Skip reason) {}
}
