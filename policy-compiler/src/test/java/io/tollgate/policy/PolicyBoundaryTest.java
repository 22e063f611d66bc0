package io.tollgate.policy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Keeps the policy module's three faces apart: the API users call ({@code io.tollgate.policy} and
 * its model, source and json packages), the SPI implementers extend ({@code
 * io.tollgate.policy.spi}), and the internals ({@code io.tollgate.policy.internal}, plus
 * package-private classes). No public signature of the API or SPI may name an internal type, so
 * that internals can change without breaking a caller.
 */
class PolicyBoundaryTest {
  static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.tollgate.policy");

  @Test
  void publicSignaturesOfTheApiAndSpiNameNoInternalType() {
    classes()
        .that()
        .arePublic()
        .and()
        .resideOutsideOfPackage("io.tollgate.policy.internal..")
        .should(exposeNoInternalType())
        .check(CLASSES);
  }

  @Test
  void theSpiDependsOnNoPackagePrivateImplementationOfTheApi() {
    noClasses()
        .that()
        .resideInAPackage("io.tollgate.policy.spi..")
        .should()
        .dependOnClassesThat(nonPublicIn("io.tollgate.policy"))
        .check(CLASSES);
  }

  @Test
  void theModelDependsOnNeitherCompilerNorRuntime() {
    noClasses()
        .that()
        .resideInAPackage("io.tollgate.policy.model..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.tollgate.policy.spi..",
            "io.tollgate.policy.internal..",
            "io.tollgate.policy.json..",
            "io.tollgate.policy.opa..")
        .check(CLASSES);
  }

  private static com.tngtech.archunit.base.DescribedPredicate<JavaClass> nonPublicIn(String pkg) {
    return com.tngtech.archunit.base.DescribedPredicate.describe(
        "non-public classes of " + pkg,
        c -> c.getPackageName().equals(pkg) && !c.getModifiers().contains(JavaModifier.PUBLIC));
  }

  static boolean internal(JavaClass c) {
    JavaClass base = c.isArray() ? c.getBaseComponentType() : c;
    return base.getPackageName().startsWith("io.tollgate.policy")
        && (base.getPackageName().startsWith("io.tollgate.policy.internal")
            || !base.getModifiers().contains(JavaModifier.PUBLIC));
  }

  static ArchCondition<JavaClass> exposeNoInternalType() {
    return new ArchCondition<>("expose no internal type in a public or protected signature") {
      @Override
      public void check(JavaClass c, ConditionEvents events) {
        List<JavaMember> members = new ArrayList<>();
        members.addAll(c.getCodeUnits());
        members.addAll(c.getFields());
        for (JavaMember m : members) {
          if (!m.getModifiers().contains(JavaModifier.PUBLIC)
              && !m.getModifiers().contains(JavaModifier.PROTECTED)) {
            continue;
          }
          List<JavaClass> types = new ArrayList<>();
          if (m instanceof JavaCodeUnit u) {
            types.add(u.getRawReturnType());
            types.addAll(u.getRawParameterTypes());
          } else if (m instanceof JavaField f) {
            types.add(f.getRawType());
          }
          for (JavaClass t : types) {
            if (internal(t)) {
              events.add(
                  SimpleConditionEvent.violated(
                      m, m.getFullName() + " exposes internal type " + t.getName()));
            }
          }
        }
      }
    };
  }
}
