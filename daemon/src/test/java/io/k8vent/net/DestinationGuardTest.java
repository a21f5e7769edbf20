package io.k8vent.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.k8vent.config.Cidr;
import io.k8vent.config.ConfigException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Which addresses pod authors' webhooks may reach, judged on the address connected to. */
class DestinationGuardTest {
  private static final InetSocketAddress API = new InetSocketAddress("10.96.0.1", 443);

  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  @Test
  void refusesLoopbackLinkLocalMetadataMulticastUnspecifiedAndTheApiServerByDefault() throws Exception {
    DestinationGuard guard = new DestinationGuard(false, List.of(), Set.of(API), Set.of());

    assertThat(guard.refusal(ip("127.0.0.1"), 80)).hasValueSatisfying(r -> assertThat(r).contains("loopback"));
    assertThat(guard.refusal(ip("127.1.2.3"), 80)).isPresent();
    assertThat(guard.refusal(ip("::1"), 80)).hasValueSatisfying(r -> assertThat(r).contains("loopback"));
    assertThat(guard.refusal(ip("::ffff:127.0.0.1"), 80)).hasValueSatisfying(r -> assertThat(r).contains("loopback"));
    assertThat(guard.refusal(ip("169.254.169.254"), 80)).hasValueSatisfying(r -> assertThat(r).contains("metadata"));
    assertThat(guard.refusal(ip("fd00:ec2::254"), 80)).hasValueSatisfying(r -> assertThat(r).contains("metadata"));
    assertThat(guard.refusal(ip("fe80::1"), 80)).isPresent();
    assertThat(guard.refusal(ip("0.0.0.0"), 80)).hasValueSatisfying(r -> assertThat(r).contains("unspecified"));
    assertThat(guard.refusal(ip("::"), 80)).isPresent();
    assertThat(guard.refusal(ip("224.0.0.1"), 80)).hasValueSatisfying(r -> assertThat(r).contains("multicast"));
    assertThat(guard.refusal(ip("255.255.255.255"), 80)).isPresent();
    assertThat(guard.refusal(ip("10.96.0.1"), 443)).hasValueSatisfying(r -> assertThat(r).contains("API server"));

    assertThat(guard.refusal(ip("10.96.0.1"), 80)).isEmpty();
    assertThat(guard.refusal(ip("192.168.1.10"), 443)).isEmpty();
    assertThat(guard.refusal(ip("203.0.113.7"), 443)).isEmpty();
  }

  @Test
  void denyPrivateAddsPrivateRangesAndAllowReadmitsARangeButNeverTheApiServer() throws Exception {
    DestinationGuard strict = new DestinationGuard(true, List.of(), Set.of(API), Set.of());
    assertThat(strict.refusal(ip("10.1.2.3"), 80)).hasValueSatisfying(r -> assertThat(r).contains("private"));
    assertThat(strict.refusal(ip("172.20.0.1"), 80)).isPresent();
    assertThat(strict.refusal(ip("192.168.0.1"), 80)).isPresent();
    assertThat(strict.refusal(ip("100.64.0.1"), 80)).isPresent();
    assertThat(strict.refusal(ip("fd12::1"), 80)).isPresent();
    assertThat(strict.refusal(ip("172.32.0.1"), 80)).isEmpty();

    DestinationGuard allowing = new DestinationGuard(true,
        List.of(Cidr.parse("10.0.0.0/8", "--webhook-allow-cidr"), Cidr.parse("127.0.0.0/8", "--webhook-allow-cidr")),
        Set.of(API), Set.of());
    assertThat(allowing.refusal(ip("10.1.2.3"), 80)).isEmpty();
    assertThat(allowing.refusal(ip("127.0.0.1"), 80)).isEmpty();
    assertThat(allowing.refusal(ip("10.96.0.1"), 443)).isPresent();
  }

  @Test
  void k8ventsOwnAddressesAreRefusedOnEveryPortEvenWhenTheirRangeIsAllowed() throws Exception {
    DestinationGuard guard = new DestinationGuard(false, List.of(Cidr.parse("10.0.0.0/8", "--webhook-allow-cidr")),
        Set.of(API), Set.of(ip("10.244.1.7"), ip("fd00:10:244::7")));

    assertThat(guard.refusal(ip("10.244.1.7"), 8080)).hasValueSatisfying(r -> assertThat(r).contains("k8vent's own"));
    assertThat(guard.refusal(ip("10.244.1.7"), 443)).isPresent();
    assertThat(guard.refusal(ip("::ffff:10.244.1.7"), 8080)).as("IPv4-mapped").isPresent();
    assertThat(guard.refusal(ip("fd00:10:244:0:0:0:0:7"), 8080)).isPresent();
    assertThat(guard.refusal(ip("10.244.1.8"), 8080)).isEmpty();
  }

  @Test
  void badRangesNameTheOption() {
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33", "--webhook-allow-cidr"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("--webhook-allow-cidr").hasMessageContaining("10.0.0.0/33");
    assertThatThrownBy(() -> Cidr.parse("example.com/8", "--webhook-allow-cidr")).isInstanceOf(ConfigException.class);
  }

  @Test
  void aNameIsJudgedByTheAddressItResolvesToAndOperatorUrlsAreNotJudged() throws Exception {
    URI byName = URI.create("http://localhost:9/hook");
    URI operators = URI.create("http://127.0.0.1:9/operator");
    try (Destinations destinations = new Destinations(Set.of(operators), new DestinationGuard(false, List.of(), Set.of(), Set.of()))) {
      assertThatThrownBy(() -> destinations.resolve(byName).get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(Destinations.RefusedException.class)
          .hasMessageContaining("localhost").hasMessageContaining("loopback");
      assertThat(destinations.resolve(operators).get(10, TimeUnit.SECONDS)).isEqualTo(ip("127.0.0.1"));
    }
  }
}
