package io.k8vent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.k8vent.payload.WireFormat;
import io.k8vent.testing.Hmac;
import io.k8vent.testing.Jars;
import io.k8vent.testing.K8ventProcess;
import io.k8vent.testing.KubeApiServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** demo, sink and version run from the built jar, and bin/k8vent, as a newcomer runs them. */
class CommandsProcessIT {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void demoOnTheInMemoryApiShowsEveryKindOfDeliveryAndWritesAnExamplePayload() throws Exception {
    String out = demo("--in-memory");

    assertThat(out).contains("in-memory API, not a cluster");
  }

  @Test
  void demoRunsOnARealApiServerFromTheBuiltBinaries() throws Exception {
    String out = demo("--kube-binaries", KubeApiServer.binaries().toString());

    assertThat(out).containsPattern("real kube-apiserver v1\\.\\d+\\.\\d+ and etcd");
  }

  @Test
  void demoSendsStructuredCloudEventsWhenAsked() throws Exception {
    String out = demo("--in-memory", "--format", "cloudevents", "--cloudevents-mode", "structured");

    assertThat(out).contains("POSTs each change to the sink as a CloudEvent (structured mode)");
    JsonNode example = MAPPER.readTree(dir.resolve("example.json").toFile());
    assertThat(example.get("specversion").asText()).isEqualTo("1.0");
    assertThat(example.get("type").asText()).isEqualTo("io.k8vent.pod.modified");
    assertThat(example.get("subject").asText()).startsWith("k8vent-demo/demo-");
  }

  @Test
  void ctrlCWhileTheDemosApiServerStartsStopsAtOnceAndLeavesNothingBehind() throws Exception {
    Path tmp = Files.createDirectory(dir.resolve("tmp"));
    try (K8ventProcess demo = K8ventProcess.start(List.of("-Djava.io.tmpdir=" + tmp), Map.of(), "demo",
        "--kube-binaries", KubeApiServer.binaries().toString(), "--payload-file", dir.resolve("p.json").toString())) {
      // The API server's folder holds sa.key and tokens.csv from before etcd starts until the demo ends.
      await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> !files(tmp, "tokens.csv").isEmpty());
      long signalled = System.nanoTime();
      demo.interrupt();

      assertThat(demo.waitFor(60)).as(demo.stdout() + demo.stderr()).isEqualTo(130);
      assertThat(Duration.ofNanos(System.nanoTime() - signalled)).as("reacts at once, not after the start-up")
          .isLessThan(Duration.ofSeconds(10));
      assertThat(demo.stdout()).contains("stopped during start-up (Ctrl-C)").doesNotContain("k8vent is watching")
          .doesNotContain("real kube-apiserver v");
      assertThat(demo.stdout() + demo.stderr()).doesNotContain("Exception").doesNotContain("\tat ");
    }
    assertThat(files(tmp, "")).as("temporary files left in %s", tmp).isEmpty();
    assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(tmp.toString())))
        .as("etcd and kube-apiserver stopped").isEmpty();
  }

  /** Files under {@code root} (not root itself) whose name ends with {@code suffix}. */
  private static List<Path> files(Path root, String suffix) throws java.io.IOException {
    try (var walk = Files.walk(root)) {
      return walk.filter(p -> !p.equals(root) && p.getFileName().toString().endsWith(suffix)).toList();
    }
  }

  /** Runs the demo from the jar for a few seconds, checks what every demo shows, returns its output. */
  private String demo(String... apiChoice) throws Exception {
    Path payload = dir.resolve("example.json");
    List<String> args = new ArrayList<>(List.of("demo", "--duration", "8s", "--pods", "3",
        "--payload-file", payload.toString()));
    args.addAll(List.of(apiChoice));
    String out;
    try (K8ventProcess demo = K8ventProcess.start(Map.of(), args.toArray(String[]::new))) {
      assertThat(demo.waitFor(120)).as(demo.stdout() + demo.stderr()).isZero();
      out = demo.stdout();
      assertThat(out + demo.stderr()).doesNotContain("MockWebServer").doesNotContain("Exception");
    }
    for (String event : List.of("ADDED", "MODIFIED", "DELETED")) {
      assertThat(out).containsPattern("-> " + event + " +k8vent-demo/demo-\\d .* HTTP 2\\d\\d ");
    }
    assertThat(out).containsPattern("-> DELETED +k8vent-demo/demo-1 +Deleted ");
    assertThat(out.lines().filter(l -> l.contains("-> ")))
        .hasSizeGreaterThanOrEqualTo(3 + 3 + 1 + 2 + 2)
        .allMatch(l -> l.contains(" HTTP 200 "), "every delivery answered 200");
    Matcher summary = Pattern.compile("summary: (\\d+) deliveries .*; (\\d+) answered 2xx, 0 failed").matcher(out);
    assertThat(summary.find()).as(out).isTrue();
    assertThat(summary.group(1)).isEqualTo(summary.group(2));
    Matcher signed = Pattern.compile("sink: (\\d+) requests received, (\\d+) with a valid signature").matcher(out);
    assertThat(signed.find()).as(out).isTrue();
    assertThat(signed.group(2)).isEqualTo(signed.group(1)).isEqualTo(summary.group(1));
    assertThat(out).contains(payload.toAbsolutePath().toString());

    JsonNode example = WireFormat.payloadOf(MAPPER.readTree(payload.toFile()));
    assertThat(example.fieldNames()).toIterable().containsExactly("pod", "env");
    assertThat(example.at("/pod/kind").asText()).isEqualTo("Pod");
    assertThat(example.at("/pod/status/phase").asText()).isEqualTo("Running");
    assertThat(example.at("/pod/metadata/namespace").asText()).isEqualTo("k8vent-demo");
    assertThat(example.get("env").isObject()).isTrue();
    return out;
  }

  @Test
  void sinkChecksSignaturesAndStopsCleanly() throws Exception {
    try (K8ventProcess sink = K8ventProcess.start(Map.of("K8VENT_WEBHOOK_SECRET", "s3cret"),
        "sink", "--port", "0", "--fail", "503", "--fail-count", "1")) {
      Pattern listening = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+/)");
      await().atMost(Duration.ofSeconds(30)).until(() -> listening.matcher(sink.stdout()).find());
      Matcher m = listening.matcher(sink.stdout());
      assertThat(m.find()).isTrue();
      URI hook = URI.create(m.group(1) + "hook");
      byte[] body = "{\"pod\":{\"metadata\":{\"namespace\":\"ns\",\"name\":\"p\"},\"status\":{\"phase\":\"Running\"}}}"
          .getBytes(StandardCharsets.UTF_8);

      assertThat(post(hook, body, Hmac.sha256("s3cret", body))).isEqualTo(503);
      assertThat(post(hook, body, Hmac.sha256("s3cret", body))).isEqualTo(200);
      assertThat(post(hook, body, Hmac.sha256("wrong", body))).isEqualTo(200);
      await().atMost(Duration.ofSeconds(10)).until(() -> sink.stdout().lines().filter(l -> l.contains("#")).count() == 3);

      List<String> lines = sink.stdout().lines().filter(l -> l.contains(" #")).toList();
      assertThat(lines.get(0)).contains("ns/p Running").contains("signature valid").endsWith("-> 503");
      assertThat(lines.get(1)).contains("signature valid").endsWith("-> 200");
      assertThat(lines.get(2)).contains("signature INVALID").endsWith("-> 200");
      assertThat(sink.stdout()).doesNotContain("s3cret");
      sink.terminate();
      assertThat(sink.waitFor(30)).isZero();
    }
  }

  /** What a command printed and how it exited. */
  record Ran(int code, String out, String err) {}

  /** Runs a command that is expected to end by itself within a minute. */
  private static Ran run(Map<String, String> env, String... args) throws Exception {
    try (K8ventProcess p = K8ventProcess.start(env, args)) {
      int code = p.waitFor(60);
      return new Ran(code, p.stdout(), p.stderr());
    }
  }

  /** One line on stderr, no stack trace, nothing on stdout: how a bad setting is reported. */
  private static void assertOneLine(Ran r, int code) {
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(code);
    assertThat(r.err().strip()).startsWith("k8vent: ").doesNotContain("\n").doesNotContain("Exception");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void sinkOnABusyPortOrAnAddressOfAnotherHostSaysWhichOptionInOneLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();

      Ran busy = run(Map.of(), "sink", "--port", String.valueOf(port));
      assertOneLine(busy, 2);
      assertThat(busy.err()).contains("cannot listen on --bind 127.0.0.1 --port " + port)
          .contains("Address already in use").contains("--port 0 picks one");

      Ran fromEnv = run(Map.of("K8VENT_SINK_PORT", String.valueOf(port)), "sink");
      assertOneLine(fromEnv, 2);
      assertThat(fromEnv.err()).contains("K8VENT_SINK_PORT " + port);
    }
    Ran countAlone = run(Map.of("K8VENT_SINK_FAIL_COUNT", "2"), "sink");
    assertOneLine(countAlone, 2);
    assertThat(countAlone.err()).contains("K8VENT_SINK_FAIL_COUNT needs --fail");

    Ran invalid = run(Map.of(), "sink", "--bind", "999.1.1.1");
    assertOneLine(invalid, 2);
    assertThat(invalid.err()).contains("invalid --bind \"999.1.1.1\"");

    // 192.0.2.1 is TEST-NET-1: never an address of this host.
    Ran foreign = run(Map.of(), "sink", "--bind", "192.0.2.1", "--port", "0");
    assertOneLine(foreign, 2);
    assertThat(foreign.err()).contains("cannot listen on --bind 192.0.2.1");
  }

  @Test
  void sinkOnAllAddressesSaysSoAndShowsALinkImageRequestOnce() throws Exception {
    try (K8ventProcess sink = K8ventProcess.start(Map.of(), "sink", "--bind", "0.0.0.0", "--port", "0")) {
      Pattern listening = Pattern.compile("listening on 0\\.0\\.0\\.0:(\\d+), all addresses of this host "
          + "\\(from this machine: (http://127\\.0\\.0\\.1:\\d+/)\\)");
      await().atMost(Duration.ofSeconds(30)).until(() -> listening.matcher(sink.stdout()).find());
      Matcher m = listening.matcher(sink.stdout());
      assertThat(m.find()).isTrue();
      assertThat(m.group(2)).isEqualTo("http://127.0.0.1:" + m.group(1) + "/");

      Ran link = run(Map.of(), "link-image", "--url", m.group(2) + "li", "--owner", "o", "--repo", "r",
          "--sha", "abcdef0", "--image", "o/i:1");
      assertThat(link.code()).as(link.out() + link.err()).isZero();

      await().atMost(Duration.ofSeconds(10)).until(() -> sink.stdout().contains(" #1 "));
      String line = sink.stdout().lines().filter(l -> l.contains(" #1 ")).findFirst().orElseThrow();
      assertThat(line).contains("POST /li link-image o/i:1 <- o/r@abcdef0").doesNotContain("link-image link-image");
    }
  }

  @Test
  void demoRefusesAPayloadFileInAMissingDirectoryOrBinariesThatAreNotThereBeforeItRuns() throws Exception {
    Ran r = run(Map.of(), "demo", "--in-memory", "--payload-file", "/nonexistent/dir/p.json");
    assertOneLine(r, 2);
    assertThat(r.err()).contains("invalid --payload-file \"/nonexistent/dir/p.json\"")
        .contains("directory /nonexistent/dir does not exist");

    Ran fromEnv = run(Map.of("K8VENT_DEMO_PAYLOAD_FILE", "/nonexistent/dir/p.json"), "demo", "--in-memory");
    assertOneLine(fromEnv, 2);
    assertThat(fromEnv.err()).contains("invalid K8VENT_DEMO_PAYLOAD_FILE");

    Ran binaries = run(Map.of("K8VENT_DEMO_KUBE_BINARIES", dir.toString()), "demo");
    assertOneLine(binaries, 2);
    assertThat(binaries.err()).contains("invalid K8VENT_DEMO_KUBE_BINARIES \"" + dir + "\": it has no executable");
  }

  @Test
  void linkImageNamesTheCiVariableAValueCameFrom() throws Exception {
    String[] args = {"link-image", "--team", "T1", "--owner", "o", "--image", "o/i:1"};

    Ran sha = run(Map.of("GITHUB_SHA", "not-a-sha", "GITHUB_REPOSITORY", "o/r"), args);
    assertOneLine(sha, 2);
    assertThat(sha.err()).contains("invalid GITHUB_SHA \"not-a-sha\"").doesNotContain("--sha");

    Ran repo = run(Map.of("GITHUB_SHA", "abcdef0", "GITHUB_REPOSITORY", "justaname"), args);
    assertOneLine(repo, 2);
    assertThat(repo.err()).contains("invalid GITHUB_REPOSITORY \"justaname\"").contains("OWNER/REPO")
        .doesNotContain("missing --repo");

    Ran team = run(Map.of("K8VENT_LINK_TEAM", "no spaces please"), "link-image", "--owner", "o", "--repo", "r",
        "--sha", "abcdef0", "--image", "o/i:1");
    assertOneLine(team, 2);
    assertThat(team.err()).contains("invalid K8VENT_LINK_TEAM \"no spaces please\"");
  }

  @Test
  void versionNamesTheCommitTheJarWasBuiltFrom() throws Exception {
    try (K8ventProcess version = K8ventProcess.start(Map.of(), "version")) {
      assertThat(version.waitFor(30)).isZero();
      String expected = Files.isDirectory(Path.of(".git")) ? gitHead() : "unknown";
      assertThat(version.stdout()).startsWith("k8vent ").contains("commit " + expected).contains("java 17");
    }
  }

  @Test
  void binK8ventRecordsTheClassArchiveOnceAndStartsFromIt() throws Exception {
    Path script = dir.resolve("bin").resolve("k8vent");
    Path jar = dir.resolve("tools/target/k8vent.jar");
    Path buildTools = dir.resolve("build-tools/target/k8vent-build-tools.jar");
    for (Path file : List.of(script, jar, buildTools)) {
      Files.createDirectories(file.getParent());
    }
    Files.copy(Path.of("bin", "k8vent"), script, StandardCopyOption.COPY_ATTRIBUTES);
    Files.copy(Jars.k8vent(), jar, StandardCopyOption.COPY_ATTRIBUTES);
    Files.copy(Jars.buildTools(), buildTools, StandardCopyOption.COPY_ATTRIBUTES);

    String[] first = runScript(script, Map.of(), "version");
    assertThat(first[1]).contains("recording the class-data-sharing archive").doesNotContain("could not record");
    assertThat(dir.resolve("tools/target/k8vent.jsa")).isRegularFile();

    String[] second = runScript(script, Map.of("K8VENT_JAVA_OPTS", "-XX:+UseSerialGC -Xlog:class+load"), "version");
    assertThat(second[1]).doesNotContain("recording");
    assertThat(second[0]).contains("io.k8vent.cli.Main source: shared objects file (top)").contains("k8vent 0.");
  }

  /** Runs a script to its end (exit 0 expected); returns its stdout and stderr. */
  private String[] runScript(Path script, Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(script.toString()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
    String[] output = {Files.readString(out), Files.readString(err)};
    assertThat(process.exitValue()).as("%s%n%s", output[0], output[1]).isZero();
    return output;
  }

  private static String gitHead() throws Exception {
    Process git = new ProcessBuilder("git", "rev-parse", "--short=12", "HEAD").redirectErrorStream(true).start();
    String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(git.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(git.exitValue()).as(out).isZero();
    return out;
  }

  private static int post(URI url, byte[] body, String sha256) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(url)
        .header("X-K8vent-Event", "MODIFIED").header("X-K8vent-Signature-256", sha256)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
