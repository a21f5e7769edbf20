package io.k8vent;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The daemon module's package layout as a contract: the flow watch → route → payload → delivery has
 * no cycles, the command line (cli) is the outermost layer, which nothing else uses, and config only
 * parses and checks values. (The tools a person runs by hand live in the tools module, which this
 * one cannot see: Maven keeps the daemon from depending on them.)
 */
@AnalyzeClasses(packages = "io.k8vent", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String[] DAEMON = {"io.k8vent", "io.k8vent.watch..", "io.k8vent.route..",
      "io.k8vent.payload..", "io.k8vent.delivery..", "io.k8vent.ops..", "io.k8vent.config..", "io.k8vent.net..",
      "io.k8vent.logging.."};

  @ArchTest
  static final ArchRule packagesAreFreeOfCycles = slices().matching("io.k8vent.(*)..").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule theDaemonDoesNotDependOnItsCommandLine = noClasses().that().resideInAnyPackage(DAEMON)
      .should().dependOnClassesThat().resideInAPackage("io.k8vent.cli..");

  @ArchTest
  static final ArchRule configDependsOnNoOtherPackageOfK8vent = noClasses().that().resideInAPackage("io.k8vent.config..")
      .should().dependOnClassesThat().resideInAnyPackage("io.k8vent", "io.k8vent.watch..", "io.k8vent.route..",
          "io.k8vent.payload..", "io.k8vent.delivery..", "io.k8vent.ops..", "io.k8vent.net..", "io.k8vent.logging..",
          "io.k8vent.cli..");
}
