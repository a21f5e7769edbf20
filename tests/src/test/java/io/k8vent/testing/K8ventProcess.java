package io.k8vent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** k8vent started from the built jar as a separate process, the way users run it. */
public final class K8ventProcess implements AutoCloseable {
  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private K8ventProcess(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  private static final Set<String> TOOLS = Set.of("demo", "sink", "link-image");

  /**
   * Runs {@code k8vent ARGS}: the tools' commands (demo, sink, link-image) from the jar bin/k8vent runs,
   * everything else from the daemon's jar, as the image runs it.
   */
  public static K8ventProcess start(Map<String, String> env, String... args) {
    return start(List.of(), env, args);
  }

  /** With JVM options, e.g. {@code -Djava.io.tmpdir=DIR} to see what a command leaves there. */
  public static K8ventProcess start(List<String> jvmOptions, Map<String, String> env, String... args) {
    // SIGINT at its default, as in a terminal: a test JVM started in the background of a script inherits
    // it ignored, and the JVM then keeps ignoring it (GNU env resets it).
    List<String> command = new ArrayList<>(List.of("env", "--default-signal=INT",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC"));
    command.addAll(jvmOptions);
    Path jar = args.length > 0 && TOOLS.contains(args[0]) ? Jars.k8vent() : Jars.daemon();
    command.addAll(List.of("-jar", jar.toString()));
    command.addAll(List.of(args));
    try {
      Path dir = Files.createTempDirectory("k8vent-process");
      Path out = dir.resolve("stdout");
      Path err = dir.resolve("stderr");
      ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
      pb.environment().keySet().removeIf(k -> k.startsWith("K8VENT_") || k.equals("KUBECONFIG") || k.equals("ATOMIST_ENVIRONMENT"));
      pb.environment().putAll(env);
      return new K8ventProcess(pb.start(), out, err);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String stdout() {
    return read(stdout);
  }

  public String stderr() {
    return read(stderr);
  }

  private static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends SIGTERM. */
  public void terminate() {
    process.destroy();
  }

  /** Sends SIGINT, as Ctrl-C in a terminal does. */
  public void interrupt() throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -INT " + process.pid() + " failed");
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for the exit and returns the code; throws if it takes longer than {@code seconds}. */
  public int waitFor(long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      throw new AssertionError("k8vent did not exit within " + seconds + "s; stderr:\n" + stderr());
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
