package io.k8vent;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package layout as a contract: the flow watch → route → payload → delivery has no cycles, the
 * daemon (what the image runs) does not reach into the tools a person runs by hand, and config only
 * parses and checks values.
 */
@AnalyzeClasses(packages = "io.k8vent", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String[] DAEMON = {"io.k8vent", "io.k8vent.watch..", "io.k8vent.route..",
      "io.k8vent.payload..", "io.k8vent.delivery..", "io.k8vent.ops..", "io.k8vent.config..", "io.k8vent.net..",
      "io.k8vent.logging.."};
  private static final String[] TOOLS = {"io.k8vent.cli..", "io.k8vent.demo..", "io.k8vent.sink..",
      "io.k8vent.linkimage.."};

  @ArchTest
  static final ArchRule packagesAreFreeOfCycles = slices().matching("io.k8vent.(*)..").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule theDaemonDoesNotDependOnTheTools = noClasses().that().resideInAnyPackage(DAEMON)
      .should().dependOnClassesThat().resideInAnyPackage(TOOLS);

  @ArchTest
  static final ArchRule configDependsOnNoOtherPackageOfK8vent = noClasses().that().resideInAPackage("io.k8vent.config..")
      .should().dependOnClassesThat().resideInAnyPackage("io.k8vent", "io.k8vent.watch..", "io.k8vent.route..",
          "io.k8vent.payload..", "io.k8vent.delivery..", "io.k8vent.ops..", "io.k8vent.net..", "io.k8vent.logging..",
          "io.k8vent.cli..", "io.k8vent.demo..", "io.k8vent.sink..", "io.k8vent.linkimage..");
}
