package org.vostok.rdb;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import com.tngtech.archunit.library.GeneralCodingRules;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;
import org.vostok.rdb.model.LayeringOffender;

/**
 * java-rdb's layering (DESIGN.md, "Packages"): the value types and errors ({@code model}) depend
 * on no other part of rdb; the pool layout ({@code store}) and the transport ({@code transport})
 * on the model only; the replica ({@code org.vostok.rdb}) on all of them. No package cycle; the
 * main code uses the VOS API, never an implementation of it; no console output or
 * java.util.logging; the store starts no threads of its own (the replica's threads drive it). A
 * self-check proves the rules catch an offender.
 */
class ArchitectureTest {

    private static final String ROOT = "org.vostok.rdb";

    /** The replica, model, store and transport as slices; nested packages belong to their parent. */
    private static final SliceAssignment PARTS = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
            String p = c.getPackageName();
            if (p.equals(ROOT)) {
                return SliceIdentifier.of("replica");
            }
            for (String part : new String[] {"model", "store", "transport"}) {
                if (p.equals(ROOT + "." + part) || p.startsWith(ROOT + "." + part + ".")) {
                    return SliceIdentifier.of(part);
                }
            }
            return SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "the parts of java-rdb (replica, model, store, transport)";
        }
    };

    static final ArchRule LAYERS = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("Replica").definedBy(ROOT)
            .layer("Store").definedBy(ROOT + ".store..")
            .layer("Transport").definedBy(ROOT + ".transport..")
            .layer("Model").definedBy(ROOT + ".model..")
            .whereLayer("Replica").mayNotBeAccessedByAnyLayer()
            .whereLayer("Store").mayOnlyBeAccessedByLayers("Replica")
            .whereLayer("Transport").mayOnlyBeAccessedByLayers("Replica")
            .whereLayer("Model").mayOnlyBeAccessedByLayers("Replica", "Store", "Transport");

    static final ArchRule NO_CYCLES = slices().assignedFrom(PARTS).should().beFreeOfCycles();

    static final ArchRule RULES = CompositeArchRule.of(LAYERS).and(NO_CYCLES)
            .and(noClasses().should().dependOnClassesThat().resideInAPackage("org.vostok.vos.ffm..")
                    .as("the VOS API only, never its FFM implementation (a release-17 library)"))
            .and(GeneralCodingRules.NO_CLASSES_SHOULD_ACCESS_STANDARD_STREAMS)
            .and(GeneralCodingRules.NO_CLASSES_SHOULD_USE_JAVA_UTIL_LOGGING)
            .and(noClasses().that().resideInAPackage(ROOT + ".store..").should().dependOnClassesThat()
                    .belongToAnyOf(Thread.class, java.util.concurrent.Executor.class,
                            java.util.concurrent.ExecutorService.class)
                    .as("the store starts no threads: the replica's threads drive it"));

    @Test
    void javaRdbKeepsItsLayersAndHasNoPackageCycle() {
        JavaClasses main = new ClassFileImporter()
                .withImportOption(new ImportOption.DoNotIncludeTests())
                .importPackages(ROOT);
        assertTrue(main.size() > 60, "expected java-rdb's classes, found " + main.size());
        RULES.check(main);
    }

    @Test
    void theRulesCatchAnOffender() {
        // The main classes and the one offender from the test classes.
        ImportOption mainAndOffender = location -> new ImportOption.DoNotIncludeTests().includes(location)
                || location.contains(LayeringOffender.class.getSimpleName());
        JavaClasses offender = new ClassFileImporter().withImportOption(mainAndOffender).importPackages(ROOT);
        AssertionError e = assertThrows(AssertionError.class, () -> RULES.check(offender));
        assertTrue(e.getMessage().contains("LayeringOffender"), e.getMessage());
        assertTrue(e.getMessage().contains("System.out"), e.getMessage());
    }
}
