package org.vostok.rsvc.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;

/**
 * The framework's layering: the network layer knows nothing of the service framework above it,
 * and the example register service is written against the framework's public API only (what a
 * service author outside this module can use).
 */
@AnalyzeClasses(packages = "org.vostok.rsvc", importOptions = ImportOption.DoNotIncludeTests.class)
class RsvcLayeringTest {

    @ArchTest
    static final ArchRule netBelowFramework = noClasses().that().resideInAPackage("org.vostok.rsvc.net..")
            .should().dependOnClassesThat().resideInAnyPackage("org.vostok.rsvc", "org.vostok.rsvc.register..");

    @ArchTest
    static final ArchRule registerUsesThePublicApiOnly = classes().that().resideInAPackage("org.vostok.rsvc.register..")
            .should(new ArchCondition<JavaClass>("use only public classes of org.vostok.rsvc") {
                @Override
                public void check(JavaClass item, ConditionEvents events) {
                    item.getDirectDependenciesFromSelf().forEach(d -> {
                        JavaClass target = d.getTargetClass();
                        if (target.getPackageName().startsWith("org.vostok.rsvc")
                                && !target.getPackageName().startsWith("org.vostok.rsvc.register")
                                && !target.getModifiers().contains(com.tngtech.archunit.core.domain.JavaModifier.PUBLIC)) {
                            events.add(SimpleConditionEvent.violated(d, d.getDescription()));
                        }
                    });
                }
            });
}
