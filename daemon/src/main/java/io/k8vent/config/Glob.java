package io.k8vent.config;

import java.util.Arrays;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Patterns whose one wildcard is {@code *}; every other character stands for itself. */
public final class Glob {
  private Glob() {}

  /**
   * {@code glob} as a regular expression that must match the whole text: each {@code *} stands for
   * {@code wildcard} (itself a regular expression), every other character for itself.
   */
  public static Pattern compile(String glob, String wildcard, int flags) {
    return Pattern.compile(Arrays.stream(glob.split("\\*", -1)).map(Pattern::quote)
        .collect(Collectors.joining(wildcard)), flags);
  }
}
