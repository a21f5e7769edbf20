package io.k8vent.route;

/**
 * What the operator lets webhooks chosen by a pod's annotation receive beyond the default: the
 * whole filtered environment ({@code --annotation-env=full}) rather than only ATOMIST_ENVIRONMENT,
 * and bodies signed with the operator's secret ({@code --sign-annotation-webhooks}).
 */
public record AnnotationOptIns(boolean fullEnv, boolean signed) {
  /** The default: pod authors' webhooks get the environment tag only, unsigned. */
  public static final AnnotationOptIns NONE = new AnnotationOptIns(false, false);
}
