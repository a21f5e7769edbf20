package io.k8vent.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Room for requests in flight: kept for the operator's webhooks, and handed to waiting queues in turn. */
class InFlightBudgetTest {
  private static final URI OPERATOR = URI.create("https://operator.example.com/hook");

  /** Wake-ups run when the test says, as the dispatcher's timer thread would run them later. */
  private final List<Runnable> wakeups = new ArrayList<>();
  private final List<String> woken = new ArrayList<>();
  private final Queue a = annotation("a");
  private final Queue b = annotation("b");
  private final Queue operator = new Queue("operator", OPERATOR);

  private final class Queue implements InFlightBudget.Waiter {
    final URI url;
    final String name;

    Queue(String name, URI url) {
      this.name = name;
      this.url = url;
    }

    @Override
    public boolean operator() {
      return url.equals(OPERATOR);
    }

    @Override
    public void wake() {
      woken.add(name);
    }
  }

  private Queue annotation(String name) {
    return new Queue(name, URI.create("https://" + name + ".example.com/hook"));
  }

  private InFlightBudget budget(int limit, int reserved) {
    return new InFlightBudget(limit, reserved, wakeups::add);
  }

  private void runWakeups() {
    List<Runnable> due = new ArrayList<>(wakeups);
    wakeups.clear();
    due.forEach(Runnable::run);
  }

  @Test
  void annotationQueuesTogetherNeverTakeTheRoomKeptForTheOperator() {
    InFlightBudget budget = budget(4, 2);

    assertThat(budget.tryAcquire(a)).isTrue();
    assertThat(budget.tryAcquire(b)).isTrue();
    assertThat(budget.tryAcquire(a)).as("the annotation share (4 - 2) is used up").isFalse();
    assertThat(budget.tryAcquire(operator)).isTrue();
    assertThat(budget.tryAcquire(operator)).isTrue();
    assertThat(budget.tryAcquire(operator)).as("the whole budget is used up").isFalse();
  }

  @Test
  void roomAFinishedRequestFreesGoesToTheQueueThatWaitedNotToTheOneAskingNext() {
    InFlightBudget budget = budget(1, 0);
    Queue busy = annotation("busy");
    Queue waiting = annotation("waiting");
    assertThat(budget.tryAcquire(busy)).isTrue();
    assertThat(budget.tryAcquire(waiting)).isFalse();

    budget.release(busy);

    assertThat(budget.tryAcquire(busy)).as("the busy queue starts its next request at once: no room").isFalse();
    runWakeups();
    assertThat(woken).containsExactly("waiting");
    assertThat(budget.tryAcquire(waiting)).isTrue();
    budget.giveBack(waiting);
    budget.release(waiting);
    runWakeups();
    assertThat(woken).as("then the busy queue's turn").containsExactly("waiting", "busy");
    assertThat(budget.tryAcquire(busy)).isTrue();
  }

  @Test
  void theOperatorsWaitingQueueIsServedFirstAndRoomNotUsedIsPassedOn() {
    InFlightBudget budget = budget(2, 1);
    assertThat(budget.tryAcquire(a)).isTrue();
    assertThat(budget.tryAcquire(operator)).isTrue();
    assertThat(budget.tryAcquire(b)).isFalse();
    assertThat(budget.tryAcquire(operator)).isFalse();

    budget.release(a);
    runWakeups();
    assertThat(woken).containsExactly("operator");

    // The operator's queue had nothing left to send: the room goes to the next in line.
    budget.giveBack(operator);
    runWakeups();
    assertThat(woken).containsExactly("operator", "b");
    assertThat(budget.tryAcquire(b)).isTrue();
    assertThat(budget.tryAcquire(a)).isFalse();
  }

  @Test
  void roomIsNeverHandedToAQueueItsShareDoesNotAllow() {
    InFlightBudget budget = budget(3, 2);
    assertThat(budget.tryAcquire(a)).isTrue();
    assertThat(budget.tryAcquire(operator)).isTrue();
    assertThat(budget.tryAcquire(b)).isFalse();

    budget.release(operator);
    runWakeups();

    assertThat(woken).as("b waits for the annotation share, not for the operator's room").isEmpty();
    budget.release(a);
    runWakeups();
    assertThat(woken).containsExactly("b");
  }
}
