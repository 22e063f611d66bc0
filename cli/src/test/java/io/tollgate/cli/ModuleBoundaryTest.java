package io.tollgate.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The arrows of docs/adr/0005-module-layout.md, checked on the classes of every module (this, the
 * composition root, is the one module that sees them all): nothing points up, and nobody outside
 * the policy module reaches into its internals.
 */
class ModuleBoundaryTest {
  static final JavaClasses ALL =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.tollgate");

  @Test
  void nobodyOutsideThePolicyModuleUsesItsInternals() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.tollgate.policy..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.tollgate.policy.internal..")
        .check(ALL);
  }

  @Test
  void thePolicyModuleDependsOnNoOtherModule() {
    noClasses()
        .that()
        .resideInAPackage("io.tollgate.policy..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.tollgate.enforcement..",
            "io.tollgate.flink..",
            "io.tollgate.dev..",
            "io.tollgate.load..",
            "io.tollgate.loadtest..",
            "io.tollgate.cli..")
        .check(ALL);
  }

  @Test
  void theEnforcementCoreDependsOnNoJobToolOrCommandLine() {
    noClasses()
        .that()
        .resideInAPackage("io.tollgate.enforcement..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.tollgate.flink..",
            "io.tollgate.dev..",
            "io.tollgate.load..",
            "io.tollgate.cli..",
            "org.apache.flink..",
            "org.apache.kafka..",
            "io.netty..")
        .check(ALL);
  }

  @Test
  void theJobsDependOnNeitherTheDevToolsNorTheCommandLine() {
    noClasses()
        .that()
        .resideInAPackage("io.tollgate.flink..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.tollgate.dev..", "io.tollgate.load..", "io.tollgate.cli..")
        .check(ALL);
  }

  @Test
  void theDevToolsDependOnNoJob() {
    noClasses()
        .that()
        .resideInAPackage("io.tollgate.dev..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.tollgate.flink..", "io.tollgate.load..", "io.tollgate.cli..")
        .check(ALL);
  }

  @Test
  void onlyTheCompositionRootKnowsTheCommandLine() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.tollgate.cli..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.tollgate.cli..")
        .check(ALL);
  }
}
