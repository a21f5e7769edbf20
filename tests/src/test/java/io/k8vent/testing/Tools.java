package io.k8vent.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The command-line tools the deployment tests drive as users do: helm (built from its Go module by
 * scripts/helm-binary), kubectl, promtool and Go programs under tests/src/test/go. Tests fail, never skip,
 * when a tool is missing.
 */
public final class Tools {
  private static Path helm;

  private Tools() {}

  /** Exit code and everything the command printed (stdout and stderr together). */
  public record Result(int code, String output) {}

  /** Runs {@code command} in {@code dir} (null: the working directory), feeding it {@code stdin}. */
  public static Result run(Path dir, String stdin, List<String> command) {
    return run(dir, stdin, command, 300);
  }

  private static Result run(Path dir, String stdin, List<String> command, long timeoutSeconds) {
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
      if (dir != null) {
        pb.directory(dir.toFile());
      }
      Process p = pb.start();
      try (OutputStream in = p.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("still running after " + timeoutSeconds + " s: " + command + "\n" + out);
      }
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static Result run(String stdin, String... command) {
    return run(null, stdin, List.of(command));
  }

  /** The project's root: the directory holding scripts/. */
  public static Path root() {
    Path root = Path.of("").toAbsolutePath();
    while (root != null && !Files.isDirectory(root.resolve("scripts"))) {
      root = root.getParent();
    }
    if (root == null) {
      throw new IllegalStateException("no scripts/ above " + Path.of("").toAbsolutePath());
    }
    return root;
  }

  /** helm, built (or found cached) by scripts/helm-binary. */
  public static synchronized Path helm() {
    if (helm == null) {
      // The first build fetches and compiles helm's modules: minutes on two cores.
      Result r = run(null, null, List.of(root().resolve("scripts/helm-binary").toString()), 1800);
      String out = r.output().strip();
      if (r.code() != 0 || out.isEmpty()) {
        throw new IllegalStateException("scripts/helm-binary failed (exit " + r.code() + "):\n" + out);
      }
      helm = Path.of(out.substring(out.lastIndexOf('\n') + 1));
    }
    return helm;
  }

  public static Result helm(String... args) {
    List<String> command = new ArrayList<>(List.of(helm().toString()));
    command.addAll(List.of(args));
    return run(null, null, command);
  }

  /** kubectl with the given kubeconfig. */
  public static Result kubectl(Path kubeconfig, String stdin, String... args) {
    List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
    command.addAll(List.of(args));
    return run(null, stdin, command);
  }

  /** The Go program in src/test/go/NAME, built into tests/target/go and fed {@code stdin}. */
  public static Result go(String name, String stdin) {
    // Built first, then run: on a fresh machine the build downloads modules and says so, which
    // `go run` would mix into the program's own output.
    Path dir = root().resolve("tests/src/test/go").resolve(name);
    Path binary = root().resolve("tests/target/go").resolve(name);
    Result build = run(dir, null, List.of("go", "build", "-o", binary.toString(), "."));
    if (build.code() != 0) {
      return build;
    }
    return run(dir, stdin, List.of(binary.toString()));
  }
}
