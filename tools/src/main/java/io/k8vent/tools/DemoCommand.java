package io.k8vent.tools;

import io.k8vent.cli.Env;
import io.k8vent.cli.FormatOptions;
import io.k8vent.cli.Signals;
import io.k8vent.cli.OptionValues;
import io.k8vent.cli.VersionCommand;
import io.k8vent.config.ConfigException;
import io.k8vent.demo.Demo;
import io.k8vent.demo.LocalKubeCluster;
import io.k8vent.logging.LogSetup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
    versionProvider = VersionCommand.Lines.class,
    description = {
        "Shows k8vent working with no cluster: starts a Kubernetes API on loopback (a real kube-apiserver and "
            + "etcd when scripts/kube-binaries has built them, else an in-memory one; the first line says which), "
            + "a local webhook sink and k8vent between them; creates pods, runs them, relabels, finishes and "
            + "deletes some, and prints every delivery, a summary and the path of an example payload.",
        "Every option can also be set by the environment variable shown; the option wins."})
final class DemoCommand implements Callable<Integer> {
  private final Env env;

  @Spec
  CommandSpec spec;

  DemoCommand(Env env) {
    this.env = env;
  }

  @Option(names = "--pods", paramLabel = "N",
      description = "Pods to create (at most 100). Default: 5. Env: K8VENT_DEMO_PODS.")
  String pods;

  @Option(names = "--duration", paramLabel = "DURATION",
      description = "How long the demo runs, e.g. 30s or 2m. Default: 30s. Env: K8VENT_DEMO_DURATION.")
  String duration;

  @Option(names = "--payload-file", paramLabel = "FILE",
      description = "Write the example payload here. Default: a new file in the temporary directory. "
          + "Env: K8VENT_DEMO_PAYLOAD_FILE.")
  Path payloadFile;

  @Option(names = "--kube-binaries", paramLabel = "DIR",
      description = "Run a real etcd and kube-apiserver from the binaries in DIR instead of the in-memory API. "
          + "Default: the newest ones scripts/kube-binaries built in ~/.cache/k8vent/kube/, if any. "
          + "Env: K8VENT_DEMO_KUBE_BINARIES.")
  Path kubeBinaries;

  @Option(names = "--in-memory",
      description = "Use the in-memory API even when kube-apiserver binaries are there. Default: false. "
          + "Env: K8VENT_DEMO_IN_MEMORY=true.")
  boolean inMemory;

  @Mixin
  FormatOptions format = new FormatOptions();

  @Option(names = "--log-level", paramLabel = "LEVEL",
      description = "k8vent's own log level (logs go to stderr). Default: warn. Env: K8VENT_LOG_LEVEL.")
  String logLevel;

  @Override
  public Integer call() throws Exception {
    LogSetup.configure("text", "--log-format", env.flagOrVariable(logLevel, "K8VENT_LOG_LEVEL", "warn"),
        env.source(logLevel, "--log-level", "K8VENT_LOG_LEVEL"));
    String podsSource = env.source(pods, "--pods", "K8VENT_DEMO_PODS");
    int n = OptionValues.positiveInt(env.flagOrVariable(pods, "K8VENT_DEMO_PODS", "5"), podsSource);
    if (n > 100) {
      throw new ConfigException("invalid " + podsSource + " \"" + n + "\"; the demo creates at most 100 pods");
    }
    Demo.Options options = new Demo.Options(n,
        OptionValues.positiveDuration(env.flagOrVariable(duration, "K8VENT_DEMO_DURATION", "30s"),
            env.source(duration, "--duration", "K8VENT_DEMO_DURATION")),
        payloadFile(), binaries(), format.kind(env));
    Demo demo = new Demo(options, env.all(), spec.commandLine().getOut());
    Signals.onTermination(demo::stop, demo::abandon);
    return demo.run();
  }

  /** Where the example payload goes (null: a new temporary file), checked before the demo runs. */
  private Path payloadFile() {
    Path file = env.pathOr(payloadFile, "K8VENT_DEMO_PAYLOAD_FILE");
    if (file == null) {
      return null;
    }
    String source = env.source(payloadFile, "--payload-file", "K8VENT_DEMO_PAYLOAD_FILE");
    Path parent = file.toAbsolutePath().getParent();
    String problem = Files.isDirectory(file) ? "it is a directory"
        : !Files.isDirectory(parent) ? "directory " + parent + " does not exist"
        : !Files.isWritable(parent) ? "directory " + parent + " is not writable"
        : Files.exists(file) && !Files.isWritable(file) ? "the file is not writable"
        : null;
    if (problem != null) {
      throw new ConfigException("invalid " + source + " \"" + file + "\": " + problem
          + "; give a file in an existing directory");
    }
    return file;
  }

  /** Where to run kube-apiserver and etcd from, or null for the in-memory API. */
  private Path binaries() {
    Path given = env.pathOr(kubeBinaries, "K8VENT_DEMO_KUBE_BINARIES");
    String binariesSource = env.source(kubeBinaries, "--kube-binaries", "K8VENT_DEMO_KUBE_BINARIES");
    boolean memory = inMemory || "true".equalsIgnoreCase(env.flagOrVariable(null, "K8VENT_DEMO_IN_MEMORY"));
    if (given != null && memory) {
      throw new ConfigException((inMemory ? "--in-memory" : "K8VENT_DEMO_IN_MEMORY=true") + " and " + binariesSource
          + " exclude each other");
    }
    if (memory) {
      return null;
    }
    if (given == null) {
      return LocalKubeCluster.cachedBinaries().orElse(null);
    }
    LocalKubeCluster.missingBinary(given).ifPresent(binary -> {
      throw new ConfigException("invalid " + binariesSource + " \"" + given + "\": it has no executable " + binary
          + "; scripts/kube-binaries builds both and prints their directory");
    });
    return given;
  }
}
