package io.k8vent.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** Ports for the local etcd and kube-apiserver: never where outgoing connections can take them first. */
class LocalKubeClusterTest {
  @Test
  void aFreePortIsBelowTheKernelsRangeForOutgoingConnectionsAndCanBeBound() throws Exception {
    int outgoingFrom = LocalKubeCluster.ephemeralPortsFrom();
    assertThat(outgoingFrom).as("this Linux machine's /proc/sys/net/ipv4/ip_local_port_range").isGreaterThan(20_000);

    for (int i = 0; i < 20; i++) {
      int port = LocalKubeCluster.freePort();
      assertThat(port).isBetween(20_000, outgoingFrom - 1);
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        assertThat(s.getLocalPort()).isEqualTo(port);
      }
    }
  }
}
