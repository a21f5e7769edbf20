package io.k8vent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.k8vent.config.LeaderElectionSettings;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the daemon, either at once or, with leader election, only while this replica holds the
 * Lease. A replica that loses the Lease stops sending at once and stands by for the next term; a
 * new term starts a fresh watch, so the new leader sends every existing pod once more.
 */
public final class DaemonRunner {
  private static final Logger LOG = LoggerFactory.getLogger(DaemonRunner.class);

  private final Supplier<Daemon> daemons;
  private final KubernetesClient client;
  private final LeaderElectionSettings election;
  private final ExecutorService electionThread;
  private volatile Daemon current;
  private volatile boolean stopping;
  private volatile CompletableFuture<?> term;

  /** @param election null to run without leader election */
  public DaemonRunner(Supplier<Daemon> daemons, KubernetesClient client, LeaderElectionSettings election) {
    this.daemons = daemons;
    this.client = client;
    this.election = election;
    this.electionThread = election == null ? null : Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "k8vent-leader-election");
      t.setDaemon(true);
      return t;
    });
  }

  public void start() {
    if (election == null) {
      lead();
    } else {
      LOG.info("leader election on: standing by for Lease {}/{} as {}", election.namespace(), election.leaseName(),
          election.identity());
      campaign();
    }
  }

  private void campaign() {
    if (stopping) {
      return;
    }
    LeaderElector elector = new LeaderElector(client, new LeaderElectionConfigBuilder()
        .withName(election.leaseName())
        .withLock(new LeaseLock(election.namespace(), election.leaseName(), election.identity()))
        .withLeaseDuration(election.leaseDuration())
        .withRenewDeadline(election.renewDeadline())
        .withRetryPeriod(election.retryPeriod())
        .withReleaseOnCancel(true)
        .withLeaderCallbacks(new LeaderCallbacks(this::lead, this::stopLeading, this::newLeader))
        .build(), electionThread);
    term = elector.start();
    term.whenComplete((ok, error) -> {
      if (!stopping) {
        LOG.info("leader election term ended; standing by again");
        campaign();
      }
    });
  }

  private void lead() {
    if (election != null) {
      LOG.info("became the leader ({}); starting to watch and send", election.identity());
    }
    Daemon daemon = daemons.get();
    current = daemon;
    daemon.start();
  }

  private void stopLeading() {
    Daemon daemon = current;
    current = null;
    if (daemon != null && !stopping) {
      LOG.warn("lost the leader Lease; stopped sending at once");
      daemon.close();
    }
  }

  private void newLeader(String identity) {
    if (election != null && !identity.equals(election.identity())) {
      LOG.info("the leader is {}", identity);
    }
  }

  /** Stops watching, delivers what is queued for the shutdown timeout, then gives up the Lease. */
  public void stop() throws InterruptedException {
    stopping = true;
    Daemon daemon = current;
    if (daemon != null) {
      daemon.shutdown();
      daemon.close();
    }
    if (term != null) {
      term.cancel(true);
    }
    if (electionThread != null) {
      electionThread.shutdownNow();
    }
  }

  /** Null while healthy, else why not. */
  public String healthProblem() {
    Daemon daemon = current;
    if (daemon == null) {
      return election == null || stopping ? "not running" : null;
    }
    return daemon.healthProblem();
  }

  /** Null when ready: the initial list was handed over and the watch is not failing; a standby is ready. */
  public String readinessProblem() {
    Daemon daemon = current;
    if (daemon == null) {
      return election != null && !stopping ? null : "not running";
    }
    return daemon.readinessProblem();
  }

  /** Pods the active daemon's watch holds; 0 on a standby. */
  public int pods() {
    Daemon daemon = current;
    return daemon == null ? 0 : daemon.pods();
  }

  public boolean leading() {
    return current != null;
  }
}
