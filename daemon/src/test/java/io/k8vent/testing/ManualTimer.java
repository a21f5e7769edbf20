package io.k8vent.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A timer whose delayed tasks run only when the test says time has passed: it records each delay
 * asked for, so a test checks the schedule itself instead of waiting it out, and keeps a clock
 * ({@link #nanoTime()}) that moves only as those delays pass. Tasks given to {@code execute} run at
 * once on a thread of its own.
 */
public final class ManualTimer extends ScheduledThreadPoolExecutor {
  private record Pending(Runnable task, long dueNanos) {}

  private final List<Pending> pending = new ArrayList<>();
  private final List<Long> delaysMillis = new ArrayList<>();
  private long nowNanos;

  public ManualTimer() {
    super(1);
  }

  @Override
  public synchronized ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
    pending.add(new Pending(task, nowNanos + unit.toNanos(delay)));
    delaysMillis.add(unit.toMillis(delay));
    return super.schedule(() -> { }, 0, TimeUnit.MILLISECONDS);
  }

  /** Every delay asked for so far, in milliseconds, in order. */
  public synchronized List<Long> delaysMillis() {
    return List.copyOf(delaysMillis);
  }

  /** The time on this timer's clock, as {@link System#nanoTime()}: it starts at 0 and moves only in {@link #elapse()}. */
  public synchronized long nanoTime() {
    return nowNanos;
  }

  /**
   * Lets all the time asked for so far pass: runs every task scheduled until now, in order, the clock
   * reading each one's due time while it runs.
   */
  public void elapse() {
    List<Pending> due;
    synchronized (this) {
      due = List.copyOf(pending);
      pending.clear();
    }
    for (Pending p : due) {
      synchronized (this) {
        nowNanos = Math.max(nowNanos, p.dueNanos());
      }
      p.task().run();
    }
  }
}
