package io.k8vent.delivery;

import java.time.Duration;

/**
 * The outcome of one HTTP attempt: a status, or -1 with an error (may pass: retried), or
 * {@link #REFUSED} with the reason k8vent would not send to that destination (permanent).
 */
public record SendResult(int status, String error, Duration retryAfter, String correlationId, String bodyExcerpt) {

  public static final int REFUSED = -2;
  /** How the error of a failed TLS handshake starts (untrusted certificate, wrong name, no common protocol). */
  static final String TLS_HANDSHAKE_FAILED = "TLS handshake failed";

  public static SendResult failed(String error) {
    return new SendResult(-1, error, null, null, null);
  }

  public static SendResult refused(String reason) {
    return new SendResult(REFUSED, reason, null, null, null);
  }

  public boolean refused() {
    return status == REFUSED;
  }

  public boolean tlsFailure() {
    return status == -1 && error != null && error.startsWith(TLS_HANDSHAKE_FAILED);
  }

  public boolean succeeded() {
    return status >= 200 && status < 300;
  }

  /** Connect errors, timeouts, 408, 429 and 5xx may go away by themselves; other answers will not. */
  public boolean transientFailure() {
    return status == -1 || status == 408 || status == 429 || status >= 500;
  }

  public String describe() {
    if (status < 0) {
      return error;
    }
    return "HTTP " + status + (bodyExcerpt == null || bodyExcerpt.isEmpty() ? "" : ": " + bodyExcerpt);
  }
}
