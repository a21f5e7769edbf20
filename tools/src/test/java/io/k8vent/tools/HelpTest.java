package io.k8vent.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine;

/** Every command's --help gives each option's default and environment variable. */
class HelpTest {

  @Test
  void everyOptionOfEveryCommandNamesItsDefaultAndVariable() {
    CommandLine root = Main.commandLine(Map.of());
    List<CommandLine> commands = new ArrayList<>(List.of(root));
    commands.addAll(root.getSubcommands().values());
    assertThat(root.getSubcommands()).containsKeys("demo", "sink", "link-image", "version");

    for (CommandLine command : commands) {
      for (OptionSpec option : command.getCommandSpec().options()) {
        if (option.usageHelp() || option.versionHelp()) {
          continue;
        }
        String description = String.join(" ", option.description());
        assertThat(description).as("%s %s", command.getCommandName(), option.longestName())
            .contains("Default:").contains("Env:");
      }
    }
  }

  @Test
  void helpIsPrintedWithExitZeroForEachCommand() {
    for (String command : List.of("demo", "sink", "link-image", "version")) {
      StringWriter out = new StringWriter();
      int code = Main.run(new String[] {command, "--help"}, Map.of(), new PrintWriter(out, true),
          new PrintWriter(new StringWriter(), true));

      assertThat(code).isZero();
      assertThat(out.toString()).startsWith("Usage: k8vent " + command);
    }
  }
}
