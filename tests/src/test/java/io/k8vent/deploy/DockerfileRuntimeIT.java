package io.k8vent.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.k8vent.demo.LocalKubeCluster;
import io.k8vent.deploy.Dockerfile.Instruction;
import io.k8vent.testing.Jars;
import io.k8vent.testing.KubeApiServer;
import io.k8vent.testing.Pods;
import io.k8vent.testing.WebhookReceiver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image's Java steps, run here without Docker: the Dockerfile's own jlink command, its
 * recording of k8vent's class archive on that runtime, then its ENTRYPOINT running the daemon's jar
 * against the real API server until it has delivered a pod (which proves the module list is enough to
 * run k8vent), with the runtime's class archive required ({@code -Xshare:on} fails when it cannot be
 * mapped) and k8vent's classes seen coming from the recorded one. Paths under /opt and /tmp move
 * into a temporary directory; everything else is taken from the Dockerfile as written.
 */
class DockerfileRuntimeIT {
  private final Dockerfile dockerfile = Dockerfile.read();

  @TempDir
  Path root;

  @Test
  void theTrimmedRuntimeRecordsAndMapsK8ventsClassArchive() throws Exception {
    List<String> jlink = relocate(only(dockerfile.stage("jre").all("RUN")).words());
    jlink.set(0, Path.of(System.getProperty("java.home"), "bin", "jlink").toString());
    run(jlink, 300);

    Path jar = Path.of(relocate(List.of(copiedJar())).get(0));
    Path training = Path.of(relocate(List.of("/tmp/training/")).get(0));
    Files.createDirectories(jar.getParent());
    Files.createDirectories(training);
    Files.copy(Jars.daemon(), jar);
    Files.copy(Jars.k8vent(), training.resolve("k8vent.jar"));
    Files.copy(Jars.buildTools(), training.resolve("k8vent-build-tools.jar"));
    List<String> record = relocate(only(dockerfile.stage("cds").all("RUN")).words());
    assertThat(record.get(1)).as("the JDK's java runs the recording").isEqualTo("java");
    record.set(1, Path.of(System.getProperty("java.home"), "bin", "java").toString());
    run(record, 300);

    List<String> entrypoint = relocate(dockerfile.finalStage().all("ENTRYPOINT").get(0).execArguments());
    List<String> command = new ArrayList<>(entrypoint.subList(0, 1));
    command.add("-Xshare:on");
    command.addAll(entrypoint.subList(1, entrypoint.size()));
    List<String> version = new ArrayList<>(command);
    version.add("version");
    assertThat(run(version, 60)).startsWith("k8vent ");
    command.add(command.size() - 2, "-Xlog:class+load");
    LocalKubeCluster cluster = KubeApiServer.shared();
    try (KubernetesClient admin = cluster.adminClient(); WebhookReceiver hook = new WebhookReceiver()) {
      String ns = KubeApiServer.namespace(admin, "runtime");
      admin.pods().inNamespace(ns).resource(Pods.pod(ns, "web-1")).create();
      command.addAll(List.of("--kubeconfig", cluster.adminKubeconfig().toString(), "--namespace", ns,
          "--url", hook.url().toString(), "--ops-port", "0"));
      Path log = Files.createTempFile(root, "daemon", ".txt");
      Process daemon = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      try {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(hook.requests())
            .as("deliveries; the daemon printed:%n%s", Files.readString(log)).isNotEmpty());
        daemon.destroy();
        assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
      } finally {
        daemon.destroyForcibly();
      }
      assertThat(daemon.exitValue()).isZero();
      assertThat(Files.readString(log)).contains("io.k8vent.Daemon source: shared objects file (top)")
          .contains("io.fabric8.kubernetes.client.informers.impl.cache.Reflector source: shared objects file (top)");
    }
  }

  private static Instruction only(List<Instruction> instructions) {
    assertThat(instructions).hasSize(1);
    return instructions.get(0);
  }

  /** Where the class-archive stage puts the jar it takes from the build stage (the final stage's path too). */
  private String copiedJar() {
    return dockerfile.stage("cds").all("COPY").stream().filter(c -> c.words().contains("--from=build"))
        .map(c -> c.words().get(c.words().size() - 1)).findFirst()
        .orElseThrow(() -> new AssertionError("the cds stage copies nothing from the build stage"));
  }

  private List<String> relocate(List<String> words) {
    List<String> moved = new ArrayList<>();
    for (String word : words) {
      moved.add(word.replace("/opt/", root.resolve("opt") + "/").replace("/tmp/", root.resolve("tmp") + "/"));
    }
    return moved;
  }

  /**
   * Runs a command, expects exit 0, returns its output (stdout and stderr). Leading {@code NAME=value}
   * words set environment variables, as in a RUN instruction.
   */
  private String run(List<String> words, int timeoutSeconds) throws IOException, InterruptedException {
    Path log = Files.createTempFile(root, "out", ".txt");
    List<String> command = new ArrayList<>(words);
    Map<String, String> environment = new HashMap<>();
    while (command.get(0).matches("[A-Z_][A-Z0-9_]*=.*")) {
      String[] variable = command.remove(0).split("=", 2);
      environment.put(variable[0], variable[1]);
    }
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(environment);
    Process process = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(process.waitFor(timeoutSeconds, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as("%s%n%s", command, output).isZero();
    return output;
  }
}
