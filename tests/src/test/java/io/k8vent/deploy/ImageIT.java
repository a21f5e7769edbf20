package io.k8vent.deploy;

import static io.k8vent.testing.Pods.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.k8vent.demo.LocalKubeCluster;
import io.k8vent.testing.LocalPorts;
import io.k8vent.testing.KubeApiServer;
import io.k8vent.testing.Tools;
import io.k8vent.testing.Tools.Result;
import io.k8vent.testing.WebhookReceiver;
import io.k8vent.testing.WebhookReceiver.Request;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Dockerfile's image, built here with podman on base images made from Debian's packages
 * (scripts/image-bases; no registry is reachable) and run with host networking against a real
 * kube-apiserver and a loopback webhook, as kube/ runs it: read-only root filesystem, no
 * capabilities, no new privileges. Proves that the jlink runtime, the class archive, the non-root
 * user and the JSON logs work inside the container, not only on the host.
 */
class ImageIT {
  static final String IMAGE = "localhost/k8vent:it";
  static final List<String> PODMAN = List.of("podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs");
  static final List<String> ULIMITS = List.of("--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024");
  private static LocalKubeCluster cluster;

  @TempDir
  Path dir;

  static Result podman(String... args) {
    List<String> command = new ArrayList<>(PODMAN);
    command.addAll(List.of(args));
    return Tools.run(null, null, command);
  }

  @BeforeAll
  static void buildImage() {
    cluster = KubeApiServer.shared();
    Result bases = Tools.run(null, null, List.of(Tools.root().resolve("scripts/image-bases").toString()));
    assertThat(bases.code()).as(bases.output()).isZero();
    List<String> build = new ArrayList<>(PODMAN);
    build.addAll(List.of("build", "--network", "host"));
    build.addAll(ULIMITS);
    build.addAll(List.of("--build-arg", "BUILD_IMAGE=k8vent-base/jdk:bookworm",
        "--build-arg", "JDK_IMAGE=k8vent-base/jdk:bookworm",
        "--build-arg", "RUNTIME_IMAGE=k8vent-base/runtime:bookworm",
        "--build-arg", "K8VENT_COMMIT=imageit", "-t", IMAGE, Tools.root().toString()));
    Result r = Tools.run(null, null, build);
    assertThat(r.code()).as(r.output()).isZero();
    // Each build leaves the previous image and its stages untagged: remove them, so runs on a kept
    // machine do not fill its disk (the bases and Maven's cache mount stay).
    Result prune = podman("image", "prune", "-f");
    assertThat(prune.code()).as(prune.output()).isZero();
  }

  @Test
  void theImageWatchesARealApiServerDeliversIsReadyAndLogsJsonAsANonRootUser() throws Exception {
    // The container's user (65532) must be able to read the kubeconfig.
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.copy(cluster.adminKubeconfig(), kubeconfig);
    Files.setPosixFilePermissions(kubeconfig, PosixFilePermissions.fromString("rw-r--r--"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    String name = "k8vent-it-" + Long.toString(System.nanoTime(), 36);
    int opsPort = LocalPorts.free();
    try (KubernetesClient admin = cluster.adminClient();
        WebhookReceiver hook = new WebhookReceiver()) {
      String ns = KubeApiServer.namespace(admin, "image");
      admin.pods().inNamespace(ns).resource(pod(ns, "before")).create();

      List<String> run = new ArrayList<>(List.of("run", "-d", "--name", name, "--network", "host", "--read-only",
          "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "-e", "ATOMIST_ENVIRONMENT=image-it",
          "-v", kubeconfig + ":/config/kubeconfig:ro"));
      run.addAll(ULIMITS);
      run.addAll(List.of(IMAGE, "--kubeconfig", "/config/kubeconfig", "--namespace", ns, "--url", hook.url().toString(),
          "--ops-port", String.valueOf(opsPort)));
      Result started = podman(run.toArray(String[]::new));
      assertThat(started.code()).as(started.output()).isZero();
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> !hook.requests().isEmpty());
        admin.pods().inNamespace(ns).resource(pod(ns, "after")).create();
        await().atMost(Duration.ofSeconds(30)).until(() -> hook.requests().size() >= 2);
        assertThat(hook.requests()).extracting(Request::podName).containsExactly(ns + "/before", ns + "/after");
        assertThat(hook.requests().get(0).json().at("/env/ATOMIST_ENVIRONMENT").asText()).isEqualTo("image-it");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> LocalPorts.status(opsPort, "/readyz") == 200);
        assertThat(LocalPorts.status(opsPort, "/metrics")).isEqualTo(200);

        // The process inside runs as 65532, not root.
        Result pid = podman("inspect", "--format", "{{.State.Pid}}", name);
        assertThat(pid.code()).as(pid.output()).isZero();
        String status = Files.readString(Path.of("/proc", pid.output().strip(), "status"));
        assertThat(status.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow())
            .matches("Uid:\\s+65532\\s+65532\\s+65532\\s+65532");

        Result stop = podman("stop", "--time", "30", name);
        assertThat(stop.code()).as(stop.output()).isZero();
        Result exit = podman("inspect", "--format", "{{.State.ExitCode}}", name);
        assertThat(exit.output().strip()).as("exit status after SIGTERM").isEqualTo("0");
        Result logs = podman("logs", name);
        assertThat(logs.code()).as(logs.output()).isZero();
        ObjectMapper mapper = new ObjectMapper();
        List<String> lines = logs.output().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).isNotEmpty();
        for (String line : lines) {
          JsonNode json = mapper.readTree(line);
          assertThat(json.has("message") && json.has("level")).as(line).isTrue();
        }
        assertThat(logs.output()).contains("initial list of pods handed to the webhook queues")
            .contains("stopped; 0 pod state(s) undelivered");
      } finally {
        podman("rm", "-f", name);
      }
    }
  }

  @Test
  void theClassArchiveMapsK8ventsClassesAndTheRuntimeIsTrimmed() {
    // -Xshare:on fails the start if the archive cannot be mapped; class+load says where classes came from.
    List<String> run = new ArrayList<>(List.of("run", "--rm", "--network", "none", "--read-only"));
    run.addAll(ULIMITS);
    run.addAll(List.of("--entrypoint", "/opt/java/bin/java", IMAGE, "-XX:SharedArchiveFile=/opt/k8vent/k8vent.jsa",
        "-Xshare:on", "-Xlog:class+load=info", "-jar", "/opt/k8vent/k8vent.jar", "version"));
    Result r = podman(run.toArray(String[]::new));
    assertThat(r.code()).as(r.output()).isZero();
    assertThat(r.output()).contains("io.k8vent.cli.Main source: shared objects file (top)")
        .contains("commit imageit").contains("java 17");

    List<String> modules = new ArrayList<>(List.of("run", "--rm", "--network", "none"));
    modules.addAll(ULIMITS);
    modules.addAll(List.of("--entrypoint", "/opt/java/bin/java", IMAGE, "--list-modules"));
    Result listed = podman(modules.toArray(String[]::new));
    assertThat(listed.code()).as(listed.output()).isZero();
    assertThat(listed.output().lines().map(l -> l.replaceAll("@.*", "")).toList())
        .containsAll(Dockerfile.read().jlinkModules())
        .doesNotContain("jdk.compiler", "jdk.jshell", "jdk.jdwp.agent", "jdk.jcmd");
  }

  @Test
  void theImageRunsTheDaemonAloneWithoutTheTools() {
    List<String> run = new ArrayList<>(List.of("run", "--rm", "--network", "none", "--read-only"));
    run.addAll(ULIMITS);
    run.addAll(List.of(IMAGE, "demo"));
    Result demo = podman(run.toArray(String[]::new));
    assertThat(demo.code()).as(demo.output()).isEqualTo(2);
    assertThat(demo.output()).contains("'demo' is one of k8vent's tools");

    List<String> classes = new ArrayList<>(List.of("run", "--rm", "--network", "none", "--read-only"));
    classes.addAll(ULIMITS);
    classes.addAll(List.of("--entrypoint", "/opt/java/bin/java", IMAGE, "-cp", "/opt/k8vent/k8vent.jar",
        "io.k8vent.build.ClassArchive"));
    Result archive = podman(classes.toArray(String[]::new));
    assertThat(archive.code()).as(archive.output()).isNotZero();
    assertThat(archive.output()).contains("ClassNotFoundException: io.k8vent.build.ClassArchive");
  }
}
