package io.k8vent.watch;

import io.k8vent.config.ConfigException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A Kubernetes label selector as {@code kubectl -l} takes it: comma-separated requirements
 * {@code key}, {@code !key}, {@code key=value}, {@code key==value}, {@code key!=value},
 * {@code key in (a,b)}, {@code key notin (a,b)}, {@code key>N}, {@code key<N}. Parsed at start so a
 * typo stops k8vent with a message rather than failing every list; the API server filters with it,
 * and k8vent matches pods with it too, to tell a pod that stopped matching from a deleted one.
 */
public final class LabelSelector {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  private static final Pattern PREFIX = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private enum Op { EXISTS, NOT_EXISTS, EQUALS, NOT_EQUALS, IN, NOT_IN, GREATER, LESS }

  private record Requirement(String key, Op op, Set<String> values) {
    boolean matches(Map<String, String> labels) {
      String value = labels.get(key);
      return switch (op) {
        case EXISTS -> value != null;
        case NOT_EXISTS -> value == null;
        case EQUALS, IN -> value != null && values.contains(value);
        case NOT_EQUALS, NOT_IN -> value == null || !values.contains(value);
        case GREATER, LESS -> value != null && compares(value);
      };
    }

    private boolean compares(String value) {
      long bound = Long.parseLong(values.iterator().next());
      try {
        long n = Long.parseLong(value);
        return op == Op.GREATER ? n > bound : n < bound;
      } catch (NumberFormatException e) {
        return false;
      }
    }
  }

  private final String text;
  private final List<Requirement> requirements;

  private LabelSelector(String text, List<Requirement> requirements) {
    this.text = text;
    this.requirements = requirements;
  }

  /** The selector {@code text}; {@code source} (the option or variable) names it in errors. */
  public static LabelSelector parse(String text, String source) {
    return new Parser(text, source).selector();
  }

  /** The selector as given, for the API server's labelSelector parameter. */
  public String text() {
    return text;
  }

  public boolean matches(Map<String, String> labels) {
    Map<String, String> present = labels == null ? Map.of() : labels;
    for (Requirement r : requirements) {
      if (!r.matches(present)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return text;
  }

  /** A recursive-descent reader of one selector string. */
  private static final class Parser {
    private final String text;
    private final String source;
    private int at;

    Parser(String text, String source) {
      this.text = text;
      this.source = source;
    }

    LabelSelector selector() {
      List<Requirement> requirements = new ArrayList<>();
      skipSpaces();
      if (at == text.length()) {
        throw error("is empty; leave it unset to watch every pod");
      }
      do {
        requirements.add(requirement());
        skipSpaces();
      } while (accept(","));
      if (at != text.length()) {
        throw error("has unexpected \"" + text.substring(at) + "\"");
      }
      return new LabelSelector(text.strip(), List.copyOf(requirements));
    }

    private Requirement requirement() {
      skipSpaces();
      if (accept("!")) {
        return new Requirement(key(), Op.NOT_EXISTS, Set.of());
      }
      String key = key();
      skipSpaces();
      if (accept("==") || accept("=")) {
        return new Requirement(key, Op.EQUALS, Set.of(value()));
      }
      if (accept("!=")) {
        return new Requirement(key, Op.NOT_EQUALS, Set.of(value()));
      }
      if (accept(">")) {
        return new Requirement(key, Op.GREATER, Set.of(integer()));
      }
      if (accept("<")) {
        return new Requirement(key, Op.LESS, Set.of(integer()));
      }
      if (acceptWord("notin")) {
        return new Requirement(key, Op.NOT_IN, valueSet());
      }
      if (acceptWord("in")) {
        return new Requirement(key, Op.IN, valueSet());
      }
      return new Requirement(key, Op.EXISTS, Set.of());
    }

    private String key() {
      skipSpaces();
      String key = word();
      if (key.isEmpty()) {
        throw error("expects a label key at \"" + text.substring(at) + "\"");
      }
      int slash = key.indexOf('/');
      String name = slash < 0 ? key : key.substring(slash + 1);
      if (slash >= 0) {
        String prefix = key.substring(0, slash);
        if (prefix.isEmpty() || prefix.length() > 253 || !PREFIX.matcher(prefix).matches()) {
          throw error("has an invalid label key prefix \"" + prefix + "\" (a DNS subdomain)");
        }
      }
      if (!NAME.matcher(name).matches()) {
        throw error("has an invalid label key \"" + key + "\" (at most 63 letters, digits, '-', '_' or '.', "
            + "starting and ending with a letter or digit)");
      }
      return key;
    }

    private String value() {
      skipSpaces();
      String value = word();
      if (!value.isEmpty() && !NAME.matcher(value).matches()) {
        throw error("has an invalid label value \"" + value + "\"");
      }
      return value;
    }

    private String integer() {
      String value = value();
      try {
        Long.parseLong(value);
        return value;
      } catch (NumberFormatException e) {
        throw error("compares with \"" + value + "\", which is not an integer");
      }
    }

    private Set<String> valueSet() {
      skipSpaces();
      if (!accept("(")) {
        throw error("expects '(' after in/notin");
      }
      Set<String> values = new HashSet<>();
      do {
        values.add(value());
        skipSpaces();
      } while (accept(","));
      if (!accept(")")) {
        throw error("expects ')' to close a value list");
      }
      return Set.copyOf(values);
    }

    /** Characters up to the next operator, separator, parenthesis or space. */
    private String word() {
      int start = at;
      while (at < text.length() && "=!<>,() \t".indexOf(text.charAt(at)) < 0) {
        at++;
      }
      return text.substring(start, at);
    }

    private boolean acceptWord(String word) {
      int end = at + word.length();
      if (text.startsWith(word, at) && (end == text.length() || text.charAt(end) == ' ' || text.charAt(end) == '(')) {
        at = end;
        return true;
      }
      return false;
    }

    private boolean accept(String token) {
      if (text.startsWith(token, at)) {
        at += token.length();
        return true;
      }
      return false;
    }

    private void skipSpaces() {
      while (at < text.length() && (text.charAt(at) == ' ' || text.charAt(at) == '\t')) {
        at++;
      }
    }

    private ConfigException error(String problem) {
      return new ConfigException(source + " \"" + text + "\" " + problem);
    }
  }
}
