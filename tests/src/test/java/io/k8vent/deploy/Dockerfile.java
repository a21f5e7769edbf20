package io.k8vent.deploy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The project's Dockerfile read the way the Docker builder reads it: comments dropped,
 * continued lines joined, instructions grouped into stages by FROM, and a FROM's
 * {@code ${NAME}} replaced by the default of the ARG declared before the first FROM (what a
 * build without --build-arg uses).
 */
final class Dockerfile {

  static final Path PATH = Path.of("Dockerfile");

  private static final Pattern FROM =
      Pattern.compile("(?:--\\S+\\s+)*(\\S+)(?:\\s+(?i:as)\\s+(\\S+))?");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?([A-Za-z_][A-Za-z0-9_]*)}?");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One instruction: its keyword in upper case and the rest of the (joined) line. */
  record Instruction(String keyword, String arguments) {

    /** Exec form: a JSON array of strings, run without a shell. */
    boolean isExecForm() {
      return arguments.startsWith("[");
    }

    List<String> execArguments() {
      try {
        return JSON.readValue(arguments, new TypeReference<List<String>>() { });
      } catch (IOException e) {
        throw new IllegalStateException(keyword + " is not a JSON array: " + arguments, e);
      }
    }

    List<String> words() {
      return Arrays.asList(arguments.split("\\s+"));
    }
  }

  /** A build stage: its base image, its name if it has one, and its instructions after FROM. */
  record Stage(String image, Optional<String> name, List<Instruction> instructions) {

    List<Instruction> all(String keyword) {
      return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }
  }

  private final List<Stage> stages;
  private final java.util.Map<String, String> globalArgs;

  private Dockerfile(List<Stage> stages, java.util.Map<String, String> globalArgs) {
    this.stages = stages;
    this.globalArgs = globalArgs;
  }

  static Dockerfile read() {
    try {
      return parse(Files.readAllLines(PATH));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Dockerfile parse(List<String> lines) {
    List<Stage> stages = new ArrayList<>();
    java.util.Map<String, String> globalArgs = new java.util.LinkedHashMap<>();
    List<Instruction> current = null;
    StringBuilder pending = new StringBuilder();
    for (String line : lines) {
      if (line.strip().startsWith("#")) {
        continue;
      }
      String stripped = line.stripTrailing();
      if (stripped.endsWith("\\")) {
        pending.append(stripped, 0, stripped.length() - 1).append(' ');
        continue;
      }
      String text = pending.append(stripped).toString().strip();
      pending.setLength(0);
      if (text.isEmpty()) {
        continue;
      }
      String[] parts = text.split("\\s+", 2);
      Instruction instruction = new Instruction(parts[0].toUpperCase(Locale.ROOT),
          parts.length > 1 ? parts[1].strip() : "");
      if (instruction.keyword().equals("FROM")) {
        Matcher from = FROM.matcher(instruction.arguments());
        if (!from.matches()) {
          throw new IllegalArgumentException("cannot read " + text);
        }
        current = new ArrayList<>();
        String image = VARIABLE.matcher(from.group(1)).replaceAll(v -> {
          String value = globalArgs.get(v.group(1));
          if (value == null) {
            throw new IllegalArgumentException("FROM uses " + v.group() + " with no ARG default before the first FROM");
          }
          return Matcher.quoteReplacement(value);
        });
        stages.add(new Stage(image, Optional.ofNullable(from.group(2)), current));
      } else if (current == null && instruction.keyword().equals("ARG")) {
        String[] arg = instruction.arguments().split("=", 2);
        globalArgs.put(arg[0], arg.length > 1 ? arg[1] : null);
      } else if (current == null) {
        throw new IllegalArgumentException(instruction.keyword() + " before the first FROM");
      } else {
        current.add(instruction);
      }
    }
    return new Dockerfile(List.copyOf(stages), java.util.Collections.unmodifiableMap(globalArgs));
  }

  List<Stage> stages() {
    return stages;
  }

  /** The ARGs declared before the first FROM, with their defaults (null: none). */
  java.util.Map<String, String> globalArgs() {
    return globalArgs;
  }

  Stage finalStage() {
    return stages.get(stages.size() - 1);
  }

  Stage stage(String name) {
    return stages.stream().filter(s -> s.name().equals(Optional.of(name))).findFirst()
        .orElseThrow(() -> new AssertionError("no stage named " + name));
  }

  /** The modules of the jlink run's --add-modules option. */
  List<String> jlinkModules() {
    for (Stage stage : stages) {
      for (Instruction run : stage.all("RUN")) {
        List<String> words = run.words();
        if (!words.contains("jlink")) {
          continue;
        }
        for (int i = 0; i < words.size(); i++) {
          if (words.get(i).equals("--add-modules") && i + 1 < words.size()) {
            return List.of(words.get(i + 1).split(","));
          }
          if (words.get(i).startsWith("--add-modules=")) {
            return List.of(words.get(i).substring("--add-modules=".length()).split(","));
          }
        }
      }
    }
    throw new AssertionError("no jlink --add-modules in " + PATH);
  }
}
