package io.k8vent.net;

import io.k8vent.config.Cidr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which addresses webhooks chosen by pod annotations may reach. Refused by default: loopback,
 * link-local (which holds the cloud metadata address 169.254.169.254), the other cloud metadata
 * addresses, unspecified, multicast, broadcast and reserved ranges, the Kubernetes API server
 * itself (its address and port, whatever else is allowed) and k8vent's own addresses (every port: its
 * ops endpoint and anything sharing its pod's network). {@code denyPrivate} adds the RFC 1918, shared
 * (100.64.0.0/10) and unique-local IPv6 ranges. Ranges in {@code allowed} are admitted again (the API
 * server and k8vent's own addresses never are). Judged on the address k8vent connects to, never on a
 * name.
 */
public final class DestinationGuard {
  private record Rule(Cidr range, String kind) {}

  private static final List<Rule> ALWAYS = List.of(
      rule("0.0.0.0/8", "unspecified"), rule("::/128", "unspecified"),
      rule("127.0.0.0/8", "loopback"), rule("::1/128", "loopback"),
      rule("169.254.0.0/16", "link-local (cloud metadata)"), rule("fe80::/10", "link-local"),
      rule("fd00:ec2::254/128", "cloud metadata"), rule("100.100.100.200/32", "cloud metadata"),
      rule("224.0.0.0/4", "multicast"), rule("ff00::/8", "multicast"),
      rule("240.0.0.0/4", "reserved or broadcast"));
  private static final List<Rule> PRIVATE = List.of(
      rule("10.0.0.0/8", "private"), rule("172.16.0.0/12", "private"), rule("192.168.0.0/16", "private"),
      rule("100.64.0.0/10", "shared (carrier-grade NAT)"), rule("fc00::/7", "unique-local"));

  private final List<Rule> denied;
  private final List<Cidr> allowed;
  private final Set<InetSocketAddress> apiServer;
  private final Set<InetAddress> own;

  /**
   * @param apiServer where the API server listens
   * @param own this host's addresses but loopback (refused anyway, and re-admitted only by {@code allowed})
   */
  public DestinationGuard(boolean denyPrivate, List<Cidr> allowed, Set<InetSocketAddress> apiServer,
      Set<InetAddress> own) {
    List<Rule> rules = new ArrayList<>(ALWAYS);
    if (denyPrivate) {
      rules.addAll(PRIVATE);
    }
    this.denied = List.copyOf(rules);
    this.allowed = List.copyOf(allowed);
    this.apiServer = Set.copyOf(apiServer);
    this.own = own.stream().map(Cidr::normalize).collect(Collectors.toUnmodifiableSet());
  }

  private static Rule rule(String cidr, String kind) {
    return new Rule(Cidr.parse(cidr, "built-in range"), kind);
  }

  /** Why connecting to {@code address} on {@code port} is refused, or empty when it is allowed. */
  public Optional<String> refusal(InetAddress address, int port) {
    InetAddress a = Cidr.normalize(address);
    for (InetSocketAddress api : apiServer) {
      if (api.getPort() == port && Cidr.normalize(api.getAddress()).equals(a)) {
        return Optional.of(a.getHostAddress() + ":" + port + " is the Kubernetes API server");
      }
    }
    if (own.contains(a)) {
      return Optional.of(a.getHostAddress() + " is k8vent's own address");
    }
    if (allowed.stream().anyMatch(c -> c.contains(a))) {
      return Optional.empty();
    }
    return denied.stream().filter(r -> r.range().contains(a)).findFirst()
        .map(r -> a.getHostAddress() + " is a " + r.kind() + " address");
  }
}
