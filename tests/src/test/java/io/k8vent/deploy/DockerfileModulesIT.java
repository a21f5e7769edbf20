package io.k8vent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.k8vent.testing.Jars;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The image's jlink runtime has every module the daemon's jar uses. Runs after {@code package}
 * (Failsafe), so a new dependency that needs another JDK module fails the build here instead
 * of failing the container with NoClassDefFoundError.
 */
class DockerfileModulesIT {
  @Test
  void jlinkAddsEveryModuleJdepsFindsInTheJar() throws Exception {
    List<String> needed = jdepsModules(Jars.daemon());

    assertThat(needed).as("jdeps output").isNotEmpty().contains("java.base");
    assertThat(Dockerfile.read().jlinkModules())
        .as("jlink --add-modules in %s", Dockerfile.PATH)
        .containsAll(needed);
  }

  /** The modules {@code jdeps --print-module-deps} lists for a jar, using this JDK's jdeps. */
  private static List<String> jdepsModules(Path jar) throws Exception {
    Path jdeps = Path.of(System.getProperty("java.home"), "bin", "jdeps");
    Process process = new ProcessBuilder(jdeps.toString(),
        "--ignore-missing-deps", "--multi-release", "17", "--print-module-deps", jar.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("jdeps finished").isTrue();
    assertThat(process.exitValue()).as("jdeps exit status; output:%n%s", output).isZero();
    List<String> lines = output.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    assertThat(lines).as("jdeps output").isNotEmpty();
    String modules = lines.get(lines.size() - 1);
    assertThat(modules).as("jdeps module list").matches("[\\w.]+(,[\\w.]+)*");
    return List.of(modules.split(","));
  }
}
