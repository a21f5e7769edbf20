package io.k8vent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.k8vent.CommonPool;
import io.k8vent.config.ConfigException;
import io.k8vent.watch.KubeClients;
import java.io.PrintWriter;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine;

/**
 * The daemon's entry point: {@code k8vent [run options]}, {@code k8vent version}, {@code k8vent help}.
 * The tools' entry point ({@code io.k8vent.tools.Main}) is this command with their subcommands added.
 */
public final class Main {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The commands of the tools module, which the daemon's own jar (the image's) does not hold. */
  private static final List<String> TOOLS = List.of("demo", "sink", "link-image");

  private Main() {}

  public static void main(String[] args) {
    main(args, env -> List.of());
  }

  /** Runs the command line in this process with {@code commands} added, and exits with its code. */
  public static void main(String[] args, Function<Env, List<Object>> commands) {
    CommonPool.useTwoThreads();
    int code;
    try {
      code = run(args, System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true), commands);
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
    return run(args, env, out, err, e -> List.of());
  }

  /** {@link #run(String[], Map, PrintWriter, PrintWriter)} with {@code commands} added as subcommands. */
  public static int run(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err,
      Function<Env, List<Object>> commands) {
    CommandLine cli = commandLine(env, commands);
    cli.setOut(out);
    cli.setErr(err);
    return cli.execute(args);
  }

  /**
   * The k8vent command: the daemon's run options, then {@code commands} (each annotated with
   * picocli's {@code @Command}, made with the environment to read), {@code version} and {@code help}.
   */
  public static CommandLine commandLine(Map<String, String> env, Function<Env, List<Object>> commands) {
    Env environment = new Env(env);
    CommandLine cli = new CommandLine(new RunCommand(environment));
    commands.apply(environment).forEach(cli::addSubcommand);
    cli.addSubcommand(new VersionCommand());
    cli.addSubcommand(new CommandLine.HelpCommand());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      int code = e instanceof ConfigException ? 2 : e instanceof KubeClients.NoClusterException ? 1 : 0;
      if (code == 0) {
        throw e;
      }
      return fatal(commandLine, e.getMessage(), code);
    });
    // A mistyped option of the daemon (in the image, K8VENT_LOG_FORMAT=json) is one JSON line too,
    // not the usage text that a log pipeline would split into dozens of records.
    CommandLine.IParameterExceptionHandler usage = cli.getParameterExceptionHandler();
    cli.setParameterExceptionHandler((e, args) -> {
      if (args.length > 0 && TOOLS.contains(args[0]) && !cli.getSubcommands().containsKey(args[0])) {
        return fatal(e.getCommandLine(), "'" + args[0] + "' is one of k8vent's tools, which this jar does not "
            + "hold: it is the daemon alone, as the container image runs it. Run the tools with bin/k8vent or "
            + "java -jar tools/target/k8vent.jar", 2);
      }
      if (jsonLogs(e.getCommandLine())) {
        return fatal(e.getCommandLine(), e.getMessage() + " (k8vent --help lists the options)", 2);
      }
      return usage.handleParseException(e, args);
    });
    return cli;
  }

  /** Prints a fatal start-up error as the daemon logs (one JSON line, or {@code k8vent: MESSAGE}); returns {@code code}. */
  private static int fatal(CommandLine commandLine, String message, int code) {
    commandLine.getErr().println(jsonLogs(commandLine) ? jsonLine(message, code) : "k8vent: " + message);
    return code;
  }

  private static boolean jsonLogs(CommandLine commandLine) {
    return commandLine.getCommand() instanceof RunCommand run && run.jsonLogs();
  }

  /**
   * A fatal start-up error as one line of --log-format json, with the fields of the JSON log lines
   * (so a log pipeline parses it like the others) and the exit code.
   */
  static String jsonLine(String message, int exitCode) {
    ObjectNode line = JSON.createObjectNode();
    line.put("@timestamp", OffsetDateTime.now().toString());
    line.put("@version", "1");
    line.put("message", message);
    line.put("logger_name", Main.class.getName());
    line.put("thread_name", Thread.currentThread().getName());
    line.put("level", "ERROR");
    line.put("level_value", 40000);
    line.put("exit_code", exitCode);
    return line.toString();
  }
}
