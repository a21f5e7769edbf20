package io.k8vent.net;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Turns a webhook URL into the address to connect to. Names are resolved on threads of their own (a
 * slow DNS server never holds up the event loop): one for the operator's URLs, two for the others,
 * whose lookups wait in a line of at most {@link #MAX_WAITING_LOOKUPS} (past that a lookup fails at
 * once and its delivery is retried), so names that pod authors make slow to resolve never delay the
 * operator's webhooks nor pile up in memory. For URLs the operator did not configure
 * (pod annotations), the address is checked with the {@link DestinationGuard} and the connection
 * goes to that checked address: a name that resolves to another address later (DNS rebinding)
 * cannot move it.
 */
public final class Destinations implements AutoCloseable {
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|\\[?[0-9a-fA-F:.]+]?");

  /** The destination is not one k8vent may send to; permanent for this URL. */
  public static final class RefusedException extends Exception {
    public RefusedException(String message) {
      super(message);
    }
  }

  /** Lookups of annotation URLs' names that may wait for a thread. */
  static final int MAX_WAITING_LOOKUPS = 256;

  private final Set<URI> trusted;
  private final DestinationGuard guard;
  private final Lookup lookup;
  private final ExecutorService trustedResolver;
  private final ExecutorService resolver;

  /**
   * @param trusted URLs the operator configured: resolved, never checked
   * @param guard checks every other URL's address; null checks none
   */
  public Destinations(Set<URI> trusted, DestinationGuard guard) {
    this(trusted, guard, InetAddress::getAllByName);
  }

  /** A name's addresses, as {@link InetAddress#getAllByName} finds them. */
  interface Lookup {
    InetAddress[] addresses(String host) throws UnknownHostException;
  }

  /** As the public constructor, with names resolved by {@code lookup} (literal addresses are parsed). */
  Destinations(Set<URI> trusted, DestinationGuard guard, Lookup lookup) {
    this.trusted = Set.copyOf(trusted);
    this.guard = guard;
    this.lookup = lookup;
    this.trustedResolver = resolverThreads(1, new LinkedBlockingQueue<>(), "k8vent-dns-operator");
    this.resolver = resolverThreads(2, new ArrayBlockingQueue<>(MAX_WAITING_LOOKUPS), "k8vent-dns-");
  }

  private static ExecutorService resolverThreads(int threads, BlockingQueue<Runnable> line, String name) {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, line, r -> {
      Thread t = new Thread(r, threads == 1 ? name : name + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** Whether {@code url} is one the operator configured. */
  public boolean trusted(URI url) {
    return trusted.contains(url);
  }

  /** Destinations for the operator's own URLs only (nothing is checked). */
  public static Destinations unchecked() {
    return new Destinations(Set.of(), null);
  }

  /** The address to connect to for {@code url}; fails with RefusedException or UnknownHostException. */
  public CompletableFuture<InetAddress> resolve(URI url) {
    String host = url.getHost();
    if (IP_LITERAL.matcher(host).matches()) {
      try {
        return CompletableFuture.completedFuture(choose(url, InetAddress.getAllByName(host)));
      } catch (UnknownHostException | RefusedException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    try {
      return CompletableFuture.supplyAsync(() -> {
        try {
          return choose(url, lookup.addresses(host));
        } catch (UnknownHostException | RefusedException e) {
          throw new CompletionException(e);
        }
      }, trusted.contains(url) ? trustedResolver : resolver);
    } catch (RejectedExecutionException full) {
      return CompletableFuture.failedFuture(new UnknownHostException(host + " not looked up: "
          + MAX_WAITING_LOOKUPS + " name lookups of pods' webhooks are already waiting"));
    }
  }

  private InetAddress choose(URI url, InetAddress[] addresses) throws RefusedException {
    if (guard == null || trusted.contains(url)) {
      return addresses[0];
    }
    int port = port(url);
    Optional<String> firstRefusal = Optional.empty();
    for (InetAddress a : addresses) {
      Optional<String> refusal = guard.refusal(a, port);
      if (refusal.isEmpty()) {
        return a;
      }
      if (firstRefusal.isEmpty()) {
        firstRefusal = refusal;
      }
    }
    throw new RefusedException("destination refused: " + url.getHost()
        + (addresses.length > 1 ? " resolves to " + Arrays.stream(addresses).map(InetAddress::getHostAddress).toList() + "; " : ": ")
        + firstRefusal.orElse("no address") + " (annotation webhooks may not target it; see --webhook-allow-cidr)");
  }

  public static int port(URI url) {
    if (url.getPort() != -1) {
      return url.getPort();
    }
    return "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
  }

  @Override
  public void close() {
    trustedResolver.shutdownNow();
    resolver.shutdownNow();
  }
}
