package io.k8vent.delivery;

/**
 * Accounts for the bodies waiting in one or more queues: up to {@code raw} bytes they wait as they
 * are, past that deflated ({@link Held}); past {@code limit} bytes no new state is taken. Each of the
 * operator's queues has one of its own without a limit (an outage of its webhook holds every pod's
 * latest state); the queues of pods' annotation URLs share one with a limit, so pods listing many
 * webhooks that do not answer cannot make k8vent hold their bodies once per webhook without end.
 */
final class HeldBodies {
  private final long raw;
  private final long limit;
  private long held;

  HeldBodies(long raw, long limit) {
    this.raw = raw;
    this.limit = limit;
  }

  /** Whether {@code bytes} more fit in the limit. */
  synchronized boolean fits(long bytes) {
    return held + bytes <= limit;
  }

  /** Whether {@code bytes} more may wait as they are. */
  synchronized boolean fitsRaw(long bytes) {
    return held + bytes <= raw;
  }

  /** Counts {@code bytes} more when they fit in the limit, or when {@code always}; else returns false. */
  synchronized boolean add(long bytes, boolean always) {
    if (!always && held + bytes > limit) {
      return false;
    }
    held += bytes;
    return true;
  }

  synchronized void remove(long bytes) {
    held -= bytes;
  }
}
