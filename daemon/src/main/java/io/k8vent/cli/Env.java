package io.k8vent.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Reads settings from environment variables when the matching flag was not given. */
public final class Env {
  private final Map<String, String> env;

  Env(Map<String, String> env) {
    this.env = env;
  }

  public Map<String, String> all() {
    return env;
  }

  /** The flag's value when given, else the variable's when it is set and not empty, else null. */
  public String flagOrVariable(String flagValue, String variable) {
    if (flagValue != null) {
      return flagValue;
    }
    String v = env.get(variable);
    return v == null || v.isEmpty() ? null : v;
  }

  /** As {@link #flagOrVariable(String, String)}, with {@code fallback} instead of null. */
  public String flagOrVariable(String flagValue, String variable, String fallback) {
    String v = flagOrVariable(flagValue, variable);
    return v == null ? fallback : v;
  }

  /**
   * Where a setting's value comes from, for messages: {@code option} when the flag was given, else
   * {@code variable} when it is set, else {@code option} (the value is the default).
   */
  public String source(Object flagValue, String option, String variable) {
    if (flagValue != null && !(flagValue instanceof List<?> list && list.isEmpty())) {
      return option;
    }
    String v = env.get(variable);
    return v == null || v.isEmpty() ? option : variable;
  }

  /** The flag's path when given, else the variable's value as a path, else null. */
  public Path pathOr(Path flagValue, String variable) {
    String v = flagOrVariable(null, variable);
    return flagValue != null ? flagValue : v == null ? null : Path.of(v);
  }

  /** The flag's values when given, else the variable split on commas (items trimmed, kept even when empty). */
  public List<String> listOr(List<String> flagValues, String variable) {
    if (flagValues != null && !flagValues.isEmpty()) {
      return flagValues;
    }
    String v = env.get(variable);
    if (v == null || v.isBlank()) {
      return List.of();
    }
    return Arrays.stream(v.split(",", -1)).map(String::trim).toList();
  }
}
