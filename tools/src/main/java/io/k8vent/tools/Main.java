package io.k8vent.tools;

import io.k8vent.cli.Env;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * Entry point of the k8vent command that {@code bin/k8vent} runs: the daemon's command line
 * ({@link io.k8vent.cli.Main}) with the tools a person runs by hand, {@code demo}, {@code sink} and
 * {@code link-image}.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    io.k8vent.cli.Main.main(args, Main::tools);
  }

  /** Runs a command line and returns its exit code: 0 ok, 1 failure, 2 bad usage or settings. */
  public static int run(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
    return io.k8vent.cli.Main.run(args, env, out, err, Main::tools);
  }

  static CommandLine commandLine(Map<String, String> env) {
    return io.k8vent.cli.Main.commandLine(env, Main::tools);
  }

  private static List<Object> tools(Env env) {
    return List.of(new DemoCommand(env), new SinkCommand(env), new LinkImageCommand(env));
  }
}
