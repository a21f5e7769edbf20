package io.k8vent.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A timer whose delayed tasks run only when the test says time has passed: it records each delay
 * asked for, so a test checks the schedule itself instead of waiting it out. Tasks given to
 * {@code execute} run at once on a thread of its own.
 */
public final class ManualTimer extends ScheduledThreadPoolExecutor {
  private final List<Runnable> pending = new ArrayList<>();
  private final List<Long> delaysMillis = new ArrayList<>();

  public ManualTimer() {
    super(1);
  }

  @Override
  public synchronized ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
    pending.add(task);
    delaysMillis.add(unit.toMillis(delay));
    return super.schedule(() -> { }, 0, TimeUnit.MILLISECONDS);
  }

  /** Every delay asked for so far, in milliseconds, in order. */
  public synchronized List<Long> delaysMillis() {
    return List.copyOf(delaysMillis);
  }

  /** Lets all the time asked for so far pass: runs every task scheduled until now, in order. */
  public void elapse() {
    List<Runnable> due;
    synchronized (this) {
      due = List.copyOf(pending);
      pending.clear();
    }
    due.forEach(Runnable::run);
  }
}
