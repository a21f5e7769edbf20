package io.k8vent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.k8vent.deploy.Dockerfile.Instruction;
import io.k8vent.deploy.Dockerfile.Stage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The image is built and run as kube/ and SPEC §6 expect; checked by reading the Dockerfile. */
class DockerfileTest {

  private final Dockerfile dockerfile = Dockerfile.read();

  @Test
  void baseImagesAreBuildArgumentsWhoseDefaultsArePublicImages() {
    assertThat(dockerfile.globalArgs()).containsEntry("BUILD_IMAGE", "maven:3.9-eclipse-temurin-17")
        .containsEntry("JDK_IMAGE", "eclipse-temurin:17-jdk")
        .containsEntry("RUNTIME_IMAGE", "gcr.io/distroless/java-base-debian12:nonroot");
    assertThat(Dockerfile.parse(List.of("ARG BASE=debian:12", "FROM ${BASE} AS one", "FROM $BASE"))
        .stages()).extracting(Stage::image).containsExactly("debian:12", "debian:12");
  }

  @Test
  void buildsTheJarWithMavenInItsOwnStage() {
    Stage build = dockerfile.stage("build");

    assertThat(build.image()).startsWith("maven:").contains("temurin-17");
    assertThat(build.all("RUN")).extracting(Instruction::arguments)
        .anySatisfy(run -> assertThat(run).contains("mvn -B -q -DskipTests package"));
  }

  @Test
  void trimsTheRuntimeWithJlinkInItsOwnStage() {
    Stage jre = dockerfile.stage("jre");

    assertThat(jre.image()).startsWith("eclipse-temurin:17-jdk");
    assertThat(dockerfile.jlinkModules()).contains("java.base").doesNotHaveDuplicates()
        .allMatch(module -> module.matches("[a-z][a-z0-9]*(\\.[a-z][a-z0-9]*)*"));
    assertThat(jre.all("RUN")).singleElement().satisfies(run -> assertThat(run.words())
        .contains("jlink", "--strip-debug", "--no-man-pages", "--no-header-files", "--output"));
  }

  @Test
  void finalStageIsShellFreeAndCopiesOnlyFromEarlierStages() {
    List<Stage> stages = dockerfile.stages();
    Stage last = dockerfile.finalStage();
    List<String> earlierStages = new ArrayList<>();
    stages.subList(0, stages.size() - 1).forEach(s -> s.name().ifPresent(earlierStages::add));

    assertThat(stages).hasSizeGreaterThanOrEqualTo(3);
    assertThat(last.image()).startsWith("gcr.io/distroless/").doesNotContain("debug");
    assertThat(last.all("RUN")).as("RUN needs a shell in the image").isEmpty();
    assertThat(last.all("SHELL")).isEmpty();
    assertThat(last.all("COPY")).isNotEmpty().allSatisfy(copy ->
        assertThat(copyFrom(copy)).as(copy.arguments()).isPresent().get().isIn(earlierStages));
    assertThat(last.all("ADD")).isEmpty();
  }

  @Test
  void entrypointRunsTheJlinkRuntimeOnTheJarWithoutAShell() {
    Stage last = dockerfile.finalStage();
    List<Instruction> entrypoints = last.all("ENTRYPOINT");

    assertThat(entrypoints).singleElement().matches(Instruction::isExecForm, "exec form");
    assertThat(last.all("CMD")).allMatch(Instruction::isExecForm, "exec form");
    List<String> command = entrypoints.get(0).execArguments();
    String runtime = copiedTo(last, "jre");
    String jar = command.get(command.size() - 1);
    assertThat(command.get(0)).isEqualTo(runtime + "/bin/java");
    assertThat(command).containsSubsequence("-jar", jar);
    assertThat(jar).endsWith("/k8vent.jar").startsWith(copiedTo(last, "cds") + "/")
        .isEqualTo(copiedTo(dockerfile.stage("cds"), "build"));
  }

  @Test
  void recordsK8ventsClassArchiveWithTheEntrypointsFlagsAndMapsIt() {
    List<String> entrypoint = dockerfile.finalStage().all("ENTRYPOINT").get(0).execArguments();
    List<String> flags = entrypoint.subList(1, entrypoint.indexOf("-jar"));
    String archive = flags.stream().filter(f -> f.startsWith("-XX:SharedArchiveFile="))
        .map(f -> f.substring("-XX:SharedArchiveFile=".length())).findFirst()
        .orElseThrow(() -> new AssertionError("the ENTRYPOINT maps no archive of k8vent's classes"));
    Stage cds = dockerfile.stage("cds");

    assertThat(dockerfile.stage("jre").all("RUN")).singleElement()
        .satisfies(run -> assertThat(run.words()).contains("--generate-cds-archive"));
    assertThat(cds.image()).as("recorded on the image's own runtime").isEqualTo("jre");
    assertThat(archive).startsWith(copiedTo(dockerfile.finalStage(), "cds") + "/");
    assertThat(flags).as("JSON logs stay JSON").contains("-Xlog:cds=off", "-Xlog:cds+dynamic=off");
    assertThat(cds.all("RUN")).singleElement().satisfies(run -> {
      List<String> words = run.words();
      int main = words.indexOf("io.k8vent.build.ClassArchive");
      assertThat(words.get(0)).as("the training daemon logs as the image does").isEqualTo("K8VENT_LOG_FORMAT=json");
      assertThat(main).isPositive();
      assertThat(words.subList(main + 1, main + 5)).as("the training daemon runs on the image's runtime and jar")
          .containsExactly("--java", entrypoint.get(0), archive, entrypoint.get(entrypoint.size() - 1));
      assertThat(words.subList(main + 5, words.size())).as("the training daemon runs with the ENTRYPOINT's flags")
          .containsExactlyElementsOf(flags.stream()
              .filter(f -> !f.startsWith("-XX:SharedArchiveFile=") && !f.startsWith("-Xlog:cds")).toList());
    });
  }

  @Test
  void jvmSizesItselfForASmallContainer() {
    List<String> command = dockerfile.finalStage().all("ENTRYPOINT").get(0).execArguments();

    assertThat(command).contains("-XX:+UseSerialGC")
        .anySatisfy(flag -> assertThat(flag).matches("-XX:MaxRAMPercentage=[1-9][0-9](\\.[0-9]+)?"))
        .noneSatisfy(flag -> assertThat(flag).matches("-Xm[sx].*"));
  }

  @Test
  void runsAsANumericNonRootUser() {
    List<Instruction> users = dockerfile.finalStage().all("USER");

    assertThat(users).singleElement().extracting(Instruction::arguments).satisfies(user -> {
      assertThat(user).matches("[0-9]+(:[0-9]+)?");
      for (String id : user.split(":")) {
        assertThat(Integer.parseInt(id)).as("uid/gid").isPositive();
      }
    });
  }

  @Test
  void logsJsonAndExposesTheOpsPort() {
    Stage last = dockerfile.finalStage();

    assertThat(last.all("ENV")).extracting(Instruction::arguments)
        .contains("K8VENT_LOG_FORMAT=json");
    assertThat(last.all("EXPOSE")).extracting(Instruction::arguments).containsExactly("8080");
  }

  @Test
  void buildContextHoldsOnlyTheModulesTheImageIsBuiltFrom() throws IOException {
    List<String> patterns = Files.readAllLines(Path.of(".dockerignore")).stream()
        .map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();

    assertThat(patterns).containsExactly("*", "!pom.xml", "!daemon/pom.xml", "!daemon/src/", "!tools/pom.xml",
        "!tools/src/", "!build-tools/pom.xml", "!build-tools/src/", "!tests/pom.xml");
    assertThat(dockerfile.stage("build").all("COPY")).extracting(Instruction::words)
        .allSatisfy(words -> assertThat(words.subList(0, words.size() - 1))
            .allMatch(source -> source.matches("((daemon|tools|build-tools|tests)/)?pom\\.xml|(daemon|tools|build-tools)/src")));
  }

  @Test
  void theImageHoldsTheDaemonsJarAndNotTheTools() {
    List<String> entrypoint = dockerfile.finalStage().all("ENTRYPOINT").get(0).execArguments();
    Instruction daemonJar = dockerfile.stage("cds").all("COPY").get(0);

    assertThat(daemonJar.words()).containsExactly("--from=build", "/src/daemon/target/k8vent-daemon.jar",
        entrypoint.get(entrypoint.size() - 1));
    assertThat(dockerfile.finalStage().all("COPY")).extracting(Instruction::words)
        .contains(List.of("--from=cds", "/opt/k8vent", "/opt/k8vent"))
        .noneSatisfy(words -> assertThat(String.join(" ", words)).contains("training"));
  }

  /** The --from stage of a COPY, if it has one. */
  private static Optional<String> copyFrom(Instruction copy) {
    return copy.words().stream().filter(w -> w.startsWith("--from="))
        .map(w -> w.substring("--from=".length())).findFirst();
  }

  /** Where the final stage puts what it copies from the given stage. */
  private static String copiedTo(Stage stage, String from) {
    return stage.all("COPY").stream().filter(copy -> copyFrom(copy).equals(Optional.of(from)))
        .map(copy -> copy.words().get(copy.words().size() - 1)).findFirst()
        .orElseThrow(() -> new AssertionError("nothing copied from " + from));
  }
}
