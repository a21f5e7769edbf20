package io.k8vent.cli;

import io.k8vent.Version;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "version", description = "Print k8vent's version, git commit and Java version.",
    mixinStandardHelpOptions = true)
public final class VersionCommand implements Callable<Integer> {
  /** The lines of {@code k8vent version}, for every command's {@code --version}. */
  public static final class Lines implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return lines();
    }
  }

  @Spec
  CommandSpec spec;

  static String[] lines() {
    return new String[] {
        "k8vent " + Version.VERSION,
        "commit " + Version.COMMIT,
        "java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
  }

  @Override
  public Integer call() {
    for (String line : lines()) {
      spec.commandLine().getOut().println(line);
    }
    return 0;
  }
}
