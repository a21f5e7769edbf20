package io.k8vent.cli;

import io.k8vent.CommonPool;
import io.k8vent.config.ConfigException;
import io.k8vent.watch.KubeClients;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;

/** Entry point: {@code k8vent [run options]} or {@code k8vent COMMAND}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    CommonPool.useAPool();
    int code;
    try {
      code = run(args, System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    } catch (Error e) {
      // picocli reports exceptions itself but lets errors through; the process must still end
      // rather than stay up with its HTTP and ops threads and no daemon.
      System.err.println("k8vent: stopped by an unexpected error");
      e.printStackTrace();
      code = 1;
    }
    System.exit(code);
  }

  /** Runs a command line and returns its exit code: 0 ok, 1 failure, 2 bad usage or settings. */
  public static int run(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
    CommandLine cli = commandLine(env);
    cli.setOut(out);
    cli.setErr(err);
    return cli.execute(args);
  }

  static CommandLine commandLine(Map<String, String> env) {
    Env environment = new Env(env);
    CommandLine cli = new CommandLine(new RunCommand(environment));
    cli.addSubcommand(new DemoCommand(environment));
    cli.addSubcommand(new SinkCommand(environment));
    cli.addSubcommand(new LinkImageCommand(environment));
    cli.addSubcommand(new VersionCommand());
    cli.addSubcommand(new CommandLine.HelpCommand());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      PrintWriter err = commandLine.getErr();
      if (e instanceof ConfigException) {
        err.println("k8vent: " + e.getMessage());
        return 2;
      }
      if (e instanceof KubeClients.NoClusterException) {
        err.println("k8vent: " + e.getMessage());
        return 1;
      }
      throw e;
    });
    return cli;
  }
}
