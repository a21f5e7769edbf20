package io.k8vent.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** The jars the other modules built, as the integration tests run them (paths set in tests/pom.xml). */
public final class Jars {
  private Jars() {}

  /** The daemon's jar: what the image runs ({@code daemon/target/k8vent-daemon.jar}). */
  public static Path daemon() {
    return jar("k8vent.daemon.jar");
  }

  /** The k8vent command with the tools, as {@code bin/k8vent} runs it ({@code tools/target/k8vent.jar}). */
  public static Path k8vent() {
    return jar("k8vent.jar");
  }

  /** The build-time helpers' jar ({@code build-tools/target/k8vent-build-tools.jar}): records the class archive. */
  public static Path buildTools() {
    return jar("k8vent.build-tools.jar");
  }

  private static Path jar(String property) {
    String path = System.getProperty(property);
    if (path == null) {
      throw new IllegalStateException("system property " + property + " is not set: run the tests with Maven "
          + "(tests/pom.xml sets it)");
    }
    Path jar = Path.of(path).toAbsolutePath().normalize();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: integration tests run after `mvn package`");
    }
    return jar;
  }
}
