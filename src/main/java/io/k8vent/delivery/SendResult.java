package io.k8vent.delivery;

import java.time.Duration;

/** The outcome of one HTTP attempt: a status (or -1 with an error) and what the retry logic needs. */
public record SendResult(int status, String error, Duration retryAfter, String correlationId, String bodyExcerpt) {

  public static SendResult failed(String error) {
    return new SendResult(-1, error, null, null, null);
  }

  public boolean succeeded() {
    return status >= 200 && status < 300;
  }

  /** Connect errors, timeouts, 408, 429 and 5xx may go away by themselves; other answers will not. */
  public boolean transientFailure() {
    return status == -1 || status == 408 || status == 429 || status >= 500;
  }

  public String describe() {
    if (status == -1) {
      return error;
    }
    return "HTTP " + status + (bodyExcerpt == null || bodyExcerpt.isEmpty() ? "" : ": " + bodyExcerpt);
  }
}
