package io.k8vent.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.k8vent.testing.KubeApiServer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What a second Ctrl-C leaves of the demo's real API server: the JVM exits at once after
 * {@link RealApi#abandon()}, so etcd and kube-apiserver must be gone and their folder, which holds
 * the service-account key and the tokens file, deleted by then.
 */
class RealApiIT {
  @Test
  void abandoningKillsEtcdAndTheApiServerAndDeletesTheirFolderWithItsKeys() {
    Path binaries = KubeApiServer.binaries();
    // Other tests' API servers may be children of this JVM too.
    Set<ProcessHandle> before = ProcessHandle.current().children().collect(Collectors.toSet());
    RealApi api = new RealApi(binaries);
    List<ProcessHandle> started = ProcessHandle.current().children().filter(p -> !before.contains(p))
        .filter(p -> p.info().command().orElse("").startsWith(binaries.toString())).toList();
    String dataDir = started.stream().flatMap(p -> Arrays.stream(p.info().arguments().orElse(new String[0])))
        .filter(a -> a.startsWith("--data-dir=")).findFirst().orElseThrow();
    Path folder = Path.of(dataDir.substring("--data-dir=".length())).getParent();
    assertThat(started).as("etcd and kube-apiserver").hasSize(2);
    assertThat(folder.resolve("sa.key")).isRegularFile();
    assertThat(folder.resolve("tokens.csv")).isRegularFile();

    api.abandon();

    assertThat(started).noneMatch(ProcessHandle::isAlive);
    assertThat(folder).doesNotExist();
    api.close();
  }
}
